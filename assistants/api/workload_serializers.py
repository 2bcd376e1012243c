from rest_framework import serializers

RATIO = {"max_digits": 12, "decimal_places": 4, "coerce_to_string": False, "allow_null": True}

# The columns of a workload row, in order: the JSON fields and the CSV header alike.
ROW_FIELDS = [
    "assistant",
    "name",
    "email",
    "active",
    "week",
    "open_tasks",
    "overdue_tasks",
    "logged_minutes",
    "billable_minutes",
    "capacity_minutes",
    "utilization",
    "delivered_tasks",
    "on_time_tasks",
    "on_time_rate",
    "rated_tasks",
    "avg_rating",
]


class WorkloadQuerySerializer(serializers.Serializer):
    week = serializers.CharField(required=False, help_text="ISO week, e.g. 2026-W47.")


class WorkloadRowSerializer(serializers.Serializer):
    """One assistant's week (API.md's Workloads row, plus the counts behind the ratios)."""

    assistant = serializers.IntegerField(help_text="The assistant's user id.")
    name = serializers.CharField()
    email = serializers.EmailField()
    active = serializers.BooleanField()
    week = serializers.CharField()
    open_tasks = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()
    logged_minutes = serializers.IntegerField()
    billable_minutes = serializers.IntegerField()
    capacity_minutes = serializers.IntegerField()
    utilization = serializers.DecimalField(**RATIO)
    delivered_tasks = serializers.IntegerField(
        help_text="Tasks delivered in the week that carried a promised deadline."
    )
    on_time_tasks = serializers.IntegerField()
    on_time_rate = serializers.DecimalField(**RATIO)
    rated_tasks = serializers.IntegerField(help_text="Rated tasks completed in the last 30 days.")
    avg_rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )


class WorkloadTotalsSerializer(serializers.Serializer):
    assistants = serializers.IntegerField()
    open_tasks = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()
    logged_minutes = serializers.IntegerField()
    billable_minutes = serializers.IntegerField()
    capacity_minutes = serializers.IntegerField()
    utilization = serializers.DecimalField(**RATIO)
    delivered_tasks = serializers.IntegerField()
    on_time_tasks = serializers.IntegerField()
    on_time_rate = serializers.DecimalField(**RATIO)
    rated_tasks = serializers.IntegerField()
    avg_rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )


class TeamWorkloadSerializer(serializers.Serializer):
    week = serializers.CharField()
    week_start = serializers.DateTimeField()
    week_end = serializers.DateTimeField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = WorkloadTotalsSerializer()
    results = WorkloadRowSerializer(many=True)


class WorkloadDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A local day of the service's time zone.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    entries = serializers.IntegerField()
    logged_minutes = serializers.IntegerField(
        help_text="Stopped entries that started this day, whole minutes."
    )
    billable_minutes = serializers.IntegerField()


class WorkloadTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    client = serializers.IntegerField()
    status = serializers.CharField()
    priority = serializers.CharField()
    promised_due_at = serializers.DateTimeField(allow_null=True)
    estimate_minutes = serializers.IntegerField(allow_null=True)
    logged_minutes = serializers.IntegerField()
    remaining_minutes = serializers.IntegerField()
    overdue = serializers.BooleanField()
    at_risk = serializers.BooleanField()


class AssistantWorkloadSerializer(WorkloadRowSerializer):
    week_start = serializers.DateTimeField()
    week_end = serializers.DateTimeField()
    at_risk_tasks = serializers.IntegerField()
    days = WorkloadDaySerializer(many=True)
    tasks = WorkloadTaskSerializer(many=True, help_text="Open tasks, earliest deadline first.")
    overdue = WorkloadTaskSerializer(many=True, help_text="The open tasks past their deadline.")
