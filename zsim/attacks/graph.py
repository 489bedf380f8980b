"""The capability graph of a campaign: checks (dangling references, cycles, unreachable goals) and plans.

**Plans.** A plan is a minimal set of steps that reaches the goal: for every capability it needs it picks one
producing step, for an AND step all of its requirements, for an OR step one of them. The engines treat each
plan as one way the attacker may go, executed step by step in the campaign's topological order, and count a
trial as compromised if *any* plan reaches the goal before that plan is detected: the worst case for the
defender, and the semantics under which blocking a step, raising its effort or adding detection can never
raise a success rate under common random numbers (each plan's outcome is monotone in all three).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import product

from zsim.attacks.effects import ActionKind
from zsim.attacks.schema import DATA_ACTIONS, POSITION_KINDS, PRODUCT, CampaignSpec, CapKind, StepSpec
from zsim.errors import InputError

MAX_PLANS = 64


@dataclass(frozen=True)
class Plan:
    index: int
    steps: tuple[str, ...]  # step ids in execution order

    def __len__(self) -> int:
        return len(self.steps)


@dataclass
class Problem:
    field: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"{self.severity}: {self.field}: {self.message}"


class CampaignGraph:
    """Derived structure of a validated campaign. Construct with :func:`check_campaign` first."""

    def __init__(self, campaign: CampaignSpec) -> None:
        self.campaign = campaign
        self.entry = campaign.entry.capability
        self.producers: dict[str, list[str]] = {}
        for s in campaign.steps:
            for cap in s.yields:
                self.producers.setdefault(cap, []).append(s.id)
        self.steps = {s.id: s for s in campaign.steps}

    def kind(self, cap: str) -> CapKind:
        if cap == self.entry:
            return CapKind.FOOTHOLD
        return PRODUCT[self.steps[self.producers[cap][0]].action.kind]

    @cached_property
    def order(self) -> list[str]:
        """Step ids in topological order (ties broken by file order). Raises on a cycle."""
        index = {s.id: i for i, s in enumerate(self.campaign.steps)}
        deps = {s.id: {p for c in s.requires.caps for p in self.producers.get(c, [])} for s in self.campaign.steps}
        done: list[str] = []
        placed: set[str] = set()
        while len(done) < len(deps):
            ready = [s for s in deps if s not in placed and deps[s] <= placed]
            if not ready:
                cyclic = sorted(s for s in deps if s not in placed)
                raise InputError(f"the steps {', '.join(cyclic)} require each other in a cycle", field="steps")
            first = min(ready, key=index.__getitem__)
            done.append(first)
            placed.add(first)
        return done

    def reachable_caps(self) -> set[str]:
        """Capabilities the graph can produce from the entry, ignoring the platform (a fixpoint)."""
        held = {self.entry}
        changed = True
        while changed:
            changed = False
            for s in self.campaign.steps:
                caps = s.requires.caps
                ok = any(c in held for c in caps) if s.requires.is_or else all(c in held for c in caps)
                if ok and s.p_success > 0 and not set(s.yields) <= held:
                    held.update(s.yields)
                    changed = True
        return held

    @cached_property
    def plans(self) -> list[Plan]:
        memo_cap: dict[str, list[frozenset[str]]] = {}
        memo_step: dict[str, list[frozenset[str]]] = {}

        def limit(sets: list[frozenset[str]]) -> list[frozenset[str]]:
            unique = _minimal(set(sets))
            if len(unique) > MAX_PLANS:
                raise InputError(f"the campaign has more than {MAX_PLANS} alternative plans; split it",
                                 field="steps")
            return unique

        def of_cap(cap: str) -> list[frozenset[str]]:
            if cap == self.entry:
                return [frozenset()]
            if cap not in memo_cap:
                memo_cap[cap] = []  # guards recursion; cycles are rejected by ``order`` first
                memo_cap[cap] = limit([p for step in self.producers.get(cap, []) for p in of_step(step)])
            return memo_cap[cap]

        def of_step(step_id: str) -> list[frozenset[str]]:
            if step_id not in memo_step:
                s = self.steps[step_id]
                if s.requires.is_or:
                    parts = [p for c in s.requires.caps for p in of_cap(c)]
                else:
                    parts = [frozenset().union(*combo) for combo in product(*(of_cap(c) for c in s.requires.caps))]
                memo_step[step_id] = limit([p | {step_id} for p in parts])
            return memo_step[step_id]

        _ = self.order
        sets = of_cap(self.campaign.goal)
        pos = {s: i for i, s in enumerate(self.order)}
        ordered = sorted((tuple(sorted(p, key=pos.__getitem__)) for p in sets), key=lambda t: (len(t), t))
        return [Plan(i, steps) for i, steps in enumerate(ordered)]


def _minimal(sets: set[frozenset[str]]) -> list[frozenset[str]]:
    ordered = sorted(sets, key=lambda s: (len(s), sorted(s)))
    out: list[frozenset[str]] = []
    for s in ordered:
        if not any(o <= s for o in out):
            out.append(s)
    return out


def check_campaign(campaign: CampaignSpec) -> list[Problem]:
    """Structural problems of a campaign, independent of any platform. Errors first, then warnings."""
    problems: list[Problem] = []
    ids = [s.id for s in campaign.steps]
    for i, sid in enumerate(ids):
        if ids.index(sid) != i:
            problems.append(Problem(f"steps[{i}].id", f"step id {sid!r} is used twice"))
    graph = CampaignGraph(campaign)
    known = set(graph.producers) | {graph.entry}
    for i, s in enumerate(campaign.steps):
        where = f"steps[{i}]"
        for c in s.requires.caps:
            if c not in known:
                problems.append(Problem(f"{where}.requires", f"capability {c!r} is yielded by no step (dangling)"))
        if graph.entry in s.yields:
            problems.append(Problem(f"{where}.yields", f"{graph.entry!r} is the entry capability"))
        problems.extend(_check_refs(graph, s, where, known))
    if campaign.goal not in known:
        problems.append(Problem("goal", f"goal capability {campaign.goal!r} is yielded by no step (dangling)"))
    for cap, steps in graph.producers.items():
        kinds = {PRODUCT[graph.steps[s].action.kind] for s in steps}
        if len(kinds) > 1:
            problems.append(Problem("steps", f"capability {cap!r} is yielded as {sorted(kinds)} by {steps}"))
    if any(p.severity == "error" for p in problems):
        return problems
    try:
        _ = graph.order
    except InputError as exc:
        return [*problems, Problem(exc.field or "steps", exc.message)]
    if campaign.goal not in graph.reachable_caps():
        problems.append(Problem("goal", f"goal {campaign.goal!r} cannot be reached from the entry"))
        return problems
    try:
        plans = graph.plans
    except InputError as exc:
        return [*problems, Problem(exc.field or "steps", exc.message)]
    used = {s for p in plans for s in p.steps}
    for i, s in enumerate(campaign.steps):
        if s.id not in used:
            problems.append(Problem(f"steps[{i}]", f"step {s.id!r} is on no path to the goal", "warning"))
    return problems


def _check_refs(graph: CampaignGraph, s: StepSpec, where: str, known: set[str]) -> list[Problem]:
    out = []
    action = s.action
    for ref in action.refs():
        if ref not in known:
            out.append(Problem(f"{where}.action", f"capability {ref!r} is yielded by no step (dangling)"))
        elif ref not in s.requires.caps:
            out.append(Problem(f"{where}.action", f"uses {ref!r}, which the step does not require"))
    if any(p.severity == "error" for p in out):
        return out
    if s.requires.is_or and len(action.refs()) > len(action.source):
        out.append(Problem(f"{where}.requires", "an OR step can only use its alternatives as 'from'"))
    if action.kind != ActionKind.GENERIC and not action.source:
        out.append(Problem(f"{where}.action.from", f"a {action.kind} step needs a position ('from')"))
    for ref in action.source:
        kind = graph.kind(ref)
        allowed = POSITION_KINDS | ({CapKind.ACCESS} if action.kind in DATA_ACTIONS else set())
        if kind not in allowed:
            out.append(Problem(f"{where}.action.from", f"{ref!r} is a {kind} capability, not a position"))
    if action.kind == ActionKind.HIJACK and any(graph.kind(r) != CapKind.HOST for r in action.source):
        out.append(Problem(f"{where}.action.from", "hijack works from host capabilities only"))
    credential = getattr(action, "credential", None)
    if credential is not None and graph.kind(credential) != CapKind.CREDENTIAL:
        out.append(Problem(f"{where}.action.credential", f"{credential!r} is not a credential capability"))
    data = getattr(action, "data", None)
    if data is not None and graph.kind(data) not in (CapKind.ACCESS, CapKind.FOOTHOLD, CapKind.HOST):
        out.append(Problem(f"{where}.action.data", f"{data!r} holds no components"))
    return out


def raise_errors(problems: list[Problem], file: str | None = None) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(first.message + more, file=file, field=first.field)
