"""Compile a campaign on a platform under a control set into arrays both engines run.

For every plan (see :mod:`zsim.attacks.graph`) and every possible entry component, the compiler walks the plan's
steps through :mod:`zsim.attacks.actions`, keeps the capabilities as boolean rows, and records per step whether
it can be done at all, the components reached so far, and the effects that remain once certain blocks are
taken out. Effects are aggregated over the usable ways of doing a step by the *weakest common* rule: the
attacker picks the way a control bothers least, so an effect counts only if every usable way has it (at its
weakest). Entries that compile to identical rows form one *group*; a trial draws an entry and runs its group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from zsim.attacks.access import default_access_policy
from zsim.attacks.actions import ACTIONS
from zsim.attacks.builder import Builder, EffectOracle, StepOut
from zsim.attacks.effects import (
    AccessPolicy,
    ActionKind,
    Block,
    Deadline,
    Detect,
    RaiseEffort,
    StepContext,
    TokenExpiry,
)
from zsim.attacks.graph import CampaignGraph
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.schema import CampaignSpec, StepSpec
from zsim.attacks.table import PlatformTable, platform_table
from zsim.controls.registry import ControlSet
from zsim.errors import InputError


@dataclass(frozen=True)
class Dyn:
    """Effects left on a step once certain blocks are out (per group)."""

    effort: float = 1.0
    blocks: tuple[tuple[str, float, bool], ...] = ()  # (control, probability, alert)
    deadlines: tuple[tuple[str, Deadline], ...] = ()  # (control, deadline)
    detects: tuple[tuple[str, float, object], ...] = ()  # (control, probability, delay)


@dataclass(frozen=True)
class Window:
    kind: str  # "handoff": substitute in (open, close - upload]; loaded at close.  "consume": next read.
    period_s: float
    offsets: tuple[tuple[float, float], ...]  # handoff: (open, close); consume: (start, start)


@dataclass
class BlockSlot:
    control: str
    probability: np.ndarray  # per group
    alert: np.ndarray


@dataclass
class DeadlineSlot:
    control: str
    deadline: Deadline
    present: np.ndarray  # per group
    anchor_pos: int | None  # plan position of the credential's producer (token deadlines)
    anchor_step: str | None
    fresh: bool


@dataclass
class DetectSlot:
    control: str
    probability: np.ndarray
    delay: object


@dataclass
class CompiledStep:
    spec: StepSpec
    pos: int
    feasible: np.ndarray
    effort: np.ndarray
    extra_s: np.ndarray
    blocks: list[BlockSlot]
    deadlines: list[DeadlineSlot]
    detects: list[DetectSlot]
    window: Window | None


@dataclass
class CompiledPlan:
    index: int
    steps: list[CompiledStep]
    blast_n: np.ndarray  # groups × (steps + 1): components reached after j completed steps
    blast_bytes: np.ndarray


@dataclass
class CompiledCampaign:
    campaign: CampaignSpec
    platform: PlatformSpec
    table: PlatformTable
    tier: str
    plans: list[CompiledPlan]
    entries: np.ndarray  # component index of each possible entry
    entry_group: np.ndarray  # entry → group
    n_groups: int
    background_per_s: float
    contexts: dict[str, list[StepContext]] = field(default_factory=dict)  # step id → usable contexts (for docs)

    @property
    def horizon_s(self) -> float:
        return float(self.campaign.horizon_s)


def aggregate(oracle: EffectOracle, ctxs: Iterable[StepContext]) -> Dyn:
    per = [_effects(oracle.effects(c)) for c in ctxs]
    if not per:
        return Dyn()
    effort = min(p[0] for p in per)
    blocks = []
    for control in set.intersection(*(set(p[1]) for p in per)):
        prob = min(p[1][control][0] for p in per)
        blocks.append((control, prob, all(p[1][control][1] for p in per)))
    deadlines = _weakest_deadlines([p[2] for p in per])
    detects = []
    for key in set.intersection(*(set(p[3]) for p in per)):
        detects.append((key[0], min(p[3][key] for p in per), key[1]))
    return Dyn(effort, tuple(sorted(blocks)), tuple(sorted(deadlines, key=repr)), tuple(sorted(detects, key=repr)))


def _deadline_strength(deadline: Deadline) -> tuple[str, float]:
    """Comparable within a kind: the mean time a stolen token or revoked access still works (larger = weaker)."""
    if isinstance(deadline, TokenExpiry):
        return "token", deadline.ttl_s - deadline.refresh_period_s / 2
    return "renewal", deadline.period_s / 2


def _weakest_deadlines(per_way: list[set[tuple[str, Deadline]]]) -> set[tuple[str, Deadline]]:
    """Deadlines that bind whichever way the attacker takes: a control's deadline of one kind survives when
    every way has one, and the attacker gets the weakest of them (e.g. zoned tiers: 1 h tokens on one target,
    5 min on another -> 1 h). Within one way, deadlines of the same control and kind all apply: the strongest."""
    strongest: list[dict[tuple[str, str], Deadline]] = []
    for way in per_way:
        best: dict[tuple[str, str], Deadline] = {}
        for control, deadline in way:
            kind, strength = _deadline_strength(deadline)
            old = best.get((control, kind))
            if old is None or strength < _deadline_strength(old)[1]:
                best[(control, kind)] = deadline
        strongest.append(best)
    return {
        (key[0], max((way[key] for way in strongest), key=lambda d: _deadline_strength(d)[1]))
        for key in set.intersection(*(set(way) for way in strongest))
    }


def _effects(effects: tuple[object, ...]) -> tuple[float, dict[str, tuple[float, bool]], set[tuple[str, Deadline]],
                                                    dict[tuple[str, object], float]]:
    effort = 1.0
    blocks: dict[str, tuple[float, bool]] = {}
    deadlines: set[tuple[str, Deadline]] = set()
    detects: dict[tuple[str, object], float] = {}
    for e in effects:
        if isinstance(e, RaiseEffort):
            effort *= max(1.0, e.factor)
        elif isinstance(e, Block) and e.deadline is not None:
            deadlines.add((e.control, e.deadline))
        elif isinstance(e, Block):
            old = blocks.get(e.control, (0.0, True))
            blocks[e.control] = (1 - (1 - old[0]) * (1 - e.probability), old[1] and e.alert)
        elif isinstance(e, Detect) and e.probability > 0:
            key = (e.control, e.delay)
            detects[key] = 1 - (1 - detects.get(key, 0.0)) * (1 - e.probability)
    return effort, blocks, deadlines, detects


def compile_campaign(campaign: CampaignSpec, platform: PlatformSpec, controls: ControlSet,
                     policy: AccessPolicy | None = None) -> CompiledCampaign:
    table = platform_table(platform)
    graph = CampaignGraph(campaign)
    entries = np.flatnonzero(table.mask(campaign.entry.foothold))
    if entries.size == 0:
        raise InputError(f"matches no component of the platform: {campaign.entry.foothold.describe()}",
                         field="entry.foothold")
    oracle = EffectOracle(controls)
    builder = Builder(table, campaign.id, oracle, policy or default_access_policy(platform.trust_domain),
                      graph.kind, entries)
    rows = entries.size
    start = np.zeros((rows, table.n), dtype=bool)
    start[np.arange(rows), entries] = True
    memo: dict[tuple[str, ...], StepOut] = {}
    raw = []  # per plan: list of (StepSpec, StepOut, dyn ids, dyn list, window, anchor)
    contexts: dict[str, set[StepContext]] = {}
    for plan in graph.plans:
        state: dict[str, np.ndarray] = {graph.entry: start}
        reached = start.copy()
        blast_n, blast_b = [reached.sum(axis=1)], [reached @ table.data_bytes]
        steps = []
        for pos, sid in enumerate(plan.steps):
            spec = graph.steps[sid]
            key = (*plan.steps[:pos + 1],)
            out = memo.get(key)
            if out is None:
                out = ACTIONS[spec.action.kind](builder, spec, state, rows)
                memo[key] = out
            window, feasible = _window(spec, platform, out)
            dyns = [aggregate(oracle, s) for s in out.ctx_sets]
            for s in out.ctx_sets:
                contexts.setdefault(sid, set()).update(s)
            anchor = _anchor(spec, plan.steps[:pos], graph)
            steps.append((spec, feasible, out, dyns, window, anchor))
            for cap in spec.yields:
                state[cap] = state[cap] | out.payload if cap in state else out.payload
            reached = reached | out.reached
            blast_n.append(reached.sum(axis=1))
            blast_b.append(reached @ table.data_bytes)
        raw.append((plan.index, steps, np.stack(blast_n, axis=1), np.stack(blast_b, axis=1)))
    groups, entry_group, reps = _group(raw, rows)
    plans = [_plan_arrays(index, steps, bn, bb, reps, builder) for index, steps, bn, bb in raw]
    return CompiledCampaign(campaign, platform, table, controls.tier, plans, entries, entry_group, groups,
                            platform.defender.hazard_per_s,
                            {k: sorted(v, key=repr) for k, v in contexts.items()})


def _window(spec: StepSpec, platform: PlatformSpec, out: StepOut) -> tuple[Window | None, np.ndarray]:
    kind = spec.action.kind
    pipe = platform.pipeline
    if kind == ActionKind.SUBSTITUTE_ARTIFACT:
        upload = float(out.extra_s.max()) if out.extra_s.size else 0.0
        fits = tuple(w for w in pipe.windows(spec.action.at) if w[1] - w[0] >= upload)  # type: ignore[union-attr]
        feasible = out.feasible & bool(fits)
        return Window("handoff", float(pipe.period_s), fits), feasible
    if kind == ActionKind.INJECT_DATA:
        offsets = tuple((o, o) for o in pipe.consume_offsets())
        return Window("consume", float(pipe.period_s), offsets), out.feasible & bool(offsets)
    return None, out.feasible


def _anchor(spec: StepSpec, before: tuple[str, ...], graph: CampaignGraph) -> tuple[int | None, str | None]:
    cred = getattr(spec.action, "credential", None)
    if cred is None:
        return None, None
    producers = [i for i, s in enumerate(before) if cred in graph.steps[s].yields]
    return (producers[-1], before[producers[-1]]) if producers else (None, None)


def _group(raw: list, rows: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Entries with identical compiled rows → groups. Returns (count, entry → group, group → representative)."""
    cols = []
    for _, steps, bn, bb in raw:
        for _, feasible, out, _, _, _ in steps:
            cols += [feasible.astype(float), out.ctx_ids.astype(float), out.extra_s]
        cols += [bn[:, j].astype(float) for j in range(bn.shape[1])]
        cols += [bb[:, j] for j in range(bb.shape[1])]
    sig = np.stack(cols, axis=1) if cols else np.zeros((rows, 1))
    _, reps, inverse = np.unique(sig, axis=0, return_index=True, return_inverse=True)
    return reps.size, inverse.reshape(-1), reps


