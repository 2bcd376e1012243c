"""Signals of the assistants app.

``invoiced_entry_decided`` is sent inside the transaction of a manager's decision on a
dispute of an entry an invoice already bills (billing credits what the decision takes
off). Receivers get ``entry`` (locked, decided) and ``actor``; an error they raise undoes
the decision.
"""

from django.dispatch import Signal

invoiced_entry_decided = Signal()
