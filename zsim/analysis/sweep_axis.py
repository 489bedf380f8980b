"""The x axis of a sweep plot, read back from point labels.

Grid points are labelled ``leaf=value,leaf=value`` (:func:`zsim.config.sweep.expand_points`, spaces removed
from values). The chosen parameter (the first by default) becomes x, parsed with the unit its name carries
(``ttl_s=5min`` → 300 s, ``model_bytes=1GB``, ``rate_per_s=2k/s``) or as a plain number; the other parameters
label separate lines. Anything else (named points, values that are not numbers) is placed in file order as
categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zsim.units import parse_duration_s, parse_per_second, parse_rate_Bps, parse_size_bytes

_PARSERS: list[tuple[str, Callable[[str], float]]] = [
    ("_per_s", parse_per_second), ("_Bps", parse_rate_Bps), ("_bytes", parse_size_bytes), ("_s", parse_duration_s),
]


@dataclass
class SweepAxis:
    label: str
    x: dict[str, float]
    rest: dict[str, str] = field(default_factory=dict)
    categorical: bool = False
    ticks: list[str] = field(default_factory=list)
    log: bool = False


def parse_label(label: str) -> dict[str, str] | None:
    """``{"ttl_s": "5min", ...}`` for a grid label, None for anything else."""
    out = {}
    for part in label.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key or key in out:
            return None
        out[key] = value
    return out or None


def _number(name: str, text: str) -> float | None:
    for suffix, parse in _PARSERS:
        if name.endswith(suffix):
            try:
                return parse(text)
            except ValueError:
                return None
    try:
        return float(text)
    except ValueError:
        return None


def _categorical(points: list[str]) -> SweepAxis:
    return SweepAxis("sweep point", {p: float(i) for i, p in enumerate(points)}, {p: "" for p in points},
                     categorical=True, ticks=list(points))


def sweep_axis(points: list[str], param: str | None = None) -> SweepAxis:
    parsed = {p: parse_label(p) for p in points}
    if any(v is None for v in parsed.values()):
        return _categorical(points)
    first = next(iter(parsed.values()))
    assert first is not None
    name = param or next(iter(first))
    if any(name not in v for v in parsed.values() if v is not None):
        return _categorical(points)
    values = {p: _number(name, v[name]) for p, v in parsed.items() if v is not None}
    rest = {p: ",".join(f"{k}={x}" for k, x in v.items() if k != name) for p, v in parsed.items() if v is not None}
    if any(x is None for x in values.values()):
        order = list(dict.fromkeys(v[name] for v in parsed.values() if v is not None))
        return SweepAxis(name, {p: float(order.index(v[name])) for p, v in parsed.items() if v is not None}, rest,
                         categorical=True, ticks=order)
    xs = {p: float(x) for p, x in values.items() if x is not None}
    positive = [x for x in xs.values() if x > 0]
    log = len(positive) == len(xs) and max(positive) / min(positive) >= 100
    return SweepAxis(name, xs, rest, log=log)


def ordered_points(points: list[str]) -> list[str]:
    """Points in sweep order: by the other parameters, then by x, when labels parse to numbers; else as given."""
    unique = list(dict.fromkeys(points))
    if len(unique) < 2:
        return unique
    axis = sweep_axis(unique)
    if axis.categorical:
        return unique
    return sorted(unique, key=lambda p: (axis.rest.get(p, ""), axis.x[p]))