def _plan_arrays(index: int, steps: list, blast_n: np.ndarray, blast_b: np.ndarray, reps: np.ndarray,
                 builder: Builder) -> CompiledPlan:
    out_steps = []
    for pos, (spec, feasible, out, dyns, window, anchor) in enumerate(steps):
        g_dyn = [dyns[i] for i in out.ctx_ids[reps]] if dyns else [Dyn()] * reps.size
        blocks = sorted({b[0] for d in g_dyn for b in d.blocks})
        deadlines = sorted({dl for d in g_dyn for dl in d.deadlines}, key=repr)
        detects = sorted({(c, delay) for d in g_dyn for c, _, delay in d.detects}, key=repr)
        cred = getattr(spec.action, "credential", None)
        out_steps.append(CompiledStep(
            spec=spec, pos=pos, feasible=feasible[reps], window=window,
            effort=np.array([d.effort for d in g_dyn]), extra_s=out.extra_s[reps],
            blocks=[BlockSlot(c, np.array([_get(d.blocks, c, 1) for d in g_dyn]),
                              np.array([bool(_get(d.blocks, c, 2)) for d in g_dyn])) for c in blocks],
            deadlines=[DeadlineSlot(c, dl, np.array([(c, dl) in d.deadlines for d in g_dyn]), anchor[0], anchor[1],
                                    builder.fresh.get(cred, False) if cred else False) for c, dl in deadlines],
            detects=[DetectSlot(c, np.array([_prob(d.detects, c, delay) for d in g_dyn]), delay)
                     for c, delay in detects],
        ))
    return CompiledPlan(index, out_steps, blast_n[reps], blast_b[reps])


def _get(items: tuple[tuple[str, float, bool], ...], control: str, i: int) -> float:
    for item in items:
        if item[0] == control:
            return float(item[i])
    return 0.0


def _prob(items: tuple[tuple[str, float, object], ...], control: str, delay: object) -> float:
    for c, p, d in items:
        if c == control and d == delay:
            return p
    return 0.0


def stream_key(*parts: str) -> str:
    """Name of a per-step random stream (keyed by names, never by position: common random numbers)."""
    return "attack." + ".".join(parts)

