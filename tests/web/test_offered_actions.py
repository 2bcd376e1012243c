"""What a page offers its reader, they may do: every portal page each role can reach from
its home is visited, and every form it shows is sent as shown (inside a transaction rolled
back afterwards). A form answered 403 (the role may not) or 404 (the reader may not see
its object) is an action offered to someone who is refused it. Other refusals — a form
sent empty, a state that no longer allows it — are the form's own business."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction

from concierge.models import Role, User

pytestmark = pytest.mark.django_db

# Not followed: downloads, and what would end the reader's session or change its language.
SKIPPED_PATHS = ("/logout/", "/i18n/", "/app/privacy/erase/")
SKIPPED_SUFFIXES = (".csv", ".pdf", ".zip", ".ics", "/download/", "/export/", "/preview/")
MAX_PAGES = 120


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file", "image"):
                self._form["fields"].setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if self._select not in fields or "selected" in attrs:
                fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _followed(path):
    return (
        path.startswith("/app/")
        and not path.startswith(SKIPPED_PATHS)
        and not path.endswith(SKIPPED_SUFFIXES)
    )


def crawl(web, read=None):
    """Every page reachable from /app/ by links, and the forms each shows; `read(url,
    body)`, when given, is called with each page's HTML."""
    seen, queue, forms = set(), ["/app/"], []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        answer = web.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        if "text/html" not in answer.get("Content-Type", ""):
            continue
        body = answer.content.decode()
        if read is not None:
            read(url, body)
        page = _Page()
        page.feed(body)
        for href in page.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc in ("", "testserver") and _followed(target.path):
                found = target.path + (f"?{target.query}" if target.query else "")
                if found not in seen:
                    queue.append(found)
        for form in page.forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            if not action.startswith(SKIPPED_PATHS):
                forms.append((url, action, form["fields"]))
    return seen, forms


def refused_offers(web):
    pages, forms = crawl(web)
    refused, sent = [], set()
    for page, action, fields in forms:
        if (action, tuple(sorted(fields))) in sent:
            continue
        sent.add((action, tuple(sorted(fields))))
        with transaction.atomic():
            answer = web.post(action, fields)
            transaction.set_rollback(True)
        if answer.status_code in (403, 404):
            refused.append((page, action, answer.status_code))
    return pages, sent, refused


@pytest.mark.parametrize("reader", ["client", "assistant", "manager"])
def test_every_action_offered_is_one_the_reader_may_take(reader, month, web_for):
    task = month.tasks["in_progress"]
    person = {
        "client": task.client,
        "assistant": task.assignee,
        "manager": User.objects.filter(role=Role.MANAGER).first(),
    }[reader]
    pages, sent, refused = refused_offers(web_for(person))
    assert len(pages) >= 8, pages  # the crawl reached the reader's pages
    assert sent, "no form was found to send"
    assert refused == [], f"{reader} is offered actions that refuse them: {refused}"
