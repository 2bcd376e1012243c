"""The audit log: one record of who did what, written by the services in their own
transaction, from wherever they are called, and read by managers (API and portal)."""

import ast
import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from django_q.tasks import async_task

from assistants import services as time_services
from concierge import audit
from concierge.models import AppendOnly, AuditLog, AuditOrigin, User
from concierge.privacy import person_erase
from tests import factories
from tests.checks import assert_error

pytestmark = pytest.mark.django_db

LOG = "/api/v1/audit-log/"
ROOT = Path(__file__).resolve().parents[2]


def test_only_managers_read_the_log(anon_api, client_api, assistant_api, manager_api):
    assert anon_api.get(LOG).status_code == 401
    assert client_api.get(LOG).status_code == 403
    assert assistant_api.get(LOG).status_code == 403
    answer = manager_api.get(LOG)
    assert answer.status_code == 200
    assert answer.json()["results"] == []


def test_an_assistant_changed_through_the_api_is_recorded(manager_api, manager_user):
    profile = factories.AssistantProfileFactory(weekly_capacity_minutes=2400)
    answer = manager_api.patch(
        f"/api/v1/assistants/{profile.user_id}/",
        {"weekly_capacity_minutes": 1800, "first_name": "Anna"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    (row,) = manager_api.get(LOG).json()["results"]
    assert row["actor"] == manager_user.pk
    assert row["actor_name"] == manager_user.full_name
    assert row["action"] == "assistant.changed"
    assert (row["target_type"], row["target_id"]) == ("concierge.user", profile.user_id)
    assert row["changes"] == {
        "first_name": [profile.user.first_name, "Anna"],
        "weekly_capacity_minutes": [2400, 1800],
    }
    assert row["origin"] == "api"
    # Saving what is already there changes nothing, so records nothing.
    manager_api.patch(
        f"/api/v1/assistants/{profile.user_id}/", {"weekly_capacity_minutes": 1800}, format="json"
    )
    assert manager_api.get(LOG).json()["count"] == 1


def test_time_off_entered_in_the_portal_and_removed_in_the_api(client, manager_api, manager_user):
    assistant = factories.AssistantFactory()
    client.force_login(manager_user)
    answer = client.post(
        "/app/team/time-off/",
        {
            "assistant": assistant.pk,
            "starts_at": "2027-01-04T09:00",
            "ends_at": "2027-01-08T18:00",
            "reason": "Leave",
        },
    )
    assert answer.status_code == 302, answer.content[:800]
    (entered,) = AuditLog.objects.all()
    assert (entered.action, entered.origin, entered.actor) == (
        "time_off.entered",
        AuditOrigin.PORTAL,
        manager_user,
    )
    assert entered.changes["assistant_id"] == [None, assistant.pk]
    assert entered.changes["reason"] == [None, "Leave"]

    assert manager_api.delete(f"/api/v1/time-off/{entered.target_id}/").status_code == 204
    removed = AuditLog.objects.get(action="time_off.removed")
    assert removed.origin == AuditOrigin.API
    assert removed.target_id == entered.target_id
    assert removed.changes["reason"] == ["Leave", None]


def test_a_client_given_assistants_is_recorded(manager_api, manager_user, client_user):
    primary, backup = factories.AssistantFactory(), factories.AssistantFactory()
    answer = manager_api.patch(
        f"/api/v1/clients/{client_user.pk}/",
        {"primary_assistant": primary.pk, "backup_assistant": backup.pk},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    row = AuditLog.objects.get()
    assert row.action == "client.assistants_changed"
    assert (row.target_type, row.target_id) == ("concierge.user", client_user.pk)
    assert row.changes == {
        "primary_assistant_id": [None, primary.pk],
        "backup_assistant_id": [None, backup.pk],
    }


def test_a_refused_write_records_nothing(manager_user):
    assistant = factories.AssistantFactory()
    now = timezone.now()
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested elsewhere
        time_services.time_off_create(
            actor=manager_user, assistant=assistant, starts_at=now, ends_at=now
        )
    assert not AuditLog.objects.exists()


def note(user_id):
    """A job that records (run by django-q2 by its dotted path)."""
    target = User.objects.get(pk=user_id)
    audit.record(actor=None, action=audit.Action.CLIENT_ASSISTANTS_CHANGED, target=target)


def test_the_origin_follows_the_caller():
    target = factories.ClientFactory()
    note(target.pk)
    with audit.origin(AuditOrigin.WEBHOOK):
        note(target.pk)
    # A job, as django-q2 runs one (here inline, as the suite's settings do), records
    # `job`; what follows it in the same process records as before.
    async_task("tests.concierge.test_audit.note", target.pk)
    note(target.pk)
    assert list(AuditLog.objects.order_by("pk").values_list("origin", flat=True)) == [
        AuditOrigin.COMMAND,
        AuditOrigin.WEBHOOK,
        AuditOrigin.JOB,
        AuditOrigin.COMMAND,
    ]
    assert audit.current_origin() == AuditOrigin.COMMAND


def test_records_are_written_once():
    row = audit.record(
        actor=None, action=audit.Action.CLIENT_ASSISTANTS_CHANGED, target=factories.ClientFactory()
    )
    row.changes = {"forged": [1, 2]}
    with pytest.raises(AppendOnly):
        row.save()
    with pytest.raises(AppendOnly):
        row.delete()


def test_filters(manager_api, manager_user):
    other_manager = factories.ManagerFactory()
    first, second = factories.AssistantProfileFactory(), factories.AssistantProfileFactory()
    time_services.assistant_update(profile=first, actor=manager_user, weekly_capacity_minutes=60)
    time_services.assistant_update(profile=second, actor=other_manager, weekly_capacity_minutes=90)
    leave, _ = time_services.time_off_create(
        actor=manager_user,
        assistant=first.user,
        starts_at=timezone.now() + datetime.timedelta(days=30),
        ends_at=timezone.now() + datetime.timedelta(days=31),
    )

    def ids(**query):
        answer = manager_api.get(LOG, query)
        assert answer.status_code == 200, answer.content
        return [(r["action"], r["target_id"]) for r in answer.json()["results"]]

    assert ids(actor=other_manager.pk) == [("assistant.changed", second.user_id)]
    assert ids(action="time_off.entered") == [("time_off.entered", leave.pk)]
    assert ids(target_type="concierge.user", target_id=first.user_id) == [
        ("assistant.changed", first.user_id)
    ]
    assert ids(since=(timezone.now() + datetime.timedelta(minutes=1)).isoformat()) == []
    assert len(ids()) == 3
    for bad in ({"since": "yesterday"}, {"target_id": "0"}, {"actor": "x"}):
        assert_error(manager_api.get(LOG, bad), 400, "invalid")


@pytest.mark.parametrize("size", [1, 30])
def test_the_list_pins_its_queries(size, manager_api, django_assert_num_queries):
    target = factories.ClientFactory()
    for _ in range(size):
        audit.record(actor=None, action=audit.Action.CLIENT_ASSISTANTS_CHANGED, target=target)
    # the token (with its person), the page's count, the page
    with django_assert_num_queries(3):
        assert manager_api.get(LOG).status_code == 200


def test_erasure_keeps_what_was_done_not_who_or_what_they_were_called(manager_user):
    profile = factories.AssistantProfileFactory()
    time_services.assistant_update(profile=profile, actor=manager_user, first_name="Anna")
    by_them = audit.record(
        actor=profile.user, action=audit.Action.CLIENT_ASSISTANTS_CHANGED, target=profile.user
    )
    person_erase(user=profile.user)
    about = AuditLog.objects.get(action="assistant.changed")
    assert about.changes["first_name"] == ["", ""]
    assert about.actor == manager_user and about.actor_name == manager_user.full_name
    by_them.refresh_from_db()
    assert by_them.actor_id == profile.user_id and by_them.actor_name == ""


def test_the_portal_page_is_for_managers(client, manager_user, client_user):
    assert client.get("/app/audit/").status_code == 302  # to sign-in
    client.force_login(client_user)
    assert client.get("/app/audit/").status_code == 403
    profile = factories.AssistantProfileFactory()
    time_services.assistant_update(profile=profile, actor=manager_user, weekly_capacity_minutes=90)
    client.force_login(manager_user)
    page = client.get("/app/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "assistant.changed" in text and "weekly_capacity_minutes" in text
    assert manager_user.full_name in text
    empty = client.get("/app/audit/", {"action": "time_off.entered"})
    assert "assistant.changed" not in empty.content.decode()
    # The pager keeps the filters.
    for _ in range(60):
        audit.record(
            actor=manager_user, action=audit.Action.CLIENT_ASSISTANTS_CHANGED, target=client_user
        )
    paged = client.get("/app/audit/", {"action": "client.assistants_changed"}).content.decode()
    assert "?action=client.assistants_changed&amp;page=2" in paged
    # A filter it cannot read is shown beside its field, never a 500.
    assert client.get("/app/audit/", {"since": "soon", "target_id": "-3"}).status_code == 200


# Services that take an actor and whose writes are recorded elsewhere, or that write nothing.
NOT_AUDITED = {
    "message_create": "the message is itself the record: its author, task and time",
    "may_attach": "a question, not a write",
    "history_entry": "builds a history's record; its callers write it",
}
# What records: the audit log (one record, or records made by `audit.entry`) — the task,
# time entry, subscription and invoice histories are views of it — and the vault's
# reveals, a trail of their own.
RECORDERS = {"record", "write"}
HISTORY_TABLES = {"VaultReveal"}


def _service_modules():
    for app in ("concierge", "assistants", "billing", "calendar_sync"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            # A services module, or any module of a services package.
            if path.name.endswith("services.py") or path.parent.name == "services":
                yield path


def _calls(function):
    """("local", name) for a call of a module-level name, ("attribute", name) for a call
    through an attribute (another module's function); a history row made counts as a call
    of `record`."""
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            yield ("local", "record" if func.id in HISTORY_TABLES else func.id)
        elif isinstance(func, ast.Attribute):
            owner = func.value
            if (
                isinstance(owner, ast.Attribute)
                and isinstance(owner.value, ast.Name)
                and owner.value.id in HISTORY_TABLES
                and func.attr in ("create", "bulk_create")
            ):
                yield ("attribute", "record")
            yield ("attribute", func.attr)


def test_every_service_that_takes_an_actor_writes_a_record():
    functions = {}  # (module, name) -> its calls
    with_actor = set()
    for path in _service_modules():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                functions[path, node.name] = set(_calls(node))
                arguments = {a.arg for a in node.args.args + node.args.kwonlyargs}
                if "actor" in arguments and not node.name.startswith("_"):
                    with_actor.add((path, node.name))
    assert len(with_actor) > 20  # the scan sees the services

    recording: set = set()

    def records(path, call):
        kind, name = call
        if name in RECORDERS:
            return True
        if kind == "local":  # its own module's function, or one imported from a sibling
            return any(found == name and where.parent == path.parent for where, found in recording)
        return any(found == name for _, found in recording)

    while True:  # what calls a recording function records too
        more = {
            key
            for key, calls in functions.items()
            if key not in recording and any(records(key[0], call) for call in calls)
        }
        if not more:
            break
        recording |= more
    silent = sorted(
        f"{path.relative_to(ROOT)}:{name}"
        for path, name in with_actor - recording
        if name not in NOT_AUDITED
    )
    assert silent == [], f"these services take an actor and record nothing: {silent}"
