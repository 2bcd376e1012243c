"""Reports as CSV: one line per row, the JSON row fields as columns, the totals last."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from assistants.api.workload_views import FORMULA_STARTS


def cell(value: Any) -> Any:
    """A value as a spreadsheet should read it: empty for None, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # shown as text, never evaluated
    return value


def render(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], totals: Mapping[str, Any] | None
) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: cell(value) for key, value in row.items()})
    if totals is not None:
        writer.writerow({key: cell(value) for key, value in {**totals, "label": "total"}.items()})
    return buffer.getvalue()
