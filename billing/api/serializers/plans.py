"""Plans: their terms over time, their overage tiers, and a plan chosen by id or code."""

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.serializers.fields import money_field, tax_rate_field
from billing.models import PLAN_FIELDS, TERMS_FIELDS, Plan, PlanKind, PlanTerms
from concierge.api.fields import BoundedModelSerializer, IntegerField


class TierSerializer(serializers.Serializer):
    up_to_minutes = IntegerField(allow_null=True, min_value=1)
    hourly_rate = money_field(min_value=0)


class PlanTermsSerializer(BoundedModelSerializer):
    monthly_fee = money_field()

    class Meta:
        model = PlanTerms
        fields = ["effective_from", *TERMS_FIELDS]
        read_only_fields = fields


class PlanSerializer(BoundedModelSerializer):
    """A plan's fields are its latest terms; `terms` lists every version with the first
    period it prices (an edit of a plan with subscribers applies from the next period)."""

    monthly_fee = money_field(min_value=0, required=False)
    tax_rate = tax_rate_field(required=False)
    overage_tiers = TierSerializer(many=True)
    kind = serializers.ChoiceField(choices=PlanKind.choices)
    terms = PlanTermsSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", *PLAN_FIELDS, "terms"]
        read_only_fields = ["id", "terms"]
        extra_kwargs: dict[str, dict[str, Any]] = {"code": {"validators": []}}

    def validate_currency(self, value):
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError(_("A 3-letter ISO 4217 code."))
        return value.upper()


class PlanBriefSerializer(BoundedModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "code", "name", "kind"]


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "A plan's id or code."}
)
class PlanRefField(serializers.RelatedField):
    """A plan chosen by its id (`3`) or its code (`"essential"`)."""

    default_error_messages = {
        "does_not_exist": "No plan with id or code {value!r}.",
        "incorrect_type": "A plan's id (an integer) or code (a string).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Plan.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or data == "":
            self.fail("incorrect_type")
        plans = cast(QuerySet[Plan], self.get_queryset())  # the queryset given in __init__
        if isinstance(data, int) or data.isdigit():
            found = plans.filter(pk=int(data)).first()
        else:
            found = plans.filter(code=data[:64]).first()
        if found is None:
            self.fail("does_not_exist", value=data)
        return found

    def to_representation(self, value):
        return value.pk
