from typing import Any, cast

from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing import periods, tax
from billing import seller as billing_seller
from billing.models import (
    PLAN_FIELDS,
    TERMS_FIELDS,
    BillingDetails,
    CreditNote,
    CreditNoteLine,
    HourPack,
    Invoice,
    InvoiceLine,
    Plan,
    PlanKind,
    PlanTerms,
    SellerVersion,
    Subscription,
)
from concierge.api.compiled import reads
from concierge.api.fields import (
    BoundedModelSerializer,
    DateField,
    DateTimeField,
    IdField,
    IntegerField,
)


def money_field(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def tax_rate_field(**kwargs):
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text="VAT rate in percent (20.00 is 20 %).",
        **kwargs,
    )


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class PeriodField(serializers.DateField):
    """A billing month as `YYYY-MM` (read only)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", read_only=True, **kwargs)


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


class BillingEventSerializer(serializers.Serializer):
    """One change of a subscription's or an invoice's status (or a request on record)."""

    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    source = serializers.CharField(help_text="client, manager, job, webhook or charge")  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Field.source
    created_at = DateTimeField()


class PlanBriefSerializer(BoundedModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "code", "name", "kind"]


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


class PackSerializer(BoundedModelSerializer):
    price = money_field(read_only=True)
    invoice: "serializers.PrimaryKeyRelatedField[Invoice]" = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = HourPack
        fields = [
            "id",
            "minutes",
            "remaining_minutes",
            "price",
            "currency",
            "tax_rate",
            "purchased_at",
            "expires_at",
            "revoked_at",
            "invoice",
        ]
        read_only_fields = fields


class PackBuySerializer(serializers.Serializer):
    minutes = IntegerField(min_value=1, help_text="One of the sizes `GET packs/offers/` lists.")


class PackOfferSerializer(serializers.Serializer):
    minutes = IntegerField()
    price = money_field()
    currency = serializers.CharField()
    tax_rate = tax_rate_field()
    valid_days = IntegerField(help_text="Days the minutes stay usable after purchase.")


class InvoiceLineSerializer(BoundedModelSerializer):
    unit_rate = money_field(allow_null=True)
    amount = money_field(help_text="Excluding VAT.")
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="VAT rate in percent; null on invoices issued before VAT was stated.",
    )
    tax_amount = money_field(help_text="This line's share of its rate's VAT.")

    class Meta:
        model = InvoiceLine
        fields = [
            "description",
            "kind",
            "quantity_minutes",
            "unit_rate",
            "amount",
            "tax_rate",
            "tax_amount",
        ]


class SellerSerializer(BoundedModelSerializer):
    """The seller's identity and legal mentions; each change is a new version, and each
    invoice names the version it was issued with."""

    siren = serializers.RegexField(r"^[0-9]{9}$", help_text="9 digits.")
    country_code = serializers.RegexField(r"^[A-Z]{2}$", required=False)
    payment_terms_days = IntegerField(
        min_value=0, max_value=60, required=False, help_text="Days from issue to due date."
    )

    class Meta:
        model = SellerVersion
        fields = ["id", *billing_seller.SELLER_FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "vat_id": {"help_text": "Intra-community VAT number (FR + 11 characters)."},
            "vat_exemption_text": {
                "help_text": "Set when VAT does not apply, e.g. "
                "'TVA non applicable, art. 293 B du CGI': invoices then carry no VAT."
            },
        }


class BillingDetailsSerializer(BoundedModelSerializer):
    """Who the client's invoices are made out to."""

    country_code = serializers.RegexField(r"^[A-Z]{2}$", required=False)

    class Meta:
        model = BillingDetails
        fields = ["client", *billing_seller.BUYER_FIELDS, "updated_at"]
        read_only_fields = ["client", "updated_at"]


class InvoiceSellerSerializer(serializers.Serializer):
    """The seller as it stood when the invoice was issued."""

    name = serializers.CharField()
    address = serializers.CharField()
    country_code = serializers.CharField()
    siren = serializers.CharField()
    vat_id = serializers.CharField()
    legal_form = serializers.CharField()
    share_capital = serializers.CharField()
    vat_exemption_text = serializers.CharField()


