"""Subscriptions: a client's plan, subscribing and the spend cap, and the period's usage."""

from rest_framework import serializers

from billing.api.serializers.fields import BillingEventSerializer, PeriodField, money_field
from billing.api.serializers.plans import PlanBriefSerializer, PlanRefField
from billing.models import Subscription
from concierge.api.fields import (
    BoundedModelSerializer,
    DateField,
    DateTimeField,
    IdField,
    IntegerField,
)


class SubscriptionSerializer(BoundedModelSerializer):
    plan = PlanBriefSerializer(read_only=True)
    scheduled_plan = PlanBriefSerializer(read_only=True, allow_null=True)
    current_period_start = serializers.SerializerMethodField()
    current_period_end = serializers.SerializerMethodField()
    spend_cap = money_field(allow_null=True, read_only=True)
    currency = serializers.CharField(source="plan.currency", read_only=True)
    history = BillingEventSerializer(source="events", many=True, read_only=True)
    last_closed_period = PeriodField(
        source="closed_through",
        allow_null=True,
        help_text="The last month invoiced, `YYYY-MM`; null before the first close.",
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "client",
            "plan",
            "status",
            "start_date",
            "current_period_start",
            "current_period_end",
            "scheduled_plan",
            "scheduled_plan_from",
            "cancel_at_period_end",
            "ended_on",
            "spend_cap",
            "currency",
            "closed_through",
            "last_closed_period",
            "rollover_minutes",
            "history",
        ]
        read_only_fields = fields

    def _period(self, obj):
        from billing import selectors

        return selectors.current_period(obj)

    def get_current_period_start(self, obj) -> str:
        return self._period(obj).isoformat()

    def get_current_period_end(self, obj) -> str:
        from billing import periods

        return periods.last_day(self._period(obj)).isoformat()


class SubscribeSerializer(serializers.Serializer):
    plan = PlanRefField()


class ManagerSubscribeSerializer(SubscribeSerializer):
    start_date = DateField(required=False)


class SpendCapSerializer(serializers.Serializer):
    spend_cap = money_field(min_value=0, allow_null=True)


class UsageSerializer(serializers.Serializer):
    period_start = DateField()
    period_end = DateField()
    used_minutes = IntegerField()
    rollover_minutes = IntegerField()
    rollover_expires_at = DateTimeField(
        allow_null=True, help_text="When the rolled-over minutes expire (this period's end)."
    )
    included_minutes = IntegerField()
    pack_minutes = IntegerField()
    remaining_minutes = IntegerField(
        help_text="Rollover, included and pack minutes not used yet this period."
    )
    overage_minutes = IntegerField()
    from_rollover = IntegerField()
    from_included = IntegerField()
    from_packs = IntegerField()
    projected_amount = money_field()
    spend_cap = money_field(allow_null=True)
    currency = serializers.CharField()
    billed_through = serializers.ChoiceField(
        choices=["subscription", "packs"],
        help_text="`packs`: no subscription, the time draws from the client's hour packs.",
    )


class UsageQuerySerializer(serializers.Serializer):
    client = IdField(required=False, help_text="manager: the client's id")
