"""The billing app's recorded actions (`concierge.audit.record`). Subscriptions' and
invoices' own moves are recorded under their histories' actions (`SubscriptionHistory`,
`InvoiceHistory` in billing/models/history.py); these are the other writes people make."""

from enum import StrEnum


class Action(StrEnum):
    PLAN_CREATED = "plan.created"
    PLAN_CHANGED = "plan.changed"
    SELLER_CHANGED = "seller.changed"
    BILLING_DETAILS_CHANGED = "billing_details.changed"
    SPEND_CAP_SET = "subscription.spend_cap_set"
