"""Reports' query parameters and rows (API.md, `reports/time/` and `reports/quality/`)."""

import datetime

from django.utils import timezone
from rest_framework import serializers

from billing import errors
from billing.reports import ranges
from billing.reports.quality import GROUPS as QUALITY_GROUPS
from billing.reports.time import GROUPS
from concierge.api.fields import (
    DateField,
    DateTimeField,
    DecimalOptions,
    IdField,
    IntegerField,
)

MONEY: DecimalOptions = {"max_digits": 14, "decimal_places": 2, "allow_null": True}
RATIO: DecimalOptions = {
    "max_digits": 12,
    "decimal_places": 4,
    "coerce_to_string": False,
    "allow_null": True,
}


class ReportRangeSerializer(serializers.Serializer):
    """The days of a report, read in the reader's time zone: `from` and `to` both
    included. Without `from`, the first day of `to`'s month; without `to`, the last day
    of `from`'s month; without either, the current month. Each refused parameter has its
    own code; `validated_data["range"]` is the `DayRange`."""

    codes = {
        "from": errors.Code.INVALID_DATE,
        "to": errors.Code.INVALID_DATE,
        "range": errors.Code.INVALID_RANGE,
        "group_by": errors.Code.INVALID_GROUP_BY,
        "client": errors.Code.INVALID_FILTER,
        "assistant": errors.Code.INVALID_FILTER,
        "category": errors.Code.INVALID_FILTER,
    }

    # `from` is a Python keyword: declared through the class namespace.
    vars()["from"] = DateField(
        required=False, help_text="The first day (YYYY-MM-DD), in the reader's zone."
    )
    to = DateField(required=False, help_text="The last day, included.")

    def validate(self, attrs):
        zone = self.context["zone"]
        first, last = attrs.get("from"), attrs.get("to")
        if first is None and last is None:
            today = timezone.now().astimezone(zone).date()
            first = ranges.month_start(today)
        if first is None:
            first = ranges.month_start(last)
        if last is None:
            last = ranges.next_month(first) - datetime.timedelta(days=1)
        try:
            attrs["range"] = ranges.DayRange(first, last, zone)
        except ranges.RangeTooLong as exc:
            raise serializers.ValidationError(
                {"range": [str(exc)]}, code=errors.Code.RANGE_TOO_LONG
            ) from exc
        except ranges.BadRange as exc:
            raise serializers.ValidationError({"range": [str(exc)]}) from exc
        return attrs


class TimeReportQuerySerializer(ReportRangeSerializer):
    group_by = serializers.ChoiceField(choices=GROUPS, required=False, default="client")
    client = IdField(required=False, help_text="Only this client's tasks.")
    assistant = IdField(required=False, help_text="Only this assistant's time.")
    category = serializers.CharField(
        required=False, max_length=64, help_text="Only tasks of this category (its code)."
    )


class TimeReportRowSerializer(serializers.Serializer):
    """One group of the time report. The fields naming the group are those of its kind:
    `client`, `assistant`, `category`, `task` (with its client and category) or `period`
    (with its days inside the range); the others are null."""

    label = serializers.CharField(help_text="The group's name, as a reader sees it.")  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Field.label
    client = IntegerField(allow_null=True, required=False)
    assistant = IntegerField(allow_null=True, required=False)
    category = serializers.CharField(allow_null=True, required=False)
    task = IntegerField(allow_null=True, required=False)
    period = serializers.CharField(
        allow_null=True, required=False, help_text="An ISO week (2026-W13) or a month (2026-09)."
    )
    period_start = DateField(allow_null=True, required=False)
    period_end = DateField(allow_null=True, required=False)
    entries = IntegerField(help_text="Stopped time entries started in the range.")
    logged_minutes = IntegerField()
    billable_minutes = IntegerField(
        help_text="Billable as the invoice counts it, unrounded (adjusted minutes as decided)."
    )
    billed_minutes = IntegerField(
        help_text="What invoices charged for these entries, rounded, less what credit notes "
        "took back."
    )
    non_billable_minutes = IntegerField(help_text="Not billable, or rejected on a dispute.")
    disputed_minutes = IntegerField(help_text="Under a client's dispute, not yet decided.")
    invoices = IntegerField(required=False, help_text="Issued invoices counted.")
    invoiced_amount = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="The totals due (tax included) of the issued invoices whose period "
        "starts in the range (or in this week or month); by client, week and month only, "
        "never to assistants.",
    )
    invoiced_excl_tax_amount = serializers.DecimalField(
        **MONEY, required=False, help_text="The same invoices' totals excluding tax."
    )
    credited_amount = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="The credit notes against those invoices (tax included).",
    )
    credited_excl_tax_amount = serializers.DecimalField(**MONEY, required=False)
    currency = serializers.CharField(allow_null=True, required=False)


