"""The reports' pictures: pure geometry for server-drawn SVG, from plain numbers.

A trend is one column per week or month, its height the minutes logged, stacked by
category: the largest categories each in a colour of their own, the rest together as
"other". Colours are SVG presentation attributes (no style sheet, no script); templates
pair every picture with a text alternative.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
# Room for the axis labels: left of the plot (minutes) and under it (periods).
LEFT, BOTTOM, TOP = 64, 28, 8
SERIES = 5
# Distinguishable for the common colour blindnesses (Okabe and Ito), "other" in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
OTHER_COLOUR = "#999999"
OTHER = "__other__"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    minutes: int


@dataclass(frozen=True)
class Segment:
    series: Series
    minutes: int
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    width: float
    minutes: int
    segments: tuple[Segment, ...]
    values: tuple[int, ...]  # minutes per series, in the trend's order (the table's cells)

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    minutes: int
    y: float

    @property
    def label(self) -> str:
        if self.minutes % 60 == 0:
            return f"{self.minutes // 60} h"
        return f"{self.minutes} min"


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    left: int
    baseline: float
    columns: tuple[Column, ...]
    series: tuple[Series, ...]
    ticks: tuple[Tick, ...]
    label_every: int

    @property
    def empty(self) -> bool:
        return not any(column.minutes for column in self.columns)


def nice_step(top: int, steps: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten minutes, at least 15) that divides
    `top` into at most `steps` parts."""
    rough = max(top / steps, 1)
    magnitude = 1
    while magnitude * 10 <= rough:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= rough:
            return max(factor * magnitude, 15)
    return 10 * magnitude  # pragma: no cover (the loop always returns)


def trend(
    columns: Sequence[tuple[str, Mapping[str, int]]],
    labels: Mapping[str, str],
    *,
    other_label: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    series_limit: int = SERIES,
) -> Trend:
    """`columns`: `(label, {category: minutes})` in order; `labels` name the categories."""
    totals: dict[str, int] = {}
    for _label, minutes in columns:
        for key, value in minutes.items():
            totals[key] = totals.get(key, 0) + value
    ranked = sorted((k for k in totals if totals[k] > 0), key=lambda k: (-totals[k], k))
    named, rest = ranked[:series_limit], ranked[series_limit:]
    if len(rest) == 1:  # an "other" of one is that one
        named, rest = ranked, []
    series = [
        Series(key, labels.get(key, key), PALETTE[i % len(PALETTE)], totals[key])
        for i, key in enumerate(named)
    ]
    if rest:
        series.append(Series(OTHER, other_label, OTHER_COLOUR, sum(totals[k] for k in rest)))
    grouped = set(rest)

    peak = max((sum(minutes.values()) for _label, minutes in columns), default=0)
    step = nice_step(peak)
    top = max(step, -(-peak // step) * step)
    plot_height = height - TOP - BOTTOM
    baseline = float(height - BOTTOM)
    scale = plot_height / top
    slot = (width - LEFT) / max(len(columns), 1)
    bar = slot * 0.7

    drawn = []
    for index, (label, minutes) in enumerate(columns):
        y = baseline
        segments, values = [], []
        for item in series:
            if item.key == OTHER:
                value = sum(v for k, v in minutes.items() if k in grouped)
            else:
                value = minutes.get(item.key, 0)
            values.append(value)
            if value <= 0:
                continue
            h = value * scale
            y -= h
            segments.append(Segment(item, value, round(y, 2), round(h, 2)))
        drawn.append(
            Column(
                label=label,
                x=round(LEFT + index * slot + (slot - bar) / 2, 2),
                width=round(bar, 2),
                minutes=sum(minutes.values()),
                segments=tuple(segments),
                values=tuple(values),
            )
        )
    ticks = tuple(
        Tick(value, round(baseline - value * scale, 2)) for value in range(0, top + 1, step)
    )
    # Period labels under the columns: as many as fit, about 64 px each.
    label_every = max(1, -(-len(columns) * 64 // (width - LEFT)))
    return Trend(
        width=width,
        height=height,
        left=LEFT,
        baseline=baseline,
        columns=tuple(drawn),
        series=tuple(series),
        ticks=ticks,
        label_every=label_every,
    )
