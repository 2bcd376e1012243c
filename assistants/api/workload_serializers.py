from django.utils.translation import gettext as _
from rest_framework import serializers

from assistants import errors as time_errors
from assistants import workloads
from concierge.api.fields import DateField, DateTimeField, DecimalOptions, IntegerField

RATIO: DecimalOptions = {
    "max_digits": 12,
    "decimal_places": 4,
    "coerce_to_string": False,
    "allow_null": True,
}


class WorkloadRowSerializer(serializers.Serializer):
    """One assistant's week (API.md's Workloads row, plus the counts behind the ratios)."""

    assistant = IntegerField(help_text="The assistant's user id.")
    name = serializers.CharField()
    email = serializers.EmailField()
    active = serializers.BooleanField()
    week = serializers.CharField()
    open_tasks = IntegerField()
    overdue_tasks = IntegerField()
    logged_minutes = IntegerField()
    billable_minutes = IntegerField()
    capacity_minutes = IntegerField()
    utilization = serializers.DecimalField(**RATIO)
    delivered_tasks = IntegerField(
        help_text="Tasks delivered in the week that carried a promised deadline."
    )
    on_time_tasks = IntegerField()
    on_time_rate = serializers.DecimalField(**RATIO)
    rated_tasks = IntegerField(help_text="Rated tasks completed in the last 30 days.")
    avg_rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )


# The columns of a workload row, in order: the JSON fields and the CSV header alike.
ROW_FIELDS = tuple(WorkloadRowSerializer().fields)


class TextField(serializers.Field):
    """The text as given (compared, never stored)."""

    def to_internal_value(self, data):
        return data


class WeekField(serializers.Field):
    """An ISO week such as `2026-W47` (None when blank)."""

    def to_internal_value(self, data):
        if not data:
            return None
        try:
            return workloads.parse_week(data)
        except workloads.BadWeek as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ActiveField(serializers.Field):
    """`true`, `1`, `yes` or `false`, `0`, `no`, in any case (None when blank)."""

    TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})

    def to_internal_value(self, data):
        if data == "":
            return None
        if data.lower() in self.TRUE:
            return True
        if data.lower() in self.FALSE:
            return False
        raise serializers.ValidationError(_("active must be true or false."))


# Rows sort by any of their fields but the week (the same for every row).
ORDERING_FIELDS = frozenset(ROW_FIELDS) - {"week"}


class OrderingField(serializers.Field):
    """A row field, `-` before it for descending (the assistant's id when blank)."""

    def to_internal_value(self, data):
        if not data:
            return "assistant"
        if data.removeprefix("-") not in ORDERING_FIELDS:
            fields = ", ".join(sorted(ORDERING_FIELDS))
            raise serializers.ValidationError(
                _("ordering must be one of %(fields)s, optionally with -.") % {"fields": fields}
            )
        return data


class WorkloadWeekSerializer(serializers.Serializer):
    """The week asked for; each refused parameter has its own code."""

    codes = {
        "week": time_errors.Code.INVALID_WEEK,
        "active": time_errors.Code.INVALID_FILTER,
        "ordering": time_errors.Code.INVALID_ORDERING,
    }

    week = WeekField(required=False)


class WorkloadQuerySerializer(WorkloadWeekSerializer):
    """The team workload's query parameters."""

    active = ActiveField(required=False)
    skill = TextField(required=False)
    ordering = OrderingField(required=False)


class WorkloadTotalsSerializer(serializers.Serializer):
    assistants = IntegerField()
    open_tasks = IntegerField()
    overdue_tasks = IntegerField()
    logged_minutes = IntegerField()
    billable_minutes = IntegerField()
    capacity_minutes = IntegerField()
    utilization = serializers.DecimalField(**RATIO)
    delivered_tasks = IntegerField()
    on_time_tasks = IntegerField()
    on_time_rate = serializers.DecimalField(**RATIO)
    rated_tasks = IntegerField()
    avg_rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )


class TeamWorkloadSerializer(serializers.Serializer):
    week = serializers.CharField()
    week_start = DateTimeField()
    week_end = DateTimeField()
    count = IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = WorkloadTotalsSerializer()
    results = WorkloadRowSerializer(many=True)


class WorkloadDaySerializer(serializers.Serializer):
    date = DateField(help_text="A local day of the service's time zone.")
    start = DateTimeField()
    end = DateTimeField()
    entries = IntegerField()
    logged_minutes = IntegerField(help_text="Stopped entries that started this day, whole minutes.")
    billable_minutes = IntegerField()


class WorkloadTaskSerializer(serializers.Serializer):
    id = IntegerField()
    title = serializers.CharField()
    client = IntegerField()
    status = serializers.CharField()
    priority = serializers.CharField()
    promised_due_at = DateTimeField(allow_null=True)
    estimate_minutes = IntegerField(allow_null=True)
    logged_minutes = IntegerField()
    remaining_minutes = IntegerField()
    overdue = serializers.BooleanField()
    at_risk = serializers.BooleanField()


class AssistantWorkloadSerializer(WorkloadRowSerializer):
    week_start = DateTimeField()
    week_end = DateTimeField()
    at_risk_tasks = IntegerField()
    days = WorkloadDaySerializer(many=True)
    tasks = WorkloadTaskSerializer(many=True, help_text="Open tasks, earliest deadline first.")
    overdue = WorkloadTaskSerializer(many=True, help_text="The open tasks past their deadline.")
