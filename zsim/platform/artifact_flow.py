"""Moving an artifact across a boundary: what the controls add to the transfer, and verification beside it.

Platform code calls controls only through their hooks (``transfer`` and ``artifact_verify``); this module sums
what every active control returns and times a boundary crossing:

    crossing = max(transfer, overlappable part of each check) + sum of the checks' serial parts

where each check is one party's :class:`~zsim.controls.base.ArtifactCost` (a producer signing while it pushes,
the registry verifying what it receives). Overlappable parts start with the transfer and run side by side; the
serial parts follow in order, since a signature can only be checked once it exists.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy

from zsim.controls.base import ArtifactCost, Plane
from zsim.controls.registry import ControlSet


@dataclass(frozen=True)
class TransferTerms:
    """The controls' combined effect on one transfer."""

    cap_Bps: float = math.inf  # the slowest control's rate cap
    line_rate_fraction: float = 1.0  # what is left of a link's line rate (e.g. inline crypto)
    setup_s: float = 0.0  # handshakes, extra round trips and per-message costs, before the bytes flow
    cpu_s: float = 0.0

    def flow_cap_Bps(self, link_Bps: float) -> float:
        """A flow's rate limit on a link of ``link_Bps`` line rate."""
        return min(link_Bps * self.line_rate_fraction, self.cap_Bps)


def transfer_terms(
    controls: ControlSet, plane: Plane, n_bytes: float, messages: int, *, rtt_s: float
) -> TransferTerms:
    """Every active control's cost of moving ``n_bytes`` in ``messages`` requests over ``plane``."""
    cap, fraction, setup, cpu = math.inf, 1.0, 0.0, 0.0
    for control in controls.active():
        fraction *= float(control.line_rate_fraction(plane))
        cost = control.transfer(plane, n_bytes, messages)
        if cost is None:
            continue
        if cost.rate_cap_Bps is not None:
            cap = min(cap, cost.rate_cap_Bps)
        setup += cost.setup_s + cost.setup_rtts * rtt_s + cost.per_message_s * messages
        cpu += cost.cpu_s_per_byte * n_bytes
    if not 0 < fraction <= 1:
        raise ValueError(f"controls leave a line-rate fraction of {fraction} on {plane}; expected (0, 1]")
    return TransferTerms(cap, fraction, setup, cpu)


def verification_cost(controls: ControlSet, size_bytes: float, boundary: str) -> ArtifactCost:
    """Every active control's cost of checking (or, at ``sign:*``, producing) an artifact at ``boundary``."""
    cpu = wall = overlappable = 0.0
    for control in controls.active():
        cost = control.artifact_verify(size_bytes, boundary)
        if cost is None:
            continue
        cpu += cost.cpu_s
        wall += cost.wall_s
        overlappable += cost.overlappable_wall_s
    return ArtifactCost(cpu_s=cpu, wall_s=wall, overlappable_wall_s=overlappable)


def crossing(
    env: simpy.Environment, transfer: simpy.Event | None, checks: Sequence[ArtifactCost]
) -> Generator[simpy.Event, Any, list[float]]:
    """Process step: wait for the transfer and the overlappable checks together, then each serial part.

    Returns each check's own duration as it happened (overlappable part from the crossing's start, plus its
    serial part). Timeouts are only scheduled for non-zero durations, so with no check a crossing ends exactly
    when the transfer does.
    """
    t0 = env.now
    durations = [0.0] * len(checks)
    waits = [] if transfer is None else [transfer]
    for i, check in enumerate(checks):
        if check.overlappable_wall_s > 0:
            timer = env.timeout(check.overlappable_wall_s)
            timer.callbacks.append(lambda _e, i=i: durations.__setitem__(i, env.now - t0))
            waits.append(timer)
    if len(waits) == 1:
        yield waits[0]
    elif waits:
        yield env.all_of(waits)
    for i, check in enumerate(checks):
        if check.wall_s > 0:
            start = env.now
            yield env.timeout(check.wall_s)
            durations[i] += env.now - start
    return durations


@dataclass
class Ledger:
    """CPU-seconds, check durations and counts spent on integrity and transfers during a run."""

    verify_cpu_s: dict[str, float] = field(default_factory=dict)  # boundary → CPU-seconds
    sign_cpu_s: float = 0.0
    transfer_cpu_s: float = 0.0
    wall_s: dict[str, list[float]] = field(default_factory=dict)  # boundary → each check's duration

    def add_check(self, boundary: str, cost: ArtifactCost, wall_s: float) -> None:
        if cost.cpu_s == 0 and cost.wall_s == 0 and cost.overlappable_wall_s == 0:
            return
        self.wall_s.setdefault(boundary, []).append(wall_s)
        if boundary.startswith("sign:"):
            self.sign_cpu_s += cost.cpu_s
        else:
            self.verify_cpu_s[boundary] = self.verify_cpu_s.get(boundary, 0.0) + cost.cpu_s

    def mean_wall_s(self, boundary: str) -> float:
        """Mean duration of the checks at ``boundary`` (0 when none ran: the mode is ``none``)."""
        walls = self.wall_s.get(boundary, [])
        return sum(walls) / len(walls) if walls else 0.0
