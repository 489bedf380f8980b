"""What every action needs: the effect oracle, the per-step output, and the builder holding the platform
table, the campaign, the policy and the position of each row (one row per possible entry component).

Helpers here turn per-row boolean matrices into deduplicated sets of contexts (the ways a step can be done),
which the compiler aggregates into the effects that remain on the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zsim.attacks.effects import Block, ComponentView, Effect, Identity, StepContext
from zsim.attacks.schema import CapKind, StepSpec
from zsim.attacks.table import PlatformTable
from zsim.controls.registry import ControlSet


class EffectOracle:
    """Every active control's effects on a context, evaluated once per context."""

    def __init__(self, controls: ControlSet) -> None:
        self.controls = list(controls.active())
        # zoned tiers: the controls that protect a component depend on its sensitivity
        self.by_sensitivity = {level: list(zone.active()) for level, zone in controls.zones.items()}
        self._cache: dict[StepContext, tuple[Effect, ...]] = {}

    def _controls_for(self, ctx: StepContext) -> list:  # type: ignore[type-arg]
        """Controls are enforced where the protected resource lives: the target's zone, else the source's."""
        where = ctx.target or ctx.source
        if where is None or not self.by_sensitivity:
            return self.controls
        return self.by_sensitivity.get(where.sensitivity, self.controls)

    def effects(self, ctx: StepContext) -> tuple[Effect, ...]:
        hit = self._cache.get(ctx)
        if hit is None:
            hit = tuple(e for c in self._controls_for(ctx) for e in c.attack_effects(ctx))
            self._cache[ctx] = hit
        return hit

    def usable(self, ctx: StepContext) -> bool:
        return not any(isinstance(e, Block) and e.certain for e in self.effects(ctx))


@dataclass
class StepOut:
    feasible: np.ndarray  # rows
    payload: np.ndarray  # rows × width (components, nodes, credentials, or 1 for a flag)
    reached: np.ndarray  # rows × components
    ctx_ids: np.ndarray  # rows → index into ctx_sets
    ctx_sets: list[frozenset[StepContext]]
    extra_s: np.ndarray  # rows


