"""The fast engine: every trial of a compiled campaign at once, as numpy arrays.

Per trial the engine draws, from named streams of the replication (never by position, so that switching a
control cannot shift any other draw): the entry component, every step's time-to-compromise uniform, success
uniform, hazard exponential and detection uniforms, each control's block uniform per step, the pipeline phase,
the periodic checks' phases, the token ages and renewal phases, and one background-detection exponential.
Each plan then runs step by step, in order (see :mod:`zsim.attacks.graph`):

* a step is attempted if the previous ones succeeded, it can be done on this platform, and the horizon has
  not passed; it takes ``ttc × effort`` (plus transfers, plus waiting for a pipeline window where it needs one);
* it succeeds if its success uniform is under its probability, no control's block uniform is under that
  control's block probability, and it completes before every deadline (a stolen token's expiry counted from the
  theft, a revoked access's next re-evaluation counted from the revocation at time 0);
* detection evicts: the step's own hazard while it runs, per-action detections after their delays (or at the
  next periodic check), alerts from blocked attempts, and the background hazard of the defender;
* the plan reaches the goal at the last step's completion if that is before eviction and the horizon.

A trial is compromised if any plan reaches the goal; its time to compromise is the earliest such time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zsim.attacks.compile import CompiledCampaign, CompiledPlan, stream_key
from zsim.attacks.effects import NextRenewal, Periodic, TokenExpiry
from zsim.attacks.timing import delay_ppf, handoff_load, next_consume, next_tick, renewal_age, renewal_residual
from zsim.rng import ReplicationSeeds

CHUNK = 1 << 16


@dataclass
class TrialResults:
    success: np.ndarray  # bool
    ttc_s: np.ndarray  # inf where not compromised
    detected: np.ndarray  # bool
    ttd_s: np.ndarray  # inf where not detected
    blast_n: np.ndarray  # components reached (largest over plans)
    blast_bytes: np.ndarray
    entry: np.ndarray  # component index of the entry
    plan: np.ndarray  # plan that reached the goal first, -1 if none

    @property
    def trials(self) -> int:
        return int(self.success.shape[0])

    @staticmethod
    def concat(parts: list[TrialResults]) -> TrialResults:
        fields = TrialResults.__dataclass_fields__
        return TrialResults(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


class Draws:
    """Uniforms of one chunk, each from its own named stream, created on first use."""

    def __init__(self, seeds: ReplicationSeeds, campaign: str, n: int, chunk: int) -> None:
        self.seeds, self.campaign, self.n, self.chunk = seeds, campaign, n, chunk
        self._cache: dict[tuple[str, ...], np.ndarray] = {}

    def u(self, *name: str) -> np.ndarray:
        hit = self._cache.get(name)
        if hit is None:
            hit = self.seeds.stream(stream_key(self.campaign, *name), self.chunk).random(self.n)
            self._cache[name] = hit
        return hit

    def exp(self, *name: str) -> np.ndarray:
        return -np.log1p(-self.u(*name))


def simulate(cc: CompiledCampaign, seeds: ReplicationSeeds, trials: int, *, chunk: int = CHUNK) -> TrialResults:
    if trials < 1:
        raise ValueError("trials must be >= 1")
    parts = [_chunk(cc, Draws(seeds, cc.campaign.id, min(chunk, trials - start), start // chunk))
             for start in range(0, trials, chunk)]
    return TrialResults.concat(parts) if len(parts) > 1 else parts[0]


def _chunk(cc: CompiledCampaign, d: Draws) -> TrialResults:
    n = d.n
    entry = np.minimum((d.u("entry") * cc.entries.size).astype(np.int64), cc.entries.size - 1)
    g = cc.entry_group[entry]
    bg = d.exp("background") / cc.background_per_s if cc.background_per_s > 0 else np.full(n, np.inf)
    runs = [_plan(cc, p, d, g, bg) for p in cc.plans]
    goal = np.stack([r[0] for r in runs])  # plans × trials: goal time or inf
    det = np.stack([r[1] for r in runs])
    blast_n = np.stack([r[2] for r in runs]).max(axis=0)
    blast_b = np.stack([r[3] for r in runs]).max(axis=0)
    ttc = goal.min(axis=0)
    success = np.isfinite(ttc)
    plan = np.where(success, goal.argmin(axis=0), -1)
    chosen = det[np.maximum(plan, 0), np.arange(n)]
    ttd = np.where(success, chosen, det.min(axis=0))
    return TrialResults(success, ttc, np.isfinite(ttd), ttd, blast_n, blast_b, cc.entries[entry], plan)


def _plan(cc: CompiledCampaign, plan: CompiledPlan, d: Draws, g: np.ndarray, bg: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = d.n
    horizon = cc.horizon_s
    period = float(cc.platform.pipeline.period_s)
    t = np.zeros(n)
    t_last = np.zeros(n)  # end of the last attempted step (a failed attempt still takes its time)
    alive = np.ones(n, dtype=bool)
    det = np.full(n, np.inf)
    progress = np.zeros(n, dtype=np.int64)
    counting = np.ones(n, dtype=bool)
    acquired: dict[int, np.ndarray] = {}
    for cs in plan.steps:
        spec = cs.spec
        sid = spec.id
        attempt = alive & cs.feasible[g] & (t < horizon)
        dur = spec.ttc.ppf(d.u(sid, "ttc")) * cs.effort[g]
        start = t
        ready = start + dur
        if cs.window is None:
            complete = ready + cs.extra_s[g]
        elif cs.window.kind == "handoff":
            complete = handoff_load(ready, cs.extra_s[g], d.u("pipeline-phase") * period, period, cs.window.offsets)
        else:
            complete = next_consume(ready + cs.extra_s[g], d.u("pipeline-phase") * period, period,
                                    cs.window.offsets)
        hazard = spec.detection.hazard_per_s
        if hazard > 0:
            caught = start + d.exp(sid, "hazard") / hazard
            det = np.where(attempt & (caught < ready), np.minimum(det, caught), det)
        ok = attempt & (d.u(sid, "success") < spec.p_success)
        acted = attempt & (complete <= horizon)  # the attacker gives up at the horizon, mid-step
        for slot in cs.blocks:
            blocked = d.u(sid, "block", slot.control) < slot.probability[g]
            ok &= ~blocked
            alert = acted & blocked & slot.alert[g]
            det = np.where(alert, np.minimum(det, complete), det)
        for dl in cs.deadlines:
            until = _deadline(dl, d, acquired)
            ok &= ~dl.present[g] | (complete < until)
        done = ok & (complete < np.minimum(det, bg)) & (complete <= horizon) & counting
        progress += done
        counting &= done
        det = _action_detection(cs, spec, d, g, acted, complete, det)
        acquired[cs.pos] = complete
        t_last = np.where(attempt, complete, t_last)
        alive = ok
        t = np.where(alive, complete, t)
    goal_time = np.where(alive & (t <= horizon), t, np.inf)
    reached = goal_time < np.minimum(det, bg)
    goal = np.where(reached, goal_time, np.inf)
    end = np.where(reached, goal, np.minimum(np.maximum(t_last, t), horizon))
    det_total = np.minimum(det, np.where(bg < end, bg, np.inf))
    return goal, det_total, plan.blast_n[g, progress], plan.blast_bytes[g, progress]


def _deadline(dl: object, d: Draws, acquired: dict[int, np.ndarray]) -> np.ndarray:
    spec = dl.deadline  # type: ignore[attr-defined]
    if isinstance(spec, TokenExpiry):
        key = ("token", dl.anchor_step or "none", dl.control)  # type: ignore[attr-defined]
        if dl.fresh:  # type: ignore[attr-defined]
            age = np.zeros(d.n)
        else:
            age = renewal_age(d.u(*key, "length"), d.u(*key, "position"), spec.refresh_period_s,
                              spec.jitter_fraction)
        anchor = acquired.get(dl.anchor_pos, np.zeros(d.n)) if dl.anchor_pos is not None else np.zeros(d.n)  # type: ignore[attr-defined]
        return anchor + np.maximum(spec.ttl_s - age, 0.0)
    if isinstance(spec, NextRenewal):
        key = ("renewal", dl.control)  # type: ignore[attr-defined]
        return renewal_residual(d.u(*key, "length"), d.u(*key, "position"), spec.period_s, spec.jitter_fraction)
    raise TypeError(f"unknown deadline {spec!r}")


def _action_detection(cs: object, spec: object, d: Draws, g: np.ndarray, attempt: np.ndarray,
                      complete: np.ndarray, det: np.ndarray) -> np.ndarray:
    sid = spec.id  # type: ignore[attr-defined]
    own = spec.detection  # type: ignore[attr-defined]
    if own.probability > 0:
        fires = attempt & (d.u(sid, "detect", "campaign") < own.probability)
        det = np.where(fires, np.minimum(det, complete + own.delay.ppf(d.u(sid, "delay", "campaign"))), det)
    for slot in cs.detects:  # type: ignore[attr-defined]
        fires = attempt & (d.u(sid, "detect", slot.control) < slot.probability[g])
        if isinstance(slot.delay, Periodic):
            when = next_tick(complete, d.u("periodic", slot.control) * slot.delay.interval_s, slot.delay.interval_s)
        else:
            when = complete + delay_ppf(slot.delay, d.u(sid, "delay", slot.control))
        det = np.where(fires, np.minimum(det, when), det)
    return det
