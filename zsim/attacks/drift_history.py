"""The history of a drifting platform: holes opened by exceptions and unmanaged joins, closed by tests.

Formal model (times in seconds from the start of the run)::

    exception i   arrives at a_i (Poisson, rate λ_e)   → hole (kind, target), open from a_i
    join j        arrives at b_j (Poisson, rate λ_j)   → component; with probability f unmanaged → hole
    test k        at k·τ (τ = test_interval_s)         → each open hole h is found with probability p and closed
    state(t)      = the managed platform + the components joined by t + the holes open at t

A hole is open on [opened, closed). Closing restores the managed state (the link and the allow rule go, the
attributes go back, an unmanaged component is brought under the controls). Overlapping holes are separate: a
component stays exempt while any hole exempting it is open.

Common random numbers: arrival times, the choice of each arrival (kind, component) and each hole's find draws
come from their own named streams (``drift.exceptions.arrivals``, ``drift.exceptions.choice``,
``drift.joins.arrivals``, ``drift.joins.choice``, ``drift.find.exception`` / ``drift.find.join`` keyed by the
hole's index), and nothing an arrival picks depends on which holes are open. So every tier and every testing
interval sees the same arrivals, and hole ``h`` is found at the ``K_h``-th test after it opened for the same
``K_h`` (the first of its uniforms under ``p``) whatever the interval: when the test times of one interval
contain those of another (7 d ⊂ 28 d ⊂ 84 d), every hole closes no later under the more frequent one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import simpy

from zsim.attacks.drift_config import DriftConfig, ExceptionKind
from zsim.attacks.drift_scope import AllowRule, base_zone, scope_zone
from zsim.attacks.platform import ComponentSpec, CredentialKind, CredentialSpec, LinkSpec, PlatformSpec, Selector
from zsim.rng import ReplicationSeeds

UNMANAGED = "unmanaged"
_EXEMPT = {ExceptionKind.PRIVILEGED: "container_hardening", ExceptionKind.CREDENTIAL: "credential_hygiene",
           ExceptionKind.MESH: "mtls"}


@dataclass
class Hole:
    key: tuple[str, int]  # ("exception", i) or ("join", j): stable across tiers and testing intervals
    kind: str  # an ExceptionKind value, or "unmanaged"
    opened_s: float
    component: str | None = None  # what it changes (None for an allow rule)
    rule: AllowRule | None = None
    closed_s: float | None = None
    finder: np.random.Generator | None = field(default=None, repr=False)

    def open_at(self, t_s: float) -> bool:
        return self.opened_s <= t_s and (self.closed_s is None or t_s < self.closed_s)


@dataclass(frozen=True)
class Drifted:
    """The platform as it stands at one time, and what the controls and the access policy must know of it."""

    platform: PlatformSpec
    scopes: dict[str, frozenset[str]]
    allows: frozenset[AllowRule]


def allow_link(rule: AllowRule) -> LinkSpec:
    """The network side of an allow rule: a link between the two (type, tenant) classes, across tenants."""
    src_type, src_tenant, dst_type, dst_tenant = rule
    side = [{"type": t, "shared": True} if n is None else {"type": t, "tenant": n}
            for t, n in ((src_type, src_tenant), (dst_type, dst_tenant))]
    return LinkSpec.model_validate({"from": side[0], "to": side[1], "same_tenant": False})


class DriftHistory:
    """Builds the history in a simpy environment (``start``), then answers what the platform was at time t."""

    def __init__(self, base: PlatformSpec, config: DriftConfig, seeds: ReplicationSeeds) -> None:
        self.base = base
        self.config = config
        self.seeds = seeds
        self.holes: list[Hole] = []
        self.joined: list[tuple[float, ComponentSpec]] = []
        self.tests_s: list[float] = []
        self.exceptions = 0
        weights = config.exceptions.mix
        self._kinds = [k for k in ExceptionKind if weights.get(k, 0.0) > 0]
        w = np.array([weights[k] for k in self._kinds], dtype=float)
        self._cum = np.cumsum(w / w.sum())
        self._names = {c.name for c in base.components}

    # --- processes ---------------------------------------------------------------------------------------
    def start(self, env: simpy.Environment) -> None:
        cfg = self.config
        env.process(self._arrivals(env, cfg.exceptions.rate_per_s, "drift.exceptions", self._exception))
        env.process(self._arrivals(env, cfg.joins.rate_per_s, "drift.joins", self._join))
        if cfg.test_interval_s is not None:
            env.process(self._tests(env, float(cfg.test_interval_s)))

    def _arrivals(self, env: simpy.Environment, rate_per_s: float, name: str,
                  act: Callable[[float, np.ndarray], None]) -> Iterator[simpy.Event]:
        if rate_per_s <= 0:
            return
        gaps = self.seeds.stream(f"{name}.arrivals")
        choice = self.seeds.stream(f"{name}.choice")
        t = gaps.exponential(1.0 / rate_per_s)
        while t <= self.config.horizon_s:
            yield env.timeout(max(0.0, t - env.now))
            act(t, choice.random(3))
            t += gaps.exponential(1.0 / rate_per_s)

    def _tests(self, env: simpy.Environment, interval_s: float) -> Iterator[simpy.Event]:
        k = 1
        while k * interval_s <= self.config.horizon_s:
            yield env.timeout(max(0.0, k * interval_s - env.now))
            self.test(k * interval_s)
            k += 1

    # --- events ------------------------------------------------------------------------------------------
    def components_at(self, t_s: float) -> list[ComponentSpec]:
        return [*self.base.components, *(c for at, c in self.joined if at <= t_s)]

    def _exception(self, t_s: float, u: np.ndarray) -> None:
        i = self.exceptions
        self.exceptions += 1
        kind = self._kinds[min(int(np.searchsorted(self._cum, u[0], side="right")), len(self._kinds) - 1)]
        comps = self.components_at(t_s)
        if kind == ExceptionKind.ALLOW:
            src = comps[_pick(u[1], len(comps))]
            others = [c for c in comps if c.name != src.name]
            closed = [c for c in others if not self.base.intended(src, c)] or others
            dst = closed[_pick(u[2], len(closed))]
            rule = (src.type, src.tenant, dst.type, dst.tenant)
            self.holes.append(Hole(("exception", i), kind.value, t_s, rule=rule))
            return
        pods = [c for c in comps if c.node is not None] or comps
        if kind == ExceptionKind.MESH:
            pods = [c for c in pods if c.in_mesh] or pods
        self.holes.append(Hole(("exception", i), kind.value, t_s, component=pods[_pick(u[1], len(pods))].name))

    def _join(self, t_s: float, u: np.ndarray) -> None:
        j = len(self.joined)
        templates = [c for c in self.base.components if c.node is not None] or list(self.base.components)
        template = templates[_pick(u[1], len(templates))]
        name = f"drift-join-{j:03d}"
        while name in self._names:
            name += "x"
        self._names.add(name)
        spec = template.model_copy(update={"name": name, "job": None, "mesh": None,
                                           "credentials": [CredentialSpec(kind=CredentialKind.PROJECTED_TOKEN)]})
        self.joined.append((t_s, spec))
        if u[0] < self.config.joins.unmanaged_fraction:
            self.holes.append(Hole(("join", j), UNMANAGED, t_s, component=name))

    def test(self, t_s: float) -> None:
        """A penetration test at ``t_s``: each open hole is found (and closed) with the find probability."""
        self.tests_s.append(t_s)
        p = self.config.find_probability
        for h in self.holes:
            if not h.open_at(t_s):
                continue
            if h.finder is None:
                h.finder = self.seeds.stream(f"drift.find.{h.key[0]}", h.key[1])
            if h.finder.random() < p:
                h.closed_s = t_s

    # --- queries -----------------------------------------------------------------------------------------
    def open_at(self, t_s: float) -> list[Hole]:
        return [h for h in self.holes if h.open_at(t_s)]

    def open_mean(self) -> float:
        """Time average of the number of open holes over [0, horizon] (exact: the count is piecewise constant)."""
        horizon = float(self.config.horizon_s)
        total = sum(min(h.closed_s if h.closed_s is not None else horizon, horizon) - h.opened_s for h in self.holes)
        return total / horizon

    def state_key(self, t_s: float) -> tuple[int, frozenset[tuple[str, int]]]:
        """Equal keys, equal platforms: used to reuse a sample's attack results."""
        return sum(at <= t_s for at, _ in self.joined), frozenset(h.key for h in self.open_at(t_s))

    def render(self, t_s: float) -> Drifted:
        """The platform at ``t_s``: joined components, open holes applied to their components (attributes,
        exemption scopes), the topology's links plus the open allow rules' links, and the allow rules."""
        exempt: dict[str, set[str]] = {}
        update: dict[str, dict[str, object]] = {}
        rules: set[AllowRule] = set()
        unmanaged = frozenset(self.config.joins.unmanaged_exempt)
        for h in self.open_at(t_s):
            if h.rule is not None:
                rules.add(h.rule)
                continue
            assert h.component is not None
            up = update.setdefault(h.component, {})
            ex = exempt.setdefault(h.component, set())
            if h.kind == ExceptionKind.PRIVILEGED:
                up["privileged"] = True
            if h.kind in (ExceptionKind.MESH, UNMANAGED):
                up["mesh"] = False
            if h.kind in (ExceptionKind.CREDENTIAL, UNMANAGED):
                up["env_credential"] = True
            ex |= unmanaged if h.kind == UNMANAGED else {_EXEMPT[ExceptionKind(h.kind)]}
        comps, scopes = [], {}
        for c in self.components_at(t_s):
            if c.name not in update:
                comps.append(c)
                continue
            up = dict(update[c.name])
            if up.pop("env_credential", False):
                up["credentials"] = [*c.credentials, CredentialSpec(kind=CredentialKind.ENV_CREDENTIAL)]
            ex = frozenset(exempt[c.name])
            up["zone"] = scope_zone(c.zone, ex)
            if ex:
                scopes[up["zone"]] = ex
            comps.append(c.model_copy(update=up))
        links = [_widen(link, scopes) for link in self.base.network.links] + [allow_link(r) for r in sorted(
            rules, key=repr)]
        network = self.base.network.model_copy(update={"links": links})
        platform = self.base.model_copy(update={"components": comps, "network": network})
        return Drifted(platform, scopes, frozenset(rules))


def _pick(u: float, n: int) -> int:
    return min(int(u * n), n - 1)


def _widen(link: LinkSpec, scopes: dict[str, frozenset[str]]) -> LinkSpec:
    """A link whose selectors name zones also matches the exempted scopes of those zones."""
    if not scopes or (link.source.zone is None and link.to.zone is None):
        return link

    def widen(sel: Selector) -> Selector:
        if sel.zone is None:
            return sel
        wanted = [sel.zone] if isinstance(sel.zone, str) else list(sel.zone)
        extra = [z for z in scopes if base_zone(z) in wanted]
        return sel.model_copy(update={"zone": wanted + extra})

    return link.model_copy(update={"source": widen(link.source), "to": widen(link.to)})
