"""The client's month as a bar: pure geometry from the rating's numbers.

The bar spans the month's allowance (rollover, then included minutes, then packs) or the
minutes used when they go past it; each part is drawn light for what it holds and dark for
what is used of it, and overage follows in its own colour.
"""

from dataclasses import dataclass

WIDTH = 600


@dataclass(frozen=True)
class Segment:
    key: str
    x: float
    width: float
    used_width: float
    minutes: int
    used_minutes: int


def segments(
    *,
    rollover: int,
    included: int,
    packs: int,
    from_rollover: int,
    from_included: int,
    from_packs: int,
    overage: int,
    width: int = WIDTH,
) -> list[Segment]:
    parts = [
        ("rollover", rollover, from_rollover),
        ("included", included, from_included),
        ("packs", packs, from_packs),
        ("overage", overage, overage),
    ]
    total = sum(size for _, size, _ in parts)
    if total <= 0:
        return []
    scale = width / total
    x, out = 0.0, []
    for key, size, used in parts:
        if size <= 0:
            continue
        out.append(Segment(key, x, size * scale, min(used, size) * scale, size, min(used, size)))
        x += size * scale
    return out
