"""Static reachability: can the goal be reached at all from an entry, with no time and no detection?

This is deliberately a separate code path from the compiler and the engines: it walks components one by one
(no classes, no matrices, no plans) and iterates a fixpoint over capabilities — a step fires as soon as its
AND/OR requirements are held, with the union of everything held so far — asking each active control for its
effects on contexts it builds itself. Tests hold both engines to it: with no controls and no detection a
trial succeeds exactly when its entry's goal is reachable here.

Verdicts per entry:

* ``certain`` — reachable through ways of doing each step that nothing can stop (success probability 1, no
  probabilistic block, no deadline, a pipeline window that fits);
* ``possible`` — reachable only through some way that may fail;
* ``unreachable``.
"""

from __future__ import annotations

from dataclasses import dataclass

from zsim.attacks.access import default_access_policy
from zsim.attacks.effects import AccessPolicy, ActionKind, Block, ComponentView, Identity, StepContext
from zsim.attacks.graph import CampaignGraph
from zsim.attacks.platform import ComponentSpec, PlatformSpec
from zsim.attacks.schema import CampaignSpec, CapKind, StepSpec
from zsim.controls.base import Plane
from zsim.controls.registry import ControlSet

Way = tuple[StepContext, set[object], set[str]]  # context, payload items, components reached


@dataclass
class Reachability:
    entries: list[str]
    verdict: dict[str, str]  # entry name → certain | possible | unreachable

    def reachable(self, entry: str) -> bool:
        return self.verdict[entry] != "unreachable"

    @property
    def any_reachable(self) -> bool:
        return any(v != "unreachable" for v in self.verdict.values())


