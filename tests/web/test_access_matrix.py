"""Who may open each portal page: every route under /app/ for an anonymous visitor, each
role, and another client (the API's `tests/checks.py`, for the portal). A route missing
from the tables below fails the test: a new page says who it is for."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from calendar_sync.models import CalDavAccount, IcsSubscription
from concierge import vault_services
from concierge.models import Notification, TaskStatus
from tests import factories

pytestmark = pytest.mark.django_db


def portal_routes():
    """(url name, has arguments) of every route under /app/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.name

    return sorted(
        (name, "<" in path)
        for path, name in walk(get_resolver().url_patterns)
        if path.startswith("app/")
    )


ROUTES = portal_routes()

# GET of each page without arguments, per role: 200 (the page), 403 (not for them), or
# 302 (a form's address: it sends back to its page) / 405 (POST only).
PAGES = {
    #                         client assistant manager
    "app": (200, 200, 200),
    "account": (200, 200, 200),
    "reauthenticate": (200, 200, 200),
    "email-change": None,
    "password-change": None,
    "security": (200, 200, 200),
    "recovery-codes": None,
    "logout-all": None,
    "totp-enrol": None,
    "totp-confirm": None,
    "totp-disable": None,
    "audit": (403, 403, 200),
    "billing": (403, 403, 200),
    "billing-close": (403, 403, 405),
    "brief": (200, 403, 403),
    "calendar": (200, 200, 200),
    "calendar-caldav": (405, 405, 405),
    "calendar-feed-create": (405, 405, 405),
    "calendar-ics-add": (405, 405, 405),
    "clients": (403, 403, 200),
    "disputes": (403, 403, 200),
    "invoice-list": (200, 403, 200),
    "notifications": (200, 200, 200),
    "notification-preferences": (405, 405, 405),
    "notification-read-all": (405, 405, 405),
    "plan": (200, 403, 403),
    "billing-details": None,
    "plan-cancel": (405, 403, 403),
    "card-set": (405, 403, 403),
    "plan-change": (405, 403, 403),
    "pack-buy": (405, 403, 403),
    "plan-subscribe": (405, 403, 403),
    "privacy": (200, 200, 200),
    "privacy-erase": (405, 403, 403),
    "privacy-export": (405, 405, 405),
    "reports": None,
    "reports-pdf": None,
    "task-list": (200, 200, 200),
    "task-new": (200, 403, 403),
    "team": (403, 403, 200),
    "team-late": (403, 403, 200),
    "team-time-off": (403, 403, 200),
    "team-unassigned": (403, 403, 200),
    "time": (200, 200, 200),
    "timer-start": (403, 405, 403),
    "timer-stop": (403, 405, 403),
    "vault": (200, 200, 403),
    "vault-new": (200, 403, 403),
}
# None: the accounts' and reports' own pages, whose tests say who they are for.


def test_every_page_is_in_the_matrix():
    missing = [name for name, has_args in ROUTES if not has_args and name not in PAGES]
    assert missing == []


@pytest.mark.parametrize(("name", "has_args"), ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(name, has_args):
    path = reverse(f"portal:{name}", args=[1] if has_args else [])
    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith("/login/?next="), (method, path)


@pytest.mark.parametrize("name", sorted(n for n, e in PAGES.items() if e is not None))
def test_each_role_gets_what_the_matrix_says(name, web_for):
    readers = (factories.ClientFactory(), factories.AssistantFactory(), factories.ManagerFactory())
    got = tuple(web_for(user).get(reverse(f"portal:{name}")).status_code for user in readers)
    assert got == PAGES[name]


@pytest.fixture
def owned(client_user, assistant_user):
    """An object of each kind with an address, belonging to `client_user` (or to work for
    them), by the url names that take it."""
    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )
    item = vault_services.vault_item_create(
        client=client_user, title="Bank", kind="login", fields={"password": "x"}
    )
    notification = Notification.objects.create(user=client_user, subject="Hello")
    outside = IcsSubscription.objects.create(user=client_user, url="https://x.test/a.ics")
    caldav = CalDavAccount.objects.create(
        user=client_user, url="https://x.test/dav/", username="u", calendar="c"
    )
    by_name = {
        "client-detail": client_user.pk,
        "client-brief": client_user.pk,
        "vault-detail": item.pk,
        "vault-edit": item.pk,
        "vault-delete": item.pk,
        "vault-reveal": item.pk,
        "notification-read": notification.pk,
        "calendar-ics-change": outside.pk,
        "calendar-ics-remove": outside.pk,
        "calendar-caldav-change": caldav.pk,
        "calendar-caldav-unlink": caldav.pk,
    }
    for name, has_args in ROUTES:
        if has_args and name.startswith(("task-", "log-time", "attachment-add")):
            by_name[name] = task.pk
    return by_name


# Pages of the core whose another-client check is here; the others' are in their tests.
MINE = (
    "client-detail",
    "client-brief",
    "vault-detail",
    "vault-edit",
    "vault-delete",
    "vault-reveal",
    "notification-read",
    "calendar-ics-change",
    "calendar-ics-remove",
    "calendar-caldav-change",
    "calendar-caldav-unlink",
    "task-detail",
    "task-message",
    "task-accept",
    "task-cancel",
    "task-request-revision",
)


@pytest.mark.parametrize("name", MINE)
def test_another_client_finds_nothing(name, owned, other_client_web):
    path = reverse(f"portal:{name}", args=[owned[name]])
    for method in ("get", "post"):
        response = getattr(other_client_web, method)(path)
        assert response.status_code in (403, 404, 405), (method, path, response.status_code)