class InvoiceBuyerSerializer(serializers.Serializer):
    name = serializers.CharField(default="")
    address = serializers.CharField(default="")
    country_code = serializers.CharField(default="")
    company = serializers.CharField(default="")
    vat_id = serializers.CharField(default="")


class TaxBreakdownSerializer(serializers.Serializer):
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    taxable_amount = money_field()
    tax_amount = money_field()


class InvoiceUsageSerializer(serializers.Serializer):
    used_minutes = IntegerField(default=0)
    from_rollover = IntegerField(default=0)
    from_included = IntegerField(default=0)
    from_packs = IntegerField(default=0)
    overage_minutes = IntegerField(default=0)
    rollover_out = IntegerField(default=0)
    rollover_in = IntegerField(default=0)
    included_minutes = IntegerField(default=0)
    pack_minutes = IntegerField(default=0)
    rollover_in_expires_at = DateTimeField(
        allow_null=True, help_text="The rollover used this period expired at its end."
    )
    rollover_out_expires_at = DateTimeField(
        allow_null=True, help_text="The minutes rolled over expire at the next period's end."
    )
    terms_effective_from = DateField(
        allow_null=True, required=False, help_text="The plan terms this period was billed at."
    )


# A time entry the invoice bills (an InvoicedEntry), shown as the entry and its minutes.
class InvoiceEntrySerializer(serializers.Serializer):
    id = IntegerField(source="entry_id")
    task = IntegerField(source="entry.task_id")
    started_at = DateTimeField(source="entry.started_at")
    ended_at = DateTimeField(source="entry.ended_at")
    duration_seconds = IntegerField(source="entry.duration_seconds")
    billable_minutes = IntegerField(source="billed_minutes")


class InvoiceSerializer(BoundedModelSerializer):
    total = money_field(help_text="What is due: `total_incl_tax`.")
    total_excl_tax = money_field()
    total_tax = money_field()
    total_incl_tax = money_field()
    lines = InvoiceLineSerializer(many=True)
    usage = serializers.SerializerMethodField()
    seller = InvoiceSellerSerializer(allow_null=True, read_only=True)
    buyer = serializers.SerializerMethodField()
    tax_breakdown = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "client",
            "subscription",
            "period_start",
            "period_end",
            "currency",
            "status",
            "total",
            "total_excl_tax",
            "total_tax",
            "total_incl_tax",
            "prices_include_tax",
            "tax_breakdown",
            "due_date",
            "seller",
            "buyer",
            "lines",
            "usage",
            "finalised_at",
            "paid_at",
        ]
        read_only_fields = fields

    @extend_schema_field(InvoiceBuyerSerializer(allow_null=True))
    @reads("buyer")
    def get_buyer(self, obj):
        return self.buyer_serializer.to_representation(obj.buyer) if obj.buyer else None

    @extend_schema_field(TaxBreakdownSerializer(many=True))
    @reads("lines")
    def get_tax_breakdown(self, obj):
        rows = tax.breakdown_of([(x.tax_rate, x.amount, x.tax_amount) for x in obj.lines.all()])
        return [self.tax_serializer.to_representation(row) for row in rows]

    @cached_property
    def usage_serializer(self):
        """One for the whole page: a serializer's fields are built when first used, which
        costs more than representing a row. So are the buyer's and the VAT breakdown's."""
        return InvoiceUsageSerializer()

    @cached_property
    def buyer_serializer(self):
        return InvoiceBuyerSerializer()

    @cached_property
    def tax_serializer(self):
        return TaxBreakdownSerializer()

    @extend_schema_field(InvoiceUsageSerializer(allow_null=True))
    @reads("usage", "period_start")
    def get_usage(self, obj):
        if not obj.usage:
            return None
        usage = dict(obj.usage)
        end = periods.bounds(obj.period_start)[1]
        usage["rollover_in_expires_at"] = end if usage.get("rollover_in") else None
        usage["rollover_out_expires_at"] = (
            periods.bounds(periods.next_period(obj.period_start))[1]
            if usage.get("rollover_out")
            else None
        )
        usage.setdefault("terms_effective_from", None)
        return self.usage_serializer.to_representation(usage)


