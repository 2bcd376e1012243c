"""Billing signals.

``invoice_finalised`` is sent after commit once an invoice with a non-zero total has
been finalised (numbered). Receivers get ``invoice_id``.
"""

from django.dispatch import Signal

invoice_finalised = Signal()
