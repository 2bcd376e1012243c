"""Closing a billing month: which month, where the close stands, and what it issued."""

from rest_framework import serializers

from billing import periods
from billing.api.serializers.fields import PeriodField
from concierge.api.fields import IntegerField


class ClosePeriodSerializer(serializers.Serializer):
    period = serializers.RegexField(
        periods.PERIOD_PATTERN.pattern, required=False, help_text="A month, `YYYY-MM`."
    )

    def validate_period(self, value):
        try:
            return periods.parse(value)
        except periods.BadPeriod as exc:
            raise serializers.ValidationError(str(exc)) from exc


class CloseStatusSerializer(serializers.Serializer):
    last_closed_period = PeriodField(
        allow_null=True,
        help_text="The last month every live subscription has been invoiced for, `YYYY-MM`; "
        "null before the first close.",
    )
    last_ended_period = PeriodField(help_text="The last month that has ended: closable now.")
    first_open_period = PeriodField(
        allow_null=True, help_text="The oldest month still to close; null when none."
    )
    up_to_date = serializers.BooleanField(help_text="Every ended month is closed.")


class CloseResultSerializer(serializers.Serializer):
    invoices = IntegerField()
    periods = serializers.ListField(child=serializers.CharField())
