"""What billing tells the time entries it bills.

An entry knows when an invoice billed it and the minutes charged, so that "an invoiced
entry is locked" is the time app's own fact and the time report sums entries without
reading billing's records. Which invoice bills an entry stays billing's record
(`InvoicedEntry`); these services are the only writers of the entry's side, called by
billing in the transaction that writes its own.
"""

import datetime
from collections.abc import Mapping

from django.db.models import F

from assistants.models import TimeEntry
from assistants.services.rollups import time_rollup_refresh_entries


def time_entries_bill(*, minutes: Mapping[int, int], billed_at: datetime.datetime) -> None:
    """Lock the entries an invoice bills (`minutes`: entry id → minutes charged), as
    billed at `billed_at`: one UPDATE per thousand entries, as billing writes its own
    record of them."""
    billed = [
        TimeEntry(pk=entry_id, billed_at=billed_at, billed_minutes=charged)
        for entry_id, charged in minutes.items()
    ]
    TimeEntry.objects.bulk_update(billed, ["billed_at", "billed_minutes"], batch_size=1000)
    time_rollup_refresh_entries(entry_ids=minutes.keys())


def time_entry_credit(*, entry_id: int, minutes: int) -> None:
    """Record that a credit note took `minutes` off what the entry's invoice charged for
    it (a decision on its dispute billed less)."""
    TimeEntry.objects.filter(pk=entry_id, billed_at__isnull=False).update(
        credited_minutes=F("credited_minutes") + minutes
    )
    time_rollup_refresh_entries(entry_ids=[entry_id])
