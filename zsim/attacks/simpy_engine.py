"""The simpy reference engine: the attacker as a process beside the platform's processes.

Per trial one :class:`simpy.Environment` holds

* a **token service** per stolen credential, reissuing the token every refresh period (± jitter) from a
  stationary start; the attacker takes the token current at the theft (or one minted for it) and the token
  works until its own expiry;
* a **renewal process** per revocation bound (token refresh with re-evaluation, cached decision expiry): access
  revoked at time 0 keeps working until its first tick;
* the **pipeline**, running stages every period from a random phase; artifacts can be swapped only while a
  hand-off window is open and are loaded when it closes; poisoned data is read when a training stage starts;
* **periodic checkers** that look at tampered runtimes at every tick;
* the **monitor** and the **background detector**, whose detections interrupt (evict) the attacker;
* one **attacker process per plan**, doing the plan's steps in order.

It shares the compiled platform facts (which ways exist, which effects remain) with the fast engine but none of
its timing code: the fast path's closed forms are checked against this engine statistically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from zsim.attacks.compile import CompiledCampaign, CompiledPlan, CompiledStep
from zsim.attacks.effects import NextRenewal, Periodic, TokenExpiry
from zsim.attacks.montecarlo import TrialResults
from zsim.attacks.platform import PipelineSpec
from zsim.attacks.timing import delay_ppf
from zsim.rng import ReplicationSeeds


class Evicted(Exception):
    pass


@dataclass
class Token:
    issued_s: float
    expires_s: float


class TokenService:
    def __init__(self, env: simpy.Environment, rng: np.random.Generator, spec: TokenExpiry) -> None:
        self.env, self.rng, self.spec = env, rng, spec
        # stationary start: the current interval is length-biased, the start instant uniform inside it
        first = _length_biased(rng, spec.refresh_period_s, spec.jitter_fraction)
        age = rng.random() * first
        self.current = Token(-age, -age + spec.ttl_s)
        self.needed = True  # cleared once no attacker can still steal from it (saves events, not results)
        env.process(self._run(first - age))

    def _interval(self) -> float:
        j = self.spec.jitter_fraction
        return self.spec.refresh_period_s * (1 + (self.rng.uniform(-j, j) if j > 0 else 0.0))

    def _run(self, wait_s: float):  # type: ignore[no-untyped-def]
        while self.needed:
            yield self.env.timeout(wait_s)
            self.current = Token(self.env.now, self.env.now + self.spec.ttl_s)
            wait_s = self._interval()

    def mint(self) -> Token:
        return Token(self.env.now, self.env.now + self.spec.ttl_s)


class Renewal:
    """Access revoked at time 0 ends at the first tick of this process."""

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, spec: NextRenewal) -> None:
        first = _length_biased(rng, spec.period_s, spec.jitter_fraction)
        self.ended_s = math.inf
        self.env = env
        env.process(self._run((1 - rng.random()) * first))

    def _run(self, wait_s: float):  # type: ignore[no-untyped-def]
        yield self.env.timeout(wait_s)
        self.ended_s = self.env.now


def _length_biased(rng: np.random.Generator, period: float, jitter: float) -> float:
    if jitter <= 0:
        return period
    a, b = period * (1 - jitter), period * (1 + jitter)
    return math.sqrt(a * a + rng.random() * (b * b - a * a))


class Pipeline:
    """Runs every period from a random phase; publishes window openings and data reads as events."""

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, spec: PipelineSpec) -> None:
        self.env, self.spec = env, spec
        self.open: dict[str, tuple[float, float] | None] = {"storage": None, "registry": None}
        self.opened = {k: env.event() for k in self.open}
        self.reading = env.event()
        self.needed = True
        phase = rng.random() * spec.period_s
        env.process(self._runs(phase - spec.period_s))

    def _runs(self, start: float):  # type: ignore[no-untyped-def]
        while self.needed:
            t = start
            for stage in self.spec.stages:
                if stage.reads_data and t >= self.env.now:
                    yield from self._at(t)
                    self._fire("reading")
                t += stage.duration_s
                if stage.output in self.open and t + stage.gap_s > self.env.now:
                    yield from self._at(t)
                    self.open[stage.output] = (t, t + stage.gap_s)
                    self._fire(stage.output)
                    yield from self._at(t + stage.gap_s)
                    self.open[stage.output] = None
                t += stage.gap_s
            start += self.spec.period_s
            yield from self._at(start)

    def _at(self, t: float):  # type: ignore[no-untyped-def]
        if t > self.env.now:
            yield self.env.timeout(t - self.env.now)

    def _fire(self, key: str) -> None:
        if key == "reading":
            event, self.reading = self.reading, self.env.event()
        else:
            event, self.opened[key] = self.opened[key], self.env.event()
        event.succeed(self.env.now)

    def substitute(self, output: str, upload_s: float):  # type: ignore[no-untyped-def]
        """Wait for an open window with room for the upload, upload, and return when the next stage loads."""
        while True:
            window = self.open[output]
            if window is not None and window[1] - self.env.now >= upload_s:
                yield self.env.timeout(upload_s)
                yield from self._at(window[1])
                return
            yield self.opened[output]

    def next_read(self):  # type: ignore[no-untyped-def]
        yield self.reading


@dataclass
class PlanRun:
    goal_s: float = math.inf
    det_s: float = math.inf
    progress: int = 0
    active: bool = True
    end_s: float = math.inf
    proc: simpy.Process | None = None
    tampered: list[tuple[float, str]] = field(default_factory=list)  # (time, periodic control) to be checked


class Trial:
    def __init__(self, cc: CompiledCampaign, rng: np.random.Generator) -> None:
        self.cc, self.rng = cc, rng
        self.env = simpy.Environment()
        self.entry = int(rng.integers(cc.entries.size))
        self.g = int(cc.entry_group[self.entry])
        windows = any(cs.window is not None for p in cc.plans for cs in p.steps)
        self.pipeline = Pipeline(self.env, rng, cc.platform.pipeline) if windows else None
        self.tokens: dict[tuple[str | None, str], TokenService] = {}
        self.renewals: dict[str, Renewal] = {}
        self.checkers: dict[str, Periodic] = {}
        self.runs: list[PlanRun] = []
        for plan in cc.plans:
            for cs in plan.steps:
                for dl in cs.deadlines:
                    if isinstance(dl.deadline, TokenExpiry):
                        key = (dl.anchor_step, dl.control)
                        if key not in self.tokens:
                            self.tokens[key] = TokenService(self.env, rng, dl.deadline)
                    elif dl.control not in self.renewals:
                        self.renewals[dl.control] = Renewal(self.env, rng, dl.deadline)
                for slot in cs.detects:
                    if isinstance(slot.delay, Periodic):
                        self.checkers.setdefault(slot.control, slot.delay)
        for control, periodic in self.checkers.items():
            self.env.process(self._checker(control, periodic))
        if cc.background_per_s > 0:
            self.env.process(self._background(rng.exponential(1 / cc.background_per_s)))
        self.env.process(self._give_up(cc.horizon_s))
        self.fresh = {(dl.anchor_step, dl.control): dl.fresh for p in cc.plans for s in p.steps
                      for dl in s.deadlines if isinstance(dl.deadline, TokenExpiry)}
        self.latest_s = 0.0
        self._draws: dict[tuple[str, ...], float] = {}
        self._released: set[tuple[int, int]] = set()
        self._users: dict[int, int] = {}
        for plan in cc.plans:
            for resource in self._needs(plan):
                self._users[id(resource)] = self._users.get(id(resource), 0) + 1
        for plan in cc.plans:
            run = PlanRun()
            run.proc = self.env.process(self._attacker(plan, run))
            self.runs.append(run)

    def u(self, *key: str) -> float:
        """One uniform per (step, purpose) and trial, shared by every plan: the plans are alternative histories
        of the same trial, so a step takes the same time and meets the same luck in each of them."""
        hit = self._draws.get(key)
        if hit is None:
            hit = self._draws[key] = float(self.rng.random())
        return hit

    # --- defenders ------------------------------------------------------------------------------------------
    def _evict(self, run: PlanRun, when: float) -> None:
        run.det_s = min(run.det_s, when)
        if run.active and run.proc is not None and run.proc.is_alive and run.proc is not self.env.active_process:
            run.proc.interrupt("detected")

    def _detect_later(self, run: PlanRun, delay_s: float):  # type: ignore[no-untyped-def]
        yield self.env.timeout(delay_s)
        self._evict(run, self.env.now)

    def _background(self, at_s: float):  # type: ignore[no-untyped-def]
        yield self.env.timeout(at_s)
        for run in self.runs:
            if run.active:
                self._evict(run, self.env.now)

    def _give_up(self, horizon_s: float):  # type: ignore[no-untyped-def]
        yield self.env.timeout(horizon_s)
        for run in self.runs:
            if run.active and run.proc is not None and run.proc.is_alive:
                run.proc.interrupt("horizon")

    def _checker(self, control: str, periodic: Periodic):  # type: ignore[no-untyped-def]
        yield self.env.timeout(self.rng.random() * periodic.interval_s)
        while True:
            for run in self.runs:
                if any(c == control and t <= self.env.now for t, c in run.tampered):
                    run.tampered = [(t, c) for t, c in run.tampered if c != control]
                    self._evict(run, self.env.now)
            yield self.env.timeout(periodic.interval_s)

    # --- the attacker ---------------------------------------------------------------------------------------
    def _attacker(self, plan: CompiledPlan, run: PlanRun):  # type: ignore[no-untyped-def]
        env, g = self.env, self.g
        stolen: dict[int, dict[str, Token]] = {}
        try:
            for cs in plan.steps:
                if not cs.feasible[g] or env.now >= self.cc.horizon_s:
                    break
                ok = yield from self._step(cs, run, stolen)
                self._release(plan, cs.pos)
                if not ok:
                    break
            else:
                if env.now <= self.cc.horizon_s:
                    run.goal_s = env.now
        except simpy.Interrupt:
            pass
        except Evicted:
            pass
        run.active = False
        run.end_s = min(env.now, self.cc.horizon_s)
        self._release(plan, len(plan.steps))

    def _needs(self, plan: CompiledPlan) -> dict[object, int]:
        """Platform processes a plan still depends on, with the last step position that needs each."""
        out: dict[object, int] = {}
        for cs in plan.steps:
            if cs.window is not None and self.pipeline is not None:
                out[self.pipeline] = cs.pos
            for (anchor, _), service in self.tokens.items():
                if anchor == cs.spec.id:
                    out[service] = cs.pos
        return out

    def _release(self, plan: CompiledPlan, done_pos: int) -> None:
        """After a plan's step ``done_pos`` (or its end), stop processes that no plan needs any more."""
        for resource, last in self._needs(plan).items():
            key = (plan.index, id(resource))
            if last <= done_pos and key not in self._released:
                self._released.add(key)
                self._users[id(resource)] -= 1
                if self._users[id(resource)] == 0:
                    resource.needed = False  # type: ignore[attr-defined]

    def _step(self, cs: CompiledStep, run: PlanRun, stolen: dict[int, dict[str, Token]]):  # type: ignore[no-untyped-def]
        env, g, spec = self.env, self.g, cs.spec
        sid = spec.id
        dur = float(spec.ttc.ppf(np.array([self.u(sid, "ttc")]))[0]) * float(cs.effort[g])
        hazard = spec.detection.hazard_per_s
        if hazard > 0:
            caught = -math.log1p(-self.u(sid, "hazard")) / hazard
            if caught < dur:
                env.process(self._detect_later(run, caught))
        yield env.timeout(dur)
        if cs.window is None:
            yield env.timeout(float(cs.extra_s[g]))
        elif cs.window.kind == "handoff" and self.pipeline is not None:
            yield from self.pipeline.substitute(spec.action.at, float(cs.extra_s[g]))  # type: ignore[union-attr]
        elif self.pipeline is not None:
            yield env.timeout(float(cs.extra_s[g]))
            yield from self.pipeline.next_read()
        ok = self.u(sid, "success") < spec.p_success
        alert = False
        for slot in cs.blocks:
            if self.u(sid, "block", slot.control) < slot.probability[g]:
                ok = False
                alert |= bool(slot.alert[g])
        for dl in cs.deadlines:
            if not dl.present[g]:
                continue
            if isinstance(dl.deadline, TokenExpiry):
                token = stolen.get(dl.anchor_pos, {}).get(dl.control) if dl.anchor_pos is not None else None
                if token is None or env.now >= token.expires_s:
                    ok = False
            elif env.now >= self.renewals[dl.control].ended_s:
                ok = False
        if ok:
            run.progress += 1
            self._steal(cs, stolen)
        if alert:
            run.det_s = min(run.det_s, env.now)
            raise Evicted
        self._action_detection(cs, run)
        return ok

    def _steal(self, cs: CompiledStep, stolen: dict[int, dict[str, Token]]) -> None:
        for (anchor, control), service in self.tokens.items():
            if anchor == cs.spec.id:
                fresh = self.fresh[(anchor, control)]
                stolen.setdefault(cs.pos, {})[control] = service.mint() if fresh else service.current

    def _action_detection(self, cs: CompiledStep, run: PlanRun) -> None:
        spec, g = cs.spec, self.g
        sources: list[tuple[float, object, str]] = []
        if spec.detection.probability > 0:
            sources.append((spec.detection.probability, spec.detection.delay, "campaign"))
        sources += [(float(s.probability[g]), s.delay, s.control) for s in cs.detects]
        now_evict = False
        for prob, delay, control in sources:
            if self.u(spec.id, "detect", control) >= prob:
                continue
            if isinstance(delay, Periodic):
                run.tampered.append((self.env.now, control))
                continue
            wait = float(delay_ppf(delay, np.array([self.u(spec.id, "delay", control)]))[0])
            self.latest_s = max(self.latest_s, self.env.now + wait)
            if wait <= 0:
                run.det_s = min(run.det_s, self.env.now)
                now_evict = True
            else:
                self.env.process(self._detect_later(run, wait))
        if now_evict:
            raise Evicted

    def run(self) -> tuple[list[PlanRun], int]:
        procs = [r.proc for r in self.runs if r.proc is not None]
        self.env.run(until=simpy.AllOf(self.env, procs))
        # let pending detections (delayed alerts, the next periodic check) happen after the attack ended
        until = max(self.latest_s, self.env.now + max([p.interval_s for p in self.checkers.values()], default=0.0))
        if until > self.env.now:
            self.env.run(until=math.nextafter(until, math.inf))
        return self.runs, self.entry


