"""Header-unsafe characters never reach a subject: one-line fields refuse control
characters (API and portal), and a subject stored with a line break still sends, as one
line (concierge/text.py)."""

import pytest
from django.core import mail
from django.test import Client

from assistants.api.serializers import AssistantCreateSerializer
from billing.api.serializers import PlanSerializer
from calendar_sync.web.forms import CalDavForm
from concierge import jobs, services
from concierge.api.serializers import MeUpdateSerializer
from concierge.api.task_serializers import TaskCreateSerializer
from concierge.models import Notification, Task, TaskStatus, User, VaultItem
from concierge.text import header_safe, validate_single_line
from concierge.web.forms import TaskForm
from tests import factories
from tests.checks import assert_error

INJECTION = "Boiler\r\nBcc: x@example.com"
REFUSED = [INJECTION, "a\nb", "a\rb", "a\tb", "a\x0bb", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b"]


def one_line(subject):
    return "\n" not in subject and "\r" not in subject and header_safe(subject) == subject


def signed_in(user):
    web = Client()
    web.force_login(user)
    return web


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", REFUSED)
def test_control_characters_are_refused_with_their_code(text):
    with pytest.raises(Exception) as refused:
        validate_single_line(text)
    assert refused.value.code == "control_characters"


@pytest.mark.parametrize("text", ["Boiler", "Café « crème » — 2 €", "Straße 12", "日本語"])
def test_printable_text_of_any_script_is_one_line(text):
    validate_single_line(text)
    assert header_safe(text) == text


def test_header_safe_makes_one_line():
    assert header_safe(INJECTION) == "Boiler Bcc: x@example.com"
    assert header_safe(" a \r\n\r\n\t b\x00c\u2029") == "a b c"


# --- the API -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("title", [INJECTION, "Boiler\tfix"])
def test_api_refuses_a_task_title_with_control_characters(client_api, title):
    response = client_api.post("/api/v1/tasks/", {"title": title}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "title" in body["fields"]
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_api_trims_a_trailing_line_break_as_before(client_api):
    serializer = TaskCreateSerializer(data={"title": "Boiler\r\n"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["title"] == "Boiler"


@pytest.mark.parametrize(
    ("serializer", "data", "field"),
    [
        (TaskCreateSerializer, {"title": INJECTION}, "title"),
        (MeUpdateSerializer, {"first_name": INJECTION}, "first_name"),
        (MeUpdateSerializer, {"last_name": INJECTION}, "last_name"),
        (AssistantCreateSerializer, {"last_name": INJECTION}, "last_name"),
        (PlanSerializer, {"name": INJECTION}, "name"),
    ],
)
@pytest.mark.django_db
def test_each_one_line_field_names_the_code(serializer, data, field):
    checked = serializer(data=data)
    assert not checked.is_valid()
    assert "control_characters" in [error.code for error in checked.errors[field]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "method", "path", "data", "field"),
    [
        ("client", "patch", "/api/v1/me/", {"first_name": INJECTION}, "first_name"),
        ("client", "patch", "/api/v1/me/", {"last_name": INJECTION}, "last_name"),
        ("client", "post", "/api/v1/auth/register/", {"first_name": INJECTION}, "first_name"),
        ("client", "post", "/api/v1/vault/", {"title": INJECTION}, "title"),
        ("client", "post", "/api/v1/calendar/feeds/", {"name": INJECTION}, "name"),
        ("client", "post", "/api/v1/calendar/subscriptions/", {"name": INJECTION}, "name"),
        (
            "client",
            "post",
            "/api/v1/calendar/caldav-accounts/",
            {"calendar": INJECTION},
            "calendar",
        ),
        ("manager", "post", "/api/v1/assistants/", {"first_name": INJECTION}, "first_name"),
        ("manager", "post", "/api/v1/plans/", {"name": INJECTION}, "name"),
    ],
)
def test_every_one_line_field_of_the_api_refuses_control_characters(
    client_api, manager_api, who, method, path, data, field
):
    api = {"client": client_api, "manager": manager_api}[who]
    response = getattr(api, method)(path, data, format="json")
    body = assert_error(response, 400, "invalid")
    assert field in body["fields"], body


# --- the portal ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_portal_refuses_a_task_title_with_a_line_break(client_user):
    response = signed_in(client_user).post(
        "/app/tasks/new/", {"title": INJECTION, "priority": "normal"}
    )
    assert response.status_code == 400
    assert "Use one line of text" in response.content.decode()
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_portal_refuses_a_name_with_a_line_break(client_user):
    account = signed_in(client_user).post(
        "/app/account/", {"first_name": INJECTION, "timezone": "UTC", "language": ""}
    )
    assert account.status_code == 400 and "Use one line of text" in account.content.decode()
    client_user.refresh_from_db()
    assert client_user.first_name != INJECTION
    signup = Client().post(
        "/signup/",
        {
            "email": "z@example.test",
            "password": "a-long-enough-passphrase",
            "last_name": INJECTION,
            "timezone": "UTC",
        },
    )
    assert signup.status_code == 400
    assert not User.objects.filter(email="z@example.test").exists()


@pytest.mark.django_db
def test_portal_forms_name_the_code():
    form = TaskForm(data={"title": INJECTION, "priority": "normal"})
    assert not form.is_valid()
    assert form.errors.as_data()["title"][0].code == "control_characters"
    caldav = CalDavForm(
        data={"url": "https://dav.example", "username": "u\nv", "password": "p", "calendar": "c"}
    )
    assert not caldav.is_valid() and "username" in caldav.errors


# --- stored before: still sends, as one line -----------------------------------------------


@pytest.mark.django_db
def test_a_stored_task_title_with_a_line_break_still_reaches_the_assistant(
    manager_user, assistant_user, django_capture_on_commit_callbacks
):
    task = factories.TaskFactory(title=INJECTION)  # stored before titles were one line
    with django_capture_on_commit_callbacks(execute=True):
        services.task_assign(task=task, actor=manager_user, assistant=assistant_user)
    sent = [m for m in mail.outbox if m.to == [assistant_user.email]]
    assert len(sent) == 1
    subject = sent[0].message()["Subject"]  # what the backend writes: no BadHeaderError
    assert one_line(sent[0].subject) and "Boiler Bcc: x@example.com" in sent[0].subject
    assert "\n" not in str(subject) and sent[0].bcc == []
    assert Notification.objects.get(user=assistant_user).emailed_at is not None


@pytest.mark.django_db
def test_a_stored_name_and_vault_title_with_line_breaks_still_reach_the_client(
    client_user, assistant_user, client_api, api_for, django_capture_on_commit_callbacks
):
    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )
    created = client_api.post(
        "/api/v1/vault/",
        {"title": "Bank", "kind": "login", "fields": {"password": "s3cret"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    VaultItem.objects.filter(pk=created.json()["id"]).update(title="Bank\r\nBcc: y@example.com")
    User.objects.filter(pk=assistant_user.pk).update(first_name="Dana\nTo: z@example.com")
    assistant = api_for(User.objects.get(pk=assistant_user.pk))
    with django_capture_on_commit_callbacks(execute=True):
        revealed = assistant.post(
            f"/api/v1/vault/{created.json()['id']}/reveal/",
            {"purpose": "Pay the plumber", "task": task.pk},
            format="json",
        )
    assert revealed.status_code == 200, revealed.content
    sent = [m for m in mail.outbox if m.to == [client_user.email]]
    assert len(sent) == 1
    sent[0].message()  # no BadHeaderError
    assert one_line(sent[0].subject)
    assert "Dana To: z@example.com" in sent[0].subject
    assert "Bank Bcc: y@example.com" in sent[0].subject


@pytest.mark.django_db
def test_a_notification_row_stored_with_a_line_break_is_sent_as_one_line(client_user):
    notification = Notification.objects.create(
        user=client_user, kind="general", subject="Hello\r\nBcc: x@example.com", body="Body."
    )
    assert jobs.send_notification_email(notification.pk) == 1
    assert mail.outbox[0].subject == "Hello Bcc: x@example.com"
    assert mail.outbox[0].message()["Bcc"] is None


@pytest.mark.django_db
def test_the_plain_mail_job_sends_a_subject_with_a_line_break_as_one_line(client_user):
    assert jobs.send_email(client_user.pk, "Hi\nBcc: x@example.com", "Body.") == 1
    assert mail.outbox[0].subject == "Hi Bcc: x@example.com"
