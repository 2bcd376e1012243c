"""An assistant's week as a bar: pure geometry from a workload row.

The bar spans the weekly capacity, or the logged minutes when they go past it; the logged
part is drawn over it, its billable share darker, and a tick marks the capacity.
"""

from dataclasses import dataclass
from decimal import Decimal

from assistants import workloads

WIDTH = 240


@dataclass(frozen=True)
class WeekBar:
    logged_width: float
    billable_width: float
    capacity_x: float
    billable_share: Decimal | None
    over_capacity: bool


def week_bar(row, width: int = WIDTH) -> WeekBar:
    logged, capacity = row["logged_minutes"], row["capacity_minutes"]
    billable = min(row["billable_minutes"], logged)
    scale = width / max(logged, capacity, 1)
    return WeekBar(
        logged_width=round(logged * scale, 1),
        billable_width=round(billable * scale, 1),
        capacity_x=round(capacity * scale, 1),
        billable_share=workloads.ratio(billable, logged),
        over_capacity=logged > capacity,
    )
