"""A link shared by concurrent transfers: max-min fair (processor-sharing) bandwidth with per-flow caps.

Each transfer (flow) has a size and a cap (the client's own link, a per-stream limit, a crypto rate). Whenever
a flow starts or ends, the link's capacity is re-divided by water-filling: flows capped below the fair share
get their cap, the rest share what is left equally. Between such events every rate is constant, so the next
completion time is exact: a lone flow of ``n`` bytes at rate ``r`` that starts at ``t0`` ends at exactly
``t0 + n / r``.

The link schedules one simpy timeout per rate change (callback-driven, no process per flow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import simpy

DONE_WITHIN_S = 1e-9  # a flow with less than a nanosecond of transfer left has finished (float rounding)


@dataclass(eq=False)
class _Flow:
    remaining_bytes: float
    cap_Bps: float
    done: simpy.Event
    rate_Bps: float = 0.0


def fair_rates(caps_Bps: list[float], capacity_Bps: float) -> list[float]:
    """Max-min fair allocation of ``capacity_Bps`` among flows with the given caps (water-filling).

    Flows that are not capped all receive the same float value, so equal flows finish together exactly.
    """
    rates = [0.0] * len(caps_Bps)
    left = list(range(len(caps_Bps)))
    remaining = capacity_Bps
    while left:
        share = remaining / len(left)
        capped = [i for i in left if caps_Bps[i] <= share]
        if not capped:
            for i in left:
                rates[i] = share
            break
        for i in capped:
            rates[i] = caps_Bps[i]
            remaining -= caps_Bps[i]
        left = [i for i in left if caps_Bps[i] > share]
    return rates


@dataclass(eq=False)
class SharedLink:
    """A bandwidth ``capacity_Bps`` shared by the flows on it."""

    env: simpy.Environment
    capacity_Bps: float
    name: str = "link"
    _flows: list[_Flow] = field(default_factory=list)
    _last_s: float = 0.0
    _generation: int = 0
    bytes_moved: float = 0.0
    max_flows: int = 0

    def __post_init__(self) -> None:
        if not self.capacity_Bps > 0:
            raise ValueError(f"{self.name}: capacity must be positive")
        self._last_s = self.env.now

    @property
    def active_flows(self) -> int:
        return len(self._flows)

    def transfer(self, n_bytes: float, cap_Bps: float = math.inf) -> simpy.Event:
        """Start moving ``n_bytes`` at no more than ``cap_Bps``; the event fires when the last byte is in."""
        if not cap_Bps > 0:
            raise ValueError(f"{self.name}: a flow's rate cap must be positive")
        done = self.env.event()
        if n_bytes <= 0:
            done.succeed()
            return done
        self._advance()
        self._flows.append(_Flow(float(n_bytes), float(cap_Bps), done))
        self.bytes_moved += n_bytes
        self.max_flows = max(self.max_flows, len(self._flows))
        self._reschedule()
        return done

    def _advance(self) -> None:
        dt = self.env.now - self._last_s
        if dt > 0:
            for f in self._flows:
                f.remaining_bytes -= f.rate_Bps * dt
        self._last_s = self.env.now

    def _reschedule(self) -> None:
        self._generation += 1
        if not self._flows:
            return
        rates = fair_rates([f.cap_Bps for f in self._flows], self.capacity_Bps)
        for f, r in zip(self._flows, rates, strict=True):
            f.rate_Bps = r
        next_s = min(max(f.remaining_bytes, 0.0) / f.rate_Bps for f in self._flows)
        generation = self._generation
        timer = self.env.timeout(next_s)
        timer.callbacks.append(lambda _ev: self._on_timer(generation))

    def _on_timer(self, generation: int) -> None:
        if generation != self._generation:
            return  # the rates changed since this timer was set
        self._advance()
        finishing = min(self._flows, key=lambda f: f.remaining_bytes / f.rate_Bps)
        done = [f for f in self._flows if f is finishing or f.remaining_bytes <= f.rate_Bps * DONE_WITHIN_S]
        self._flows = [f for f in self._flows if f not in done]
        for f in done:
            f.done.succeed()
        self._reschedule()
