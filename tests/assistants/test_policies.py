"""The time services check their actor themselves (assistants.policies), whatever calls
them: before, only the views' scoped queries stood between a person and another's entry."""

import datetime

import pytest
from django.utils import timezone

from assistants import policies, services
from assistants.models import TimeEntry, TimeEntryStatus, TimeOff
from concierge.errors import Code, Forbidden, NotFound
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    ended = timezone.now() - datetime.timedelta(hours=2)
    return factories.TimeEntryFactory(
        started_at=ended - datetime.timedelta(hours=1), ended_at=ended
    )


@pytest.fixture
def people(entry):
    return {
        "owner": entry.task.client,
        "other client": factories.ClientFactory(),
        "assistant": entry.assistant,
        "other assistant": factories.AssistantFactory(),
        "manager": factories.ManagerFactory(),
    }


def refusal(call):
    with pytest.raises((Forbidden, NotFound)) as caught:
        call()
    return type(caught.value), caught.value.code


def refusals(people, expected, call):
    """How each person in `expected` is refused `call(person)`."""
    return {who: refusal(lambda who=who: call(people[who])) for who in expected}


# Who is refused how: 404 for whoever cannot see the entry, 403 for whoever sees it.
HIDDEN = (NotFound, Code.NOT_FOUND)
DENIED = (Forbidden, Code.PERMISSION_DENIED)


def test_only_the_client_billed_disputes(entry, people):
    expected = {
        "other client": HIDDEN,
        "other assistant": HIDDEN,
        "assistant": DENIED,
        "manager": DENIED,
    }
    dispute = services.time_entry_dispute
    refused = refusals(people, expected, lambda p: dispute(actor=p, entry=entry, reason="Too long"))
    assert refused == expected
    assert TimeEntry.objects.get(pk=entry.pk).status == TimeEntryStatus.STOPPED
    disputed = services.time_entry_dispute(actor=people["owner"], entry=entry, reason="Too long")
    assert disputed.status == TimeEntryStatus.DISPUTED


def test_only_a_manager_decides(entry, people):
    services.time_entry_dispute(actor=people["owner"], entry=entry, reason="Too long")
    expected = {
        "other client": HIDDEN,
        "other assistant": HIDDEN,
        "owner": DENIED,
        "assistant": DENIED,
    }
    resolve = services.time_entry_resolve
    refused = refusals(people, expected, lambda p: resolve(actor=p, entry=entry, decision="reject"))
    assert refused == expected
    assert TimeEntry.objects.get(pk=entry.pk).status == TimeEntryStatus.DISPUTED
    decided = services.time_entry_resolve(actor=people["manager"], entry=entry, decision="accept")
    assert decided.status == TimeEntryStatus.STOPPED


def test_only_its_assistant_or_a_manager_changes_an_entry(entry, people):
    expected = {
        "other client": HIDDEN,
        "other assistant": HIDDEN,
        "owner": DENIED,
    }
    update, delete = services.time_entry_update, services.time_entry_delete
    assert refusals(people, expected, lambda p: update(actor=p, entry=entry, note="x")) == expected
    assert refusals(people, expected, lambda p: delete(actor=p, entry=entry)) == expected
    assert TimeEntry.objects.get(pk=entry.pk).note == ""
    services.time_entry_update(actor=people["assistant"], entry=entry, note="by its assistant")
    services.time_entry_update(actor=people["manager"], entry=entry, note="by a manager")
    assert TimeEntry.objects.get(pk=entry.pk).note == "by a manager"
    services.time_entry_delete(actor=people["assistant"], entry=entry)
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_only_a_manager_enters_or_removes_time_off(people):
    now = timezone.now()
    window = {"starts_at": now, "ends_at": now + datetime.timedelta(days=2)}
    for who in ("assistant", "owner"):
        assert refusal(
            lambda who=who: services.time_off_create(
                actor=people[who], assistant=people["assistant"], **window
            )
        ) == (Forbidden, Code.PERMISSION_DENIED), who
    assert not TimeOff.objects.exists()
    leave, _ = services.time_off_create(
        actor=people["manager"], assistant=people["assistant"], **window
    )
    assert refusal(lambda: services.time_off_delete(actor=people["assistant"], time_off=leave)) == (
        Forbidden,
        Code.PERMISSION_DENIED,
    )
    services.time_off_delete(actor=people["manager"], time_off=leave)
    assert not TimeOff.objects.exists()


def test_the_predicates_agree_with_the_refusals(entry, people):
    """What the pages may offer: exactly what the services accept."""
    offered = {
        who: (
            policies.may_change_entry(user, entry),
            policies.may_dispute_entry(user, entry),
            policies.may_resolve_entry(user),
            policies.may_manage_time_off(user),
        )
        for who, user in people.items()
    }
    assert offered == {
        "owner": (False, True, False, False),
        "other client": (False, False, False, False),
        "assistant": (True, False, False, False),
        "other assistant": (False, False, False, False),
        "manager": (True, False, True, True),
    }