class Builder:
    """What actions need: the table, the campaign and step being compiled, the effect oracle and the policy."""

    def __init__(self, table: PlatformTable, campaign_id: str, oracle: EffectOracle, policy: object,
                 cap_kind: Callable[[str], CapKind], entries: np.ndarray) -> None:
        self.t = table
        self.entries = entries  # component index of each row's entry
        self.campaign_id = campaign_id
        self.oracle = oracle
        self.policy = policy
        self.cap_kind = cap_kind
        self.fresh: dict[str, bool] = {}  # credential capability → minted for the attacker

    def ctx(self, step: StepSpec, **kw: object) -> StepContext:
        return StepContext(self.campaign_id, step.id, step.action.kind, step.technique,
                           policy=self.policy, **kw)  # type: ignore[arg-type]

    def position(self, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
        """(components, nodes) the attacker acts from: footholds, access, and everything on held hosts."""
        f = np.zeros((rows, self.t.n), dtype=bool)
        h = np.zeros((rows, max(self.t.n_nodes, 1)), dtype=bool)
        for ref in step.action.source:
            payload = state.get(ref)
            if payload is None:
                continue
            if self.cap_kind(ref) == CapKind.HOST:
                h |= payload
                f |= self.t.on_nodes(payload)
            else:
                f |= payload
        return f, h

    def targets(self, step: StepSpec) -> np.ndarray:
        """rows × components: what ``to`` selects for each row (``cross_tenant``: outside the entry's tenant)."""
        action = step.action
        mask = np.broadcast_to(self.t.mask(action.to), (self.entries.size, self.t.n))  # type: ignore[union-attr]
        if getattr(action, "cross_tenant", False):
            tid = self.t.tenant_id
            mask = mask & (tid[None, :] >= 0) & (tid[None, :] != tid[self.entries][:, None])
        return mask

    # --- shared shapes ------------------------------------------------------------------------------------
    def per_class(self, step: StepSpec, present: np.ndarray, make: Callable[[ComponentView], StepContext]
                  ) -> tuple[np.ndarray, list[frozenset[StepContext]], np.ndarray]:
        """Local actions: one context per source class. Returns usable classes, context sets, row ids."""
        ctxs = {a: make(self.t.class_views[a]) for a in np.flatnonzero(present.any(axis=0))}
        usable = np.zeros(self.t.n_cls, dtype=bool)
        for a, c in ctxs.items():
            usable[a] = self.oracle.usable(c)
        sets, ids = row_sets(present & usable, lambda row: [ctxs[a] for a in np.flatnonzero(row)])
        return usable, sets, ids

    def pairs(self, src_cls: np.ndarray, dst_cls: np.ndarray, make: Callable[[int, int], StepContext | None]
              ) -> tuple[np.ndarray, dict[tuple[int, int], StepContext]]:
        """Class pairs (a in any row's sources, b a target class) with a usable context."""
        usable = np.zeros((self.t.n_cls, self.t.n_cls), dtype=bool)
        ctxs: dict[tuple[int, int], StepContext] = {}
        for a in np.flatnonzero(src_cls.any(axis=0)):
            for b in np.flatnonzero(dst_cls):
                c = make(int(a), int(b))
                if c is not None and self.oracle.usable(c):
                    usable[a, b] = True
                    ctxs[(int(a), int(b))] = c
        return usable, ctxs


def row_sets(rows: np.ndarray, contexts: Callable[[np.ndarray], list[StepContext]]
              ) -> tuple[list[frozenset[StepContext]], np.ndarray]:
    """Deduplicated context sets per row of a boolean matrix (rows hashed as packed bits)."""
    ids = np.empty(rows.shape[0], dtype=np.int64)
    seen: dict[bytes, int] = {}
    reps: list[int] = []
    for i, packed in enumerate(np.packbits(rows, axis=1)):
        key = packed.tobytes()
        j = seen.get(key)
        if j is None:
            j = seen[key] = len(reps)
            reps.append(i)
        ids[i] = j
    return [frozenset(contexts(rows[i])) for i in reps], ids


def pair_sets(src_cls: np.ndarray, dst_cls: np.ndarray, usable: np.ndarray,
               ctxs: dict[tuple[int, int], StepContext]) -> tuple[list[frozenset[StepContext]], np.ndarray]:
    """Context sets of the usable (source class, target class) pairs of each row."""
    n = src_cls.shape[1]

    def contexts(row: np.ndarray) -> list[StepContext]:
        s_row, d_row = row[:n], row[n:]
        return [ctxs[(a, b)] for a in np.flatnonzero(s_row) for b in np.flatnonzero(usable[a] & d_row)]

    return row_sets(np.concatenate([src_cls, dst_cls], axis=1), contexts)


def reach_pairs(t: PlatformTable, src: np.ndarray, usable: np.ndarray, target: np.ndarray) -> np.ndarray:
    """rows × components: targets in a class that some source class of the row may use."""
    return t.expand_classes((src.astype(np.float32) @ usable.astype(np.float32)) > 0) & target


def step_out(feasible: np.ndarray, payload: np.ndarray, reached: np.ndarray, sets: list[frozenset[StepContext]],
         ids: np.ndarray, extra_s: np.ndarray | None = None) -> StepOut:
    rows = feasible.shape[0]
    return StepOut(feasible, payload, reached, ids, sets, np.zeros(rows) if extra_s is None else extra_s)


def flag_rows(feasible: np.ndarray) -> np.ndarray:
    return feasible[:, None].copy()


# --- actions -------------------------------------------------------------------------------------------------


def identity_of(v: ComponentView) -> Identity:
    return Identity(v.type, v.tenant)
