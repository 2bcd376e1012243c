"""Every portal page read in French is French: each role's pages (every page its home
leads to, found by the crawler of test_offered_actions) and the public ones are rendered
for a reader whose language is French, and none may show an English sentence the
catalogue translates, a decimal point in an amount, or a colon written the English way.

The English sentences are not picked by hand: they are the catalogue's own msgids whose
French differs, cut at their placeholders and markup, each piece of at least two words.
"""

import re
from functools import cache
from html.parser import HTMLParser

import polib
import pytest
from django.test import Client

from concierge.models import Role, User
from tests import factories
from tests.web.test_offered_actions import crawl
from tests.web.test_translations import CATALOGUE

pytestmark = pytest.mark.django_db

PIECES = re.compile(r"%\(\w+\)\w|%\w|<[^>]*>|\{\{.*?\}\}")
# An amount in the English way: "28.00 EUR", "1,234.50 EUR".
ENGLISH_AMOUNT = re.compile(r"\b\d+\.\d{2}\s?(?:EUR|USD|GBP|€)")
# French sets a colon after a space ("Total :"); a word glued to its colon is English.
GLUED_COLON = re.compile(r"[A-Za-zÀ-ÿ)]:(?=\s|$)")
# The attributes a reader hears or sees, beside the text.
READ_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt", "data-label", "data-hidden-text")


@cache
def english_sentences() -> frozenset[str]:
    po = polib.pofile(str(CATALOGUE))
    french = "\n".join(entry.msgstr for entry in po)
    found = set()
    for entry in po:
        if entry.obsolete or entry.msgid_plural or entry.msgstr in ("", entry.msgid):
            continue
        for piece in PIECES.split(entry.msgid):
            piece = " ".join(piece.split()).strip(" .,:;!?\u2014\u2013-()\"'")
            # Two words at least, and not also French (a name both languages write alike).
            if len(piece.split()) >= 2 and len(piece) >= 8 and piece not in french:
                found.add(piece)
    return frozenset(found)


class _Text(HTMLParser):
    """What a page says: its text and the attributes read out, without its scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        self.parts.extend(attrs[name] for name in READ_ATTRIBUTES if attrs.get(name))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(body: str) -> str:
    parser = _Text()
    parser.feed(body)
    return " \n ".join(" ".join(part.split()) for part in parser.parts if part.strip())


def english_on(body: str) -> list[str]:
    """The English the French page `body` shows."""
    text = page_text(body)
    found = [
        sentence
        for sentence in english_sentences()
        if re.search(rf"(?<![\w']){re.escape(sentence)}(?![\w'])", text)
    ]
    found += ENGLISH_AMOUNT.findall(text)
    # Times ("10:30") and addresses ("https://") are not words followed by a colon.
    found += [text[max(0, m.start() - 20) : m.end()] for m in GLUED_COLON.finditer(text)]
    return found


@pytest.fixture
def french_month(db):
    """The lived-in month of the `month` fixture, its people French from the start, so
    what the service wrote to them (notifications) is French too."""
    from billing.demo import lived_in_month

    assistant = factories.AssistantFactory(language="fr")
    client = factories.ClientFactory(first_name="Claire", timezone="Europe/Paris", language="fr")
    client.client_profile.primary_assistant = assistant
    client.client_profile.save()
    return lived_in_month(
        client=client,
        assistant=assistant,
        manager=factories.ManagerFactory(language="fr"),
        plan=factories.PlanFactory(name="Essential", name_fr="Essentiel"),
    )


def french(web_for, user) -> Client:
    web = web_for(user)
    web.cookies["django_language"] = "fr"
    return web


def assert_french(pages: dict[str, str]):
    english = {url: found for url, body in sorted(pages.items()) if (found := english_on(body))}
    assert english == {}, "English on French pages:\n" + "\n".join(
        f"{url}: {found}" for url, found in english.items()
    )


def test_the_sentences_come_from_the_catalogue():
    sentences = english_sentences()
    assert len(sentences) > 300
    assert {"Sign out", "Download my data", "not billed yet"} <= sentences
    assert english_on("<p>Sign out</p>") == ["Sign out"]
    assert english_on('<input type="submit" value="Sign out">') == ["Sign out"]
    assert english_on('<span aria-label="Sign out"></span>') == ["Sign out"]
    assert english_on("<p>Se déconnecter · 28,00 EUR · Total : 10:30 https://x.test</p>") == []
    assert english_on("<p>28.00 EUR</p>") == ["28.00 EUR"]
    assert english_on("<p>Total: 3 h</p>") == ["Total:"]


@pytest.mark.parametrize("reader", ["client", "assistant", "manager", "new client"])
def test_every_page_reads_french_to_a_french_reader(reader, french_month, web_for):
    task = french_month.tasks["in_progress"]
    person = {
        "client": task.client,
        "assistant": task.assignee,
        "manager": User.objects.filter(role=Role.MANAGER).first(),
        "new client": factories.ClientFactory(language="fr"),
    }[reader]
    pages: dict[str, str] = {}
    crawl(french(web_for, person), read=pages.__setitem__)
    assert len(pages) >= 6, sorted(pages)
    assert all('<html lang="fr">' in body for body in pages.values())
    assert_french(pages)


def test_the_public_pages_read_french(french_month):
    web = Client(HTTP_ACCEPT_LANGUAGE="fr")
    pages = {path: web.get(path).content.decode() for path in ("/", "/login/", "/signup/")}
    assert all('<html lang="fr">' in body for body in pages.values())
    assert_french(pages)