class CreditNoteLineSerializer(BoundedModelSerializer):
    unit_rate = money_field(allow_null=True)
    amount = money_field(help_text="Excluding VAT, credited.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    tax_amount = money_field()

    class Meta:
        model = CreditNoteLine
        fields = [
            "description",
            "kind",
            "quantity_minutes",
            "unit_rate",
            "amount",
            "tax_rate",
            "tax_amount",
        ]


def credit_note_status_field():
    # Spelled out, not an enum of the model's choices: its name would collide with the
    # invoices' `status` enum in the schema.
    return serializers.CharField(read_only=True, help_text="`open` or `settled`.")


class CreditNoteBriefSerializer(BoundedModelSerializer):
    total_incl_tax = money_field()
    status = credit_note_status_field()

    class Meta:
        model = CreditNote
        fields = ["id", "number", "status", "total_incl_tax", "issued_at"]
        read_only_fields = fields


class CreditNoteSerializer(BoundedModelSerializer):
    """What a decision on a disputed, invoiced entry took off its invoice."""

    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    status = credit_note_status_field()
    total_excl_tax = money_field()
    total_tax = money_field()
    total_incl_tax = money_field()
    lines = CreditNoteLineSerializer(many=True, read_only=True)
    seller = InvoiceSellerSerializer(allow_null=True, read_only=True)
    buyer = InvoiceBuyerSerializer(read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "client",
            "entry",
            "status",
            "reason",
            "currency",
            "credited_minutes",
            "total_excl_tax",
            "total_tax",
            "total_incl_tax",
            "prices_include_tax",
            "seller",
            "buyer",
            "lines",
            "issued_at",
            "settled_at",
        ]
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    entries = InvoiceEntrySerializer(many=True, source="billed_entries")
    history = BillingEventSerializer(source="events", many=True, read_only=True)
    credit_notes = CreditNoteBriefSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "entries", "history", "credit_notes"]
        read_only_fields = fields


class ClosePeriodSerializer(serializers.Serializer):
    period = serializers.RegexField(
        periods.PERIOD_PATTERN.pattern, required=False, help_text="A month, `YYYY-MM`."
    )

    def validate_period(self, value):
        try:
            return periods.parse(value)
        except periods.BadPeriod as exc:
            raise serializers.ValidationError(str(exc)) from exc


class UsageQuerySerializer(serializers.Serializer):
    client = IdField(required=False, help_text="manager: the client's id")


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


class PaymentMethodAttachSerializer(serializers.Serializer):
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="A PaymentMethod id from Stripe.js (`pm_...`).",
        error_messages={"invalid": "A Stripe PaymentMethod id (pm_...)."},
    )
    setup_intent = serializers.RegexField(
        r"^seti_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="Or a SetupIntent (`seti_...`, from `payment-method/setup-intent/`) that "
        "Stripe.js confirmed: its card, authenticated, becomes the default.",
        error_messages={"invalid": "A Stripe SetupIntent id (seti_...)."},
    )

    def validate(self, attrs):
        if bool(attrs.get("payment_method")) == bool(attrs.get("setup_intent")):
            raise serializers.ValidationError(
                {"payment_method": [_("Give payment_method or setup_intent, one of them.")]}
            )
        return attrs


class SetupIntentSerializer(serializers.Serializer):
    setup_intent = serializers.CharField(help_text="The SetupIntent id (`seti_...`).")
    client_secret = serializers.CharField(
        help_text="For Stripe.js `confirmCardSetup`; then POST `payment-method/` with "
        "`setup_intent`."
    )


class PaymentMethodSerializer(serializers.Serializer):
    payment_method = serializers.CharField(
        allow_null=True, help_text="The default PaymentMethod id, or null when there is none."
    )
    brand = serializers.CharField(required=False, help_text="Card brand, when Stripe gives it.")
    last4 = serializers.CharField(required=False, help_text="Card's last 4 digits, likewise.")


class PaymentErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(required=False)  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.fields
