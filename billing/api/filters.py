"""Query filters of the billing lists (django-filter): a value outside a filter's range or
choices is 400 `invalid`, never an empty page."""

import django_filters
from django import forms

from billing.models import Invoice, InvoiceStatus

MAX_ID = 2**63 - 1


class IdFilter(django_filters.Filter):
    """A database id: a positive 64-bit integer."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class InvoiceFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", help_text="manager: one client's invoices")
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)

    class Meta:
        model = Invoice
        fields = ["client", "status"]
