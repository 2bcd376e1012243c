"""Disputed time: a client questions an entry, a manager decides (keep, adjust or remove),
and an entry already invoiced is settled by the app that invoiced it."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistants import errors as time_errors
from assistants import policies
from assistants.hooks import billable_time_recorded
from assistants.models import (
    EntryHistory,
    TimeEntry,
    TimeEntryStatus,
)
from assistants.services.rollups import group_of, time_rollup_refresh
from assistants.services.time_entries import _record
from assistants.signals import invoiced_entry_decided
from concierge import errors
from concierge.models import NotificationKind, User
from concierge.notifications import addressed_to, local_time, notify


def _describe(entry: TimeEntry) -> str:
    """The entry in the reader's words (call inside `addressed_to`)."""
    return _("entry %(entry)s on “%(title)s”, %(when)s, %(minutes)s min") % {
        "entry": entry.pk,
        "title": entry.task.title,
        "when": local_time(entry.started_at),
        "minutes": -(-entry.duration_seconds // 60),
    }


@transaction.atomic
def time_entry_dispute(*, actor: User, entry: TimeEntry, reason: str) -> TimeEntry:
    """The client disputes an entry within TIME_DISPUTE_DAYS of when they could first see
    it as it stands (`reviewable_from`); it is not billed until a manager resolves it."""
    entry = TimeEntry.objects.select_for_update().select_related("task").get(pk=entry.pk)
    policies.require_dispute_entry(actor, entry)
    # An invoiced entry may be disputed inside its window too: a decision that bills less
    # is credited (billing's credit notes).
    if (
        entry.ended_at is None
        or entry.status not in (TimeEntryStatus.STOPPED, TimeEntryStatus.NEEDS_REVIEW)
        or entry.dispute_decision
    ):
        raise errors.Conflict(time_errors.Code.NOT_DISPUTABLE, _("This entry can't be disputed."))
    now = timezone.now()
    if now > entry.dispute_open_until:
        raise errors.Conflict(
            time_errors.Code.DISPUTE_WINDOW_CLOSED,
            _("Entries can be disputed for %(days)s days after they are logged or last changed.")
            % {"days": settings.TIME_DISPUTE_DAYS},
        )
    previous = entry.status
    entry.status = TimeEntryStatus.DISPUTED
    entry.dispute_reason = reason
    entry.disputed_at = now
    entry.save(update_fields=["status", "dispute_reason", "disputed_at", "updated_at"])
    _record(entry, actor, EntryHistory.DISPUTED, reason=reason, previous_status=previous)
    data = {"task": entry.task_id, "entry": entry.pk}
    with addressed_to(entry.assistant_id):
        words = {"title": entry.task.title, "what": _describe(entry), "reason": reason}
        notify(
            user_id=entry.assistant_id,
            kind=NotificationKind.DISPUTE_OPENED,
            data=data,
            subject=_("Time disputed on %(title)s") % words,
            body=_("The client disputes %(what)s: “%(reason)s”. A manager will decide.") % words,
        )
    with addressed_to(entry.task.client_id):
        words = {"title": entry.task.title, "what": _describe(entry)}
        notify(
            user_id=entry.task.client_id,
            kind=NotificationKind.DISPUTE_OPENED,
            data=data,
            subject=_("Your dispute is recorded: %(title)s") % words,
            body=_("You dispute %(what)s. It is not billed until a manager decides.") % words,
        )
    billable_time_recorded(task=entry.task)
    time_rollup_refresh(groups={group_of(entry)})
    return entry


DECISION_TEXT = {
    "accept": gettext_lazy("accepted, the entry stands as logged"),
    "adjust": gettext_lazy("adjusted, the entry is billed as %(minutes)s min"),
    "reject": gettext_lazy("rejected, the entry is not billed"),
}


@transaction.atomic
def time_entry_resolve(
    *, actor: User, entry: TimeEntry, decision: str, billable_minutes: int | None = None
) -> TimeEntry:
    """A manager decides a dispute (or reviews a runaway timer): accept, adjust the
    minutes billed, or reject. The client and the assistant are told."""
    entry = TimeEntry.objects.select_for_update().select_related("task").get(pk=entry.pk)
    policies.require_resolve_entry(actor, entry)
    invoiced = entry.billed_at is not None
    if invoiced and entry.status != TimeEntryStatus.DISPUTED:
        raise errors.Conflict(
            time_errors.Code.ENTRY_LOCKED, _("An invoiced entry can't be changed.")
        )
    if entry.status not in (TimeEntryStatus.DISPUTED, TimeEntryStatus.NEEDS_REVIEW):
        raise errors.Conflict(
            time_errors.Code.NOT_DISPUTED, _("This entry is not awaiting a decision.")
        )
    was_disputed = entry.status == TimeEntryStatus.DISPUTED
    if decision == "adjust":
        if billable_minutes is None:
            raise errors.Invalid(
                errors.Code.INVALID,
                _("Give the minutes to bill."),
                fields={"billable_minutes": [_("Give the minutes to bill.")]},
            )
        entry.billable_minutes_override = billable_minutes
        entry.status = TimeEntryStatus.STOPPED
    elif decision == "accept":
        entry.status = TimeEntryStatus.STOPPED
    else:
        entry.status = TimeEntryStatus.REJECTED
    if was_disputed:
        entry.dispute_decision = decision
        entry.dispute_resolved_at = timezone.now()
    entry.save(
        update_fields=[
            "status",
            "billable_minutes_override",
            "dispute_decision",
            "dispute_resolved_at",
            "updated_at",
        ]
    )
    _record(
        entry, actor, EntryHistory.RESOLVED, decision=decision, billable_minutes=billable_minutes
    )
    if invoiced:
        invoiced_entry_decided.send(sender=TimeEntry, entry=entry, actor=actor)
    for user_id in (entry.task.client_id, entry.assistant_id):
        with addressed_to(user_id):
            words = {
                "title": entry.task.title,
                "what": _describe(entry),
                "outcome": str(DECISION_TEXT[decision]) % {"minutes": billable_minutes},
            }
            notify(
                user_id=user_id,
                kind=NotificationKind.DISPUTE_RESOLVED,
                data={"task": entry.task_id, "entry": entry.pk, "decision": decision},
                subject=(
                    _("Time dispute decided: %(title)s")
                    if was_disputed
                    else _("Time review decided: %(title)s")
                )
                % words,
                body=_("Decision on %(what)s: %(outcome)s.") % words,
            )
    billable_time_recorded(task=entry.task)
    time_rollup_refresh(groups={group_of(entry)})
    return entry