class TimeReportTotalsSerializer(serializers.Serializer):
    rows = IntegerField()
    entries = IntegerField()
    logged_minutes = IntegerField()
    billable_minutes = IntegerField()
    billed_minutes = IntegerField()
    non_billable_minutes = IntegerField()
    disputed_minutes = IntegerField()
    invoices = IntegerField(required=False)
    invoiced_amount = serializers.DecimalField(
        **MONEY, required=False, help_text="Every issued invoice of the range in the scope."
    )
    invoiced_excl_tax_amount = serializers.DecimalField(**MONEY, required=False)
    credited_amount = serializers.DecimalField(**MONEY, required=False)
    credited_excl_tax_amount = serializers.DecimalField(**MONEY, required=False)
    currency = serializers.CharField(allow_null=True, required=False)


class TimeReportSerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=GROUPS)
    vars()["from"] = DateField(help_text="The first day.")
    to = DateField(help_text="The last day, included.")
    time_zone = serializers.CharField(help_text="The zone the days are read in.")
    start = DateTimeField(help_text="The range's first instant.")
    end = DateTimeField(help_text="The first instant after the range (excluded).")
    count = IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = TimeReportTotalsSerializer()
    results = TimeReportRowSerializer(many=True)


PROFIT = {
    "cost_amount": "Each assistant's logged minutes at their hourly cost, rounded once.",
    "uncosted_minutes": "Logged minutes of assistants whose cost is not known.",
    "revenue_amount": "Invoiced excluding tax, less the credit notes excluding tax: by "
    "client, week or month, its invoices'; by assistant, each client's shared by the "
    "minutes billed for their time.",
    "margin_amount": "revenue_amount less cost_amount.",
}


def _profit_fields():
    return {
        "cost_amount": serializers.DecimalField(
            **MONEY, required=False, help_text=PROFIT["cost_amount"]
        ),
        "uncosted_minutes": IntegerField(required=False, help_text=PROFIT["uncosted_minutes"]),
        "revenue_amount": serializers.DecimalField(
            **MONEY, required=False, help_text=PROFIT["revenue_amount"]
        ),
        "margin_amount": serializers.DecimalField(
            **MONEY, required=False, help_text=PROFIT["margin_amount"]
        ),
    }


class ManagerTimeReportRowSerializer(TimeReportRowSerializer):
    """A row as managers read it: also what the time cost, and the margin."""

    vars().update(_profit_fields())


class ManagerTimeReportTotalsSerializer(TimeReportTotalsSerializer):
    vars().update(_profit_fields())


class ManagerTimeReportSerializer(TimeReportSerializer):
    """The time report as managers read it (others never see the profit fields)."""

    totals = ManagerTimeReportTotalsSerializer()
    results = ManagerTimeReportRowSerializer(many=True)


class QualityReportQuerySerializer(ReportRangeSerializer):
    group_by = serializers.ChoiceField(choices=QUALITY_GROUPS, required=False, default="assistant")


class QualityReportRowSerializer(serializers.Serializer):
    """One assistant (by the task's assignee; null for unassigned work) or one category
    (blank for none) over the range."""

    label = serializers.CharField()  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Field.label
    assistant = IntegerField(allow_null=True, required=False)
    category = serializers.CharField(allow_blank=True, required=False)
    delivered_tasks = IntegerField(help_text="Tasks whose last delivery is in the range.")
    promised_tasks = IntegerField(help_text="Of those, the tasks with a promised deadline.")
    on_time_tasks = IntegerField(help_text="Delivered no later than the promised deadline.")
    on_time_rate = serializers.DecimalField(**RATIO, help_text="on_time / promised (null: none).")
    revised_tasks = IntegerField(help_text="Delivered tasks the client sent back at least once.")
    revision_rate = serializers.DecimalField(**RATIO, help_text="revised / delivered.")
    rated_tasks = IntegerField()
    rating_average = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    requested_tasks = IntegerField(help_text="Tasks requested (created) in the range.")
    answered_tasks = IntegerField(help_text="Of those, the tasks the service answered.")
    first_response_minutes = IntegerField(
        allow_null=True,
        help_text="Median minutes from a request to the first message of the service or "
        "the start of time logged on it.",
    )
    reassignments = IntegerField(
        help_text="Tasks taken from one assistant and given to another in the range (by "
        "assistant: taken from them)."
    )


class QualityReportTotalsSerializer(QualityReportRowSerializer):
    rows = IntegerField()
    label = None  # type: ignore[assignment]  # None takes the row's field out of the totals (DRF)
    assistant = None  # type: ignore[assignment]  # None takes the row's field out of the totals (DRF)
    category = None  # type: ignore[assignment]  # None takes the row's field out of the totals (DRF)


class QualityReportSerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=QUALITY_GROUPS)
    vars()["from"] = DateField(help_text="The first day.")
    to = DateField(help_text="The last day, included.")
    time_zone = serializers.CharField()
    start = DateTimeField()
    end = DateTimeField()
    count = IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = QualityReportTotalsSerializer()
    results = QualityReportRowSerializer(many=True)
