from rest_framework import serializers

from concierge.api.fields import DateField, DateTimeField, IntegerField

RATIO = {"max_digits": 12, "decimal_places": 4, "coerce_to_string": False, "allow_null": True}

class WorkloadQuerySerializer(serializers.Serializer):
    week = serializers.CharField(required=False, help_text="ISO week, e.g. 2026-W47.")


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
