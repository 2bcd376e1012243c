"""Reads of the calendar sync app; each takes the acting user first."""

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from assistants.models import AssistantProfile, TimeOff
from calendar_sync import errors
from calendar_sync.availability import availability
from calendar_sync.ics import DEFAULT_APPOINTMENT
from calendar_sync.models import (
    BusyInterval,
    CalDavAccount,
    CalendarFeed,
    IcsSubscription,
    hash_feed_token,
)
from concierge.errors import Invalid, NotFound
from concierge.models import TERMINAL_STATUSES, Task, TaskStatus, User

FEED_TASK_FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "recurrence",
    "recurrence_parent_id",
    "promised_due_at",
    "scheduled_start",
    "scheduled_end",
    "created_at",
    "updated_at",
    "sequence",
    "client_id",
    "assignee_id",
)


def feeds_of(user: User) -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)


def subscriptions_of(user: User) -> QuerySet[IcsSubscription]:
    return IcsSubscription.objects.filter(user=user)


def caldav_accounts_of(user: User) -> QuerySet[CalDavAccount]:
    return CalDavAccount.objects.filter(user=user).order_by("id")


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed with this token (with its user), or None."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_feed_token(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def _dated() -> Q:
    return Q(promised_due_at__isnull=False) | Q(scheduled_start__isnull=False)


def _covered_by_series() -> Q:
    """Occurrences whose recurring template is itself on the calendar (as an RRULE)."""
    return (
        Q(recurrence_parent__isnull=False)
        & ~Q(recurrence_parent__recurrence="")
        & (
            Q(recurrence_parent__promised_due_at__isnull=False)
            | Q(recurrence_parent__scheduled_start__isnull=False)
        )
    )


def calendar_tasks_of(owner: User) -> QuerySet[Task]:
    """The tasks on `owner`'s calendar: a client's own tasks, an assistant's assigned work,
    each when it has a promised deadline or an appointment."""
    if owner.is_client:
        scope = Q(client=owner)
    elif owner.is_assistant:
        scope = Q(assignee=owner)
    else:
        return Task.objects.none()
    return (
        Task.objects.filter(scope)
        .filter(_dated())
        .exclude(_covered_by_series())
        .only(*FEED_TASK_FIELDS)
        .order_by("id")
    )


FEED_PAST_DAYS = 30


def feed_window_start(now: datetime.datetime) -> datetime.datetime:
    """Where a feed's past begins: midnight UTC `FEED_PAST_DAYS` days ago (a day's steps, so
    a feed stays the same, and cached, from one poll to the next within a day)."""
    today = now.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - datetime.timedelta(days=FEED_PAST_DAYS)


def feed_tasks_of(owner: User, *, since: datetime.datetime) -> QuerySet[Task]:
    """The tasks of `owner`'s ICS feed: open work whatever its date, recurring series, and
    completed or cancelled tasks dated (deadline or appointment) from `since` on."""
    return calendar_tasks_of(owner).filter(
        ~Q(status__in=TERMINAL_STATUSES)
        | Q(recurrence_parent__isnull=True, recurrence__gt="")
        | Q(promised_due_at__gte=since)
        | Q(scheduled_start__gte=since)
    )


def calendar_time_off_of(owner: User) -> QuerySet[TimeOff]:
    if not owner.is_assistant:
        return TimeOff.objects.none()
    return TimeOff.objects.filter(assistant=owner).order_by("id")


def assistant_for_availability(user: User, assistant_id: int) -> AssistantProfile | None:
    """The assistant's profile (with user) if `user` may see their availability, else None."""
    profiles = AssistantProfile.objects.select_related("user").filter(user_id=assistant_id)
    if user.is_manager:
        return profiles.first()
    if user.is_assistant and user.pk == assistant_id:
        return profiles.first()
    return None


def busy_sources(
    assistant: User, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Busy `[start, end)` pairs of an assistant from time off, appointments of their
    open assigned tasks, and imported calendars (three queries)."""
    spans = list(
        TimeOff.objects.filter(
            assistant=assistant, starts_at__lt=end, ends_at__gt=start
        ).values_list("starts_at", "ends_at")
    )
    spans += [
        (s, e or s + DEFAULT_APPOINTMENT)
        for s, e in Task.objects.filter(
            assignee=assistant, scheduled_start__lt=end, scheduled_start__isnull=False
        )
        .exclude(status__in=[TaskStatus.CANCELLED, TaskStatus.COMPLETED])
        .filter(
            Q(scheduled_end__gt=start)
            | Q(scheduled_end__isnull=True, scheduled_start__gt=start - DEFAULT_APPOINTMENT)
        )
        .values_list("scheduled_start", "scheduled_end")
        if s is not None  # the query says so; this tells the type checker
    ]
    spans += list(
        BusyInterval.objects.filter(
            user=assistant, starts_at__lt=end, ends_at__gt=start
        ).values_list("starts_at", "ends_at")
    )
    return spans


def assistant_availability(
    user: User, *, assistant_id: int, start: datetime.datetime, end: datetime.datetime
) -> dict[str, Any]:
    """An assistant's busy and free `[start, end)` pairs in the window, with who they are:
    working hours in their zone, minus time off, appointments and imported busy times.

    A window longer than AVAILABILITY_MAX_DAYS is 400 window_too_long; an assistant
    `user` may not see is 404."""
    max_days = getattr(settings, "AVAILABILITY_MAX_DAYS", 62)
    if end - start > datetime.timedelta(days=max_days):
        raise Invalid(
            errors.Code.WINDOW_TOO_LONG,
            _("The window may span at most %(days)s days.") % {"days": max_days},
            fields={"end": [_("At most %(days)s days after the start.") % {"days": max_days}]},
        )
    profile = assistant_for_availability(user, assistant_id)
    if profile is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such assistant."))
    assistant = profile.user
    result = availability(
        start=start,
        end=end,
        zone=assistant.zone,
        workday_start=profile.workday_start,
        workday_end=profile.workday_end,
        working_days=profile.working_days,
        busy=busy_sources(assistant, start, end),
    )
    return {"assistant": assistant, "busy": result["busy"], "free": result["free"]}


def feed_version_of(owner: User, *, since: datetime.datetime) -> dict[str, Any]:
    """What a feed's content depends on, read in one query: task count, latest change,
    sum of sequences and highest id (every task save bumps `updated_at`)."""
    return (
        feed_tasks_of(owner, since=since)
        .order_by()
        .aggregate(
            count=Count("id"), changed=Max("updated_at"), sequences=Sum("sequence"), top=Max("id")
        )
    )
