"""Error codes of the billing app (rendered as `{"code", "detail", "fields"}`)."""

from enum import StrEnum


class Code(StrEnum):
    """Stable error codes of billing."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    ALREADY_SUBSCRIBED = "already_subscribed"
    NO_SUBSCRIPTION = "no_subscription"
    PLAN_INACTIVE = "plan_inactive"
    NOT_A_CLIENT = "not_a_client"
    SPEND_CAP_REACHED = "spend_cap_reached"
    SPEND_CAP_NOT_HOURLY = "spend_cap_not_hourly"
    PERIOD_NOT_ENDED = "period_not_ended"
    SUBSCRIPTION_ENDING = "subscription_ending"
    INVOICE_NOT_PAYABLE = "invoice_not_payable"
    COLLECTED_BY_STRIPE = "collected_by_stripe"
    UNKNOWN_PACK = "unknown_pack"
    PLAN_IN_USE = "plan_in_use"
    NO_PLAN_OR_PACK = "no_plan_or_pack"
    PACK_BALANCE_EXHAUSTED = "pack_balance_exhausted"
    # Legal invoices: none is issued before the seller's identity is recorded.
    SELLER_MISSING = "seller_missing"

    # Card payments (Stripe): the payment-method endpoint.
    PAYMENTS_NOT_CONFIGURED = "payments_not_configured"
    CARD_DECLINED = "card_declined"
    INVALID_PAYMENT_METHOD = "invalid_payment_method"
    PAYMENT_PROVIDER_ERROR = "payment_provider_error"
    # A SetupIntent (cards saved with Strong Customer Authentication) not confirmed yet.
    SETUP_INTENT_INCOMPLETE = "setup_intent_incomplete"

    INVALID_SIGNATURE = "invalid_signature"

    # Reports (billing/reports): the range of days, the grouping and the filters.
    INVALID_DATE = "invalid_date"
    INVALID_RANGE = "invalid_range"
    RANGE_TOO_LONG = "range_too_long"
    INVALID_GROUP_BY = "invalid_group_by"
    INVALID_FILTER = "invalid_filter"
