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


# Who is refused how: 404 for whoever cannot see the entry, 403 for whoever sees it.
HIDDEN = (NotFound, Code.NOT_FOUND)
DENIED = (Forbidden, Code.PERMISSION_DENIED)


def test_only_the_client_billed_disputes(entry, people):
    for who, expected in {
        "other client": HIDDEN,
        "other assistant": HIDDEN,
        "assistant": DENIED,
        "manager": DENIED,
    }.items():
        assert (
            refusal(
                lambda who=who: services.time_entry_dispute(
                    actor=people[who], entry=entry, reason="Too long"
                )
            )
            == expected
        ), who
    assert TimeEntry.objects.get(pk=entry.pk).status == TimeEntryStatus.STOPPED
    disputed = services.time_entry_dispute(actor=people["owner"], entry=entry, reason="Too long")
    assert disputed.status == TimeEntryStatus.DISPUTED


def test_only_a_manager_decides(entry, people):
    services.time_entry_dispute(actor=people["owner"], entry=entry, reason="Too long")
    for who, expected in {
        "other client": HIDDEN,
        "other assistant": HIDDEN,
        "owner": DENIED,
        "assistant": DENIED,
    }.items():
        assert (
            refusal(
                lambda who=who: services.time_entry_resolve(
                    actor=people[who], entry=entry, decision="reject"
                )
            )
            == expected
        ), who
    assert TimeEntry.objects.get(pk=entry.pk).status == TimeEntryStatus.DISPUTED
    decided = services.time_entry_resolve(actor=people["manager"], entry=entry, decision="accept")
    assert decided.status == TimeEntryStatus.STOPPED


def test_only_its_assistant_or_a_manager_changes_an_entry(entry, people):
    for who, expected in {
        "other client": HIDDEN,
        "other assistant": HIDDEN,
        "owner": DENIED,
    }.items():
        assert (
            refusal(
                lambda who=who: services.time_entry_update(
                    actor=people[who], entry=entry, note="changed"
                )
            )
            == expected
        ), who
        assert (
            refusal(lambda who=who: services.time_entry_delete(actor=people[who], entry=entry))
            == expected
        ), who
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