class _Walker:
    def __init__(self, campaign: CampaignSpec, platform: PlatformSpec, controls: ControlSet,
                 policy: AccessPolicy) -> None:
        self.c, self.p, self.policy = campaign, platform, policy
        self.graph = CampaignGraph(campaign)
        self.controls = list(controls.active())
        self.by_sensitivity = {level: list(zone.active()) for level, zone in controls.zones.items()}
        self.comps = platform.components
        self._verdicts: dict[StepContext, tuple[bool, bool]] = {}

    def judge(self, ctx: StepContext) -> tuple[bool, bool]:
        """(usable, certain) for one way of doing a step."""
        hit = self._verdicts.get(ctx)
        if hit is None:
            where = ctx.target or ctx.source
            controls = self.by_sensitivity.get(where.sensitivity, self.controls) if where is not None \
                else self.controls
            effects = [e for c in controls for e in c.attack_effects(ctx)]
            blocks = [e for e in effects if isinstance(e, Block)]
            usable = not any(b.probability >= 1 and b.deadline is None for b in blocks)
            hit = (usable, usable and not blocks)
            self._verdicts[ctx] = hit
        return hit

    def ctx(self, step: StepSpec, **kw: object) -> StepContext:
        return StepContext(self.c.id, step.id, step.action.kind, step.technique, policy=self.policy,
                           **kw)  # type: ignore[arg-type]

    def run(self, entry: ComponentSpec, certain_only: bool) -> bool:
        self.entry = entry
        held: dict[str, set[object]] = {self.graph.entry: {entry.name}}
        fresh: dict[str, bool] = {}
        changed = True
        while changed:
            changed = False
            for step in self.c.steps:
                caps = step.requires.caps
                have = [c for c in caps if held.get(c)]
                if (step.requires.is_or and not have) or (not step.requires.is_or and len(have) < len(caps)):
                    continue
                if step.p_success <= 0 or (certain_only and step.p_success < 1):
                    continue
                payload: set[object] = set()
                for ctx, items, _ in self.ways(step, held, fresh):
                    usable, certain = self.judge(ctx)
                    if usable and (certain or not certain_only):
                        payload |= items
                if step.action.kind == ActionKind.STEAL_CREDENTIAL:
                    for cap in step.yields:
                        fresh[cap] = step.action.token_age == "fresh"  # type: ignore[union-attr]
                for cap in step.yields:
                    if payload - held.get(cap, set()):
                        held[cap] = held.get(cap, set()) | payload
                        changed = True
        return bool(held.get(self.c.goal))

    # --- one function, all actions, component by component ----------------------------------------------------
    def position(self, step: StepSpec, held: dict[str, set[object]]) -> tuple[list[ComponentSpec], set[str]]:
        names: set[str] = set()
        hosts: set[str] = set()
        for ref in step.action.source:
            items = held.get(ref, set())
            if self.graph.kind(ref) == CapKind.HOST:
                hosts |= {str(i) for i in items}
            else:
                names |= {str(i) for i in items}
        names |= {c.name for c in self.comps if c.node is not None and c.node in hosts}
        return [c for c in self.comps if c.name in names], hosts

    def targets(self, step: StepSpec) -> list[ComponentSpec]:
        a = step.action
        out = self.p.select(a.to)  # type: ignore[union-attr]
        if getattr(a, "cross_tenant", False):
            out = [t for t in out if t.tenant is not None and t.tenant != self.entry.tenant]
        return out

    def ways(self, step: StepSpec, held: dict[str, set[object]], fresh: dict[str, bool]) -> list[Way]:
        a, kind, p = step.action, step.action.kind, self.p
        view = ComponentView.of
        pos, hosts = self.position(step, held)
        out: list[Way] = []
        if kind in (ActionKind.GENERIC, ActionKind.DISCOVER):
            plane = Plane.CONTROL if kind == ActionKind.DISCOVER else None
            if not a.source:
                return [(self.ctx(step, plane=plane), {True}, set())]
            return [(self.ctx(step, source=view(s), plane=plane), {True}, set()) for s in pos]
        if kind in (ActionKind.CONNECT, ActionKind.INJECT_DATA, ActionKind.KEEP_ACCESS):
            plane = Plane.CONTROL if kind == ActionKind.CONNECT else Plane.STORAGE
            targets = self.targets(step)
            consumers = {c.name for c in p.select(a.consumers)} if kind == ActionKind.INJECT_DATA else set()  # type: ignore[union-attr]
            if kind == ActionKind.INJECT_DATA and not p.pipeline.consume_offsets():
                return []
            for s in pos:
                ident = Identity(s.type, s.tenant)
                for t in targets:
                    if not p.reach(s, t):
                        continue
                    extra: dict[str, object] = {}
                    if kind == ActionKind.INJECT_DATA:
                        extra = {"mode": a.via}  # type: ignore[union-attr]
                    if kind == ActionKind.KEEP_ACCESS:
                        if not self.policy.decide(ident, t.type, t.tenant).allowed:
                            continue
                        extra = {"revoked": True, "new_connection": False}
                    ctx = self.ctx(step, source=view(s), target=view(t), plane=plane, identity=ident,
                                   intended=p.intended(s, t), **extra)
                    out.append((ctx, {t.name} | consumers, {t.name} | consumers))
            return out
        if kind == ActionKind.STEAL_CREDENTIAL:
            kinds = {str(k) for k in a.kinds}  # type: ignore[union-attr]
            for s in pos:
                for cred in s.credentials:
                    if str(cred.kind) in kinds:
                        tenant = s.tenant if cred.tenant == "same" else cred.tenant
                        item = (s.name, str(cred.kind), cred.identity or s.type, tenant)
                        out.append((self.ctx(step, source=view(s), credential=str(cred.kind)), {item}, set()))
            return out
        if kind == ActionKind.USE_CREDENTIAL:
            creds = held.get(a.credential, set())  # type: ignore[union-attr]
            is_fresh = fresh.get(a.credential, False)  # type: ignore[union-attr]
            for s in pos:
                for _, ckind, ctype, ctenant in sorted(creds, key=repr):  # type: ignore[misc]
                    for t in self.targets(step):
                        if p.reach(s, t):
                            ctx = self.ctx(step, source=view(s), target=view(t), plane=Plane.CONTROL,
                                           identity=Identity(ctype, ctenant), credential=ckind,
                                           fresh_token=is_fresh, intended=p.intended(s, t))
                            out.append((ctx, {t.name}, {t.name}))
            return out
        if kind == ActionKind.ESCAPE:
            return [(self.ctx(step, source=view(s)), {s.node}, set()) for s in pos
                    if (s.privileged or s.host_network) and s.node is not None]
        if kind == ActionKind.HIJACK:
            return [(self.ctx(step, target=view(t), mode="host"), {t.name}, {t.name}) for t in self.targets(step)
                    if t.node is not None and t.node in hosts]
        if kind in (ActionKind.INTERCEPT, ActionKind.RDMA_SNOOP):
            return self._on_path(step, pos, hosts)
        if kind == ActionKind.EXFILTRATE:
            data = self._components(a.data, held)  # type: ignore[union-attr]
            if sum(float(c.data_bytes) for c in data) <= 0:
                return []
            names = {c.name for c in data}
            return [(self.ctx(step, source=view(s), plane=Plane.CONTROL, mode=a.channel), names, names)  # type: ignore[union-attr]
                    for s in pos]
        if kind == ActionKind.SUBSTITUTE_ARTIFACT:
            upload = p.pipeline.artifact_bytes / p.storage_Bps
            if not any(close - open_ >= upload for open_, close in p.pipeline.windows(a.at)):  # type: ignore[union-attr]
                return []
            names = {c.name for c in p.select(a.consumers)}  # type: ignore[union-attr]
            return [(self.ctx(step, source=view(s), plane=Plane.STORAGE, mode=a.at,  # type: ignore[union-attr]
                              rewrites_metadata=a.rewrites_metadata), names, names) for s in pos]  # type: ignore[union-attr]
        if kind == ActionKind.TAMPER_RUNTIME:
            return [(self.ctx(step, source=view(s), mode=a.mode), {s.name}, {s.name}) for s in pos]  # type: ignore[union-attr]
        raise AssertionError(f"unhandled action {kind}")

    def _components(self, cap: str, held: dict[str, set[object]]) -> list[ComponentSpec]:
        items = {str(i) for i in held.get(cap, set())}
        if self.graph.kind(cap) == CapKind.HOST:
            return [c for c in self.comps if c.node in items]
        return [c for c in self.comps if c.name in items]

    def _on_path(self, step: StepSpec, pos: list[ComponentSpec], hosts: set[str]) -> list[Way]:
        snoop = step.action.kind == ActionKind.RDMA_SNOOP
        out: list[Way] = []
        nodes_by_way: list[tuple[StepContext | None, str]] = [(None, h) for h in hosts]
        for s in pos:
            eligible = (s.rdma and s.privileged) if snoop else s.host_network
            if eligible and s.node is not None:
                nodes_by_way.append((self.ctx(step, source=ComponentView.of(s), mode="pod"), s.node))
        on_nodes: set[str] = set()
        for ctx, node in nodes_by_way:
            if ctx is None or self.judge(ctx)[0]:
                on_nodes.add(node)
        if snoop:
            jobs = {c.job or f"~{c.name}" for c in self.comps if c.rdma and c.node in on_nodes}
            for r in self.comps:
                if r.rdma and (r.job or f"~{r.name}") in jobs:
                    out.append((self.ctx(step, target=ComponentView.of(r), plane=Plane.RDMA), {r.name}, {r.name}))
            return out
        for c in self.comps:
            for s in self.comps:
                if (c.node in on_nodes or s.node in on_nodes) and self.p.intended(c, s):
                    ctx = self.ctx(step, source=ComponentView.of(c), target=ComponentView.of(s),
                                   plane=Plane.CONTROL, mode="flow")
                    out.append((ctx, {c.name, s.name}, {c.name, s.name}))
        return out


def analyse(campaign: CampaignSpec, platform: PlatformSpec, controls: ControlSet,
            policy: AccessPolicy | None = None, entries: list[str] | None = None) -> Reachability:
    """Per entry component: is the goal reachable (certainly, possibly) or not?"""
    walker = _Walker(campaign, platform, controls, policy or default_access_policy(platform.trust_domain))
    candidates = [c for c in platform.components if campaign.entry.foothold.matches(c)]
    if entries is not None:
        candidates = [c for c in candidates if c.name in set(entries)]
    verdict = {}
    for entry in candidates:
        if walker.run(entry, certain_only=True):
            verdict[entry.name] = "certain"
        elif walker.run(entry, certain_only=False):
            verdict[entry.name] = "possible"
        else:
            verdict[entry.name] = "unreachable"
    return Reachability([c.name for c in candidates], verdict)