def simulate_simpy(cc: CompiledCampaign, seeds: ReplicationSeeds, trials: int) -> TrialResults:
    """``trials`` trials, one simpy environment each, drawing from the replication's ``simpy`` stream."""
    rng = seeds.stream(f"attack.{cc.campaign.id}.simpy")
    cols: dict[str, list[float]] = {k: [] for k in TrialResults.__dataclass_fields__}
    for _ in range(trials):
        runs, entry = Trial(cc, rng).run()
        g = int(cc.entry_group[entry])
        goals = np.array([r.goal_s if r.goal_s < r.det_s else math.inf for r in runs])
        dets = np.array([min(r.det_s, math.inf) for r in runs])
        ttc = float(goals.min())
        success = math.isfinite(ttc)
        plan = int(goals.argmin()) if success else -1
        ttd = float(dets[plan]) if success else float(dets.min())
        cols["success"].append(success)
        cols["ttc_s"].append(ttc)
        cols["detected"].append(math.isfinite(ttd))
        cols["ttd_s"].append(ttd)
        cols["blast_n"].append(max(p.blast_n[g, r.progress] for p, r in zip(cc.plans, runs, strict=True)))
        cols["blast_bytes"].append(max(p.blast_bytes[g, r.progress] for p, r in zip(cc.plans, runs, strict=True)))
        cols["entry"].append(int(cc.entries[entry]))
        cols["plan"].append(plan)
    return TrialResults(
        np.array(cols["success"], dtype=bool), np.array(cols["ttc_s"]), np.array(cols["detected"], dtype=bool),
        np.array(cols["ttd_s"]), np.array(cols["blast_n"]), np.array(cols["blast_bytes"]),
        np.array(cols["entry"], dtype=np.int64), np.array(cols["plan"], dtype=np.int64))
