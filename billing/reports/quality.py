"""The service quality report: over a range of days, per assistant or per category, how
many tasks were delivered, how many on time against the promised deadline, how many were
sent back for revision, how clients rated them, how fast the service first answered a
request, and how often work changed hands.

Three grouped queries (deliveries, first answers, reassignments) and one for the labels,
whatever the range. Each takes the acting user first and reads the tasks that user may
see: managers all, an assistant those assigned to them, a client their own.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from assistants.models import TimeEntry
from assistants.workloads import average_rating, on_time_rate, ratio
from billing.reports.ranges import DayRange
from concierge.models import Category, Message, Task, TaskEvent, TaskStatus, User
from concierge.selectors import tasks_visible_to

GROUPS = ("assistant", "category")


def _first(queryset: QuerySet, column: str) -> Subquery:
    """The earliest `column` of `queryset` (correlated on the task), NULL when empty."""
    earliest = queryset.order_by().values("task").annotate(first=Min(column)).values("first")
    return Subquery(earliest)


@dataclass
class _Tally:
    delivered: int = 0
    promised: int = 0
    on_time: int = 0
    revised: int = 0
    rated: int = 0
    rating_sum: int = 0
    requested: int = 0
    waits: list[float] = field(default_factory=list)
    reassignments: int = 0

    def add_deliveries(self, item: dict[str, Any]) -> None:
        self.delivered += item["delivered_count"]
        self.promised += item["promised_count"]
        self.on_time += item["on_time_count"]
        self.revised += item["revised_count"]
        self.rated += item["rated_count"]
        self.rating_sum += item["rating_total"] or 0

    def fields(self) -> dict[str, Any]:
        median = statistics.median(self.waits) if self.waits else None
        return {
            "delivered_tasks": self.delivered,
            "promised_tasks": self.promised,
            "on_time_tasks": self.on_time,
            "on_time_rate": on_time_rate(self.on_time, self.promised),
            "revised_tasks": self.revised,
            "revision_rate": ratio(self.revised, self.delivered),
            "rated_tasks": self.rated,
            "rating_average": average_rating(self.rating_sum, self.rated),
            "requested_tasks": self.requested,
            "answered_tasks": len(self.waits),
            "first_response_minutes": None if median is None else int(median),
            "reassignments": self.reassignments,
        }


def _key(group_by: str) -> F:
    return F("assignee_id") if group_by == "assistant" else F("category")


def _deliveries(
    tasks: QuerySet[Task], report_range: DayRange, group_by: str
) -> list[dict[str, Any]]:
    """Tasks whose (last) delivery falls in the range, not cancelled since, per group."""
    sent_back = TaskEvent.objects.filter(
        task=OuterRef("pk"),
        kind="transition",
        from_status=TaskStatus.DELIVERED,
        to_status=TaskStatus.IN_PROGRESS,
    )
    promised = Q(promised_due_at__isnull=False)
    rated = Q(rating__isnull=False)
    sums = (
        tasks.filter(delivered_at__gte=report_range.start, delivered_at__lt=report_range.end)
        .exclude(status=TaskStatus.CANCELLED)
        .annotate(was_revised=Exists(sent_back))
        .order_by()
        .values(key=_key(group_by))
        .annotate(
            delivered_count=Count("pk"),
            promised_count=Count("pk", filter=promised),
            on_time_count=Count("pk", filter=promised & Q(delivered_at__lte=F("promised_due_at"))),
            revised_count=Count("pk", filter=Q(was_revised=True)),
            rated_count=Count("pk", filter=rated),
            rating_total=Sum("rating", filter=rated),
        )
    )
    return cast(list[dict[str, Any]], list(sums))


def _first_answers(tasks: QuerySet[Task], report_range: DayRange, group_by: str) -> list[tuple]:
    """For each task requested in the range: its group, when it was requested, and the
    service's first answer — a message other than the client's (internal notes are not
    answers) or the start of time logged on it, whichever came first."""
    messages = Message.objects.filter(task=OuterRef("pk"), internal=False).exclude(
        author=OuterRef("client")
    )
    entries = TimeEntry.objects.filter(task=OuterRef("pk"))
    return list(
        tasks.filter(created_at__gte=report_range.start, created_at__lt=report_range.end)
        .order_by()
        .annotate(
            first_message=_first(messages, "created_at"),
            first_entry=_first(entries, "started_at"),
        )
        .values_list(_key(group_by), "created_at", "first_message", "first_entry")
    )


def _reassignments(
    events: QuerySet[TaskEvent], report_range: DayRange, group_by: str
) -> list[dict[str, Any]]:
    """Of `events`, tasks taken from one assistant and given to another in the range, per
    group: by assistant, the one the task was taken from."""
    events = events.filter(
        kind="assign",
        created_at__gte=report_range.start,
        created_at__lt=report_range.end,
        data__previous__isnull=False,
    )
    key = F("data__previous") if group_by == "assistant" else F("task__category")
    sums = events.order_by().values(key=key).annotate(moves=Count("pk"))
    return cast(list[dict[str, Any]], list(sums))


def _wait_minutes(requested: datetime.datetime, *answers: datetime.datetime | None) -> float | None:
    """Minutes from the request to the first answer (0 for time logged in advance)."""
    given = [moment for moment in answers if moment is not None]
    if not given:
        return None
    return max((min(given) - requested).total_seconds() / 60, 0.0)


def quality_report(
    user: User, *, report_range: DayRange, group_by: str, language: str = "en"
) -> dict[str, Any]:
    """The report's rows (groups with any delivery, request or reassignment, most
    deliveries first) and totals, for `user`."""
    tasks = tasks_visible_to(user)  # an assistant's: the work in their hands now
    tallies: dict[Any, _Tally] = defaultdict(_Tally)
    total = _Tally()
    for item in _deliveries(tasks, report_range, group_by):
        tallies[item["key"]].add_deliveries(item)
        total.add_deliveries(item)
    for key, requested, message, entry in _first_answers(tasks, report_range, group_by):
        tally = tallies[key]
        tally.requested += 1
        total.requested += 1
        wait = _wait_minutes(requested, message, entry)
        if wait is not None:
            tally.waits.append(wait)
            total.waits.append(wait)
    if user.is_assistant:
        # The tasks taken from them, though those are no longer theirs to see.
        events = TaskEvent.objects.filter(data__previous=user.pk)
    else:
        events = TaskEvent.objects.filter(task__in=tasks.values("pk"))
    for item in _reassignments(events, report_range, group_by):
        tallies[_moved_key(item["key"], group_by)].reassignments += item["moves"]
        total.reassignments += item["moves"]

    labels = _labels(group_by, list(tallies), language)
    rows = [
        {group_by: key, "label": labels.get(key, str(key)), **tally.fields()}
        for key, tally in tallies.items()
    ]
    rows.sort(key=lambda row: (-row["delivered_tasks"], row["label"].casefold()))
    return {"rows": rows, "totals": {"rows": len(rows), **total.fields()}}


def _moved_key(key: Any, group_by: str) -> Any:
    """A reassignment's group as rows name it: by assistant, the id read from the event's
    JSON (an integer, whatever the database hands back); by category, its code."""
    if group_by == "assistant" and key is not None:
        return int(key)
    return key


def _labels(group_by: str, keys: list[Any], language: str) -> dict[Any, str]:
    """Names of the groups, in `language` (one query)."""
    if group_by == "assistant":
        people = User.objects.filter(pk__in=[key for key in keys if key is not None])
        found: dict[Any, str] = {person.pk: person.full_name for person in people}
        found[None] = _("Unassigned")
        return found
    known = Category.objects.filter(code__in=[key for key in keys if key])
    found = {category.code: category.label_in(language) for category in known}
    found[""] = _("No category")
    return found
