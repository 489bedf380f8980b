"""Where a control does not reach: exemptions and extra allow rules, for posture drift (:mod:`zsim.attacks.drift`).

Some exceptions are attribute changes that the controls already read: an allow rule is a new link (which
default-deny network policy reads), a workload taken out of the mesh has ``mesh: false`` (which mTLS reads).
Other controls are modelled as *platform-wide* guarantees: with ``container_hardening`` no privileged pod passes
admission, with ``credential_hygiene`` no literal credential exists. Making a pod privileged or giving it an env
credential therefore changes nothing under those controls, while in a real cluster the exception *is* an
exemption from them (a Pod Security Admission exempt namespace, a Kyverno ``PolicyException``, an allowlist
entry in the secret scanner). So an exempted component is placed in an exempted *policy scope*: its ``zone``
gets a suffix (``default.exempt-container_hardening``), and :class:`ScopedControlSet` drops a control's effects
on the steps whose enforcement point lies in a scope exempt from it. Nothing is drawn: an exemption removes
effects, the controls' own code decides everything else. A workload out of the mesh is exempt from ``mtls`` on
both ends: the exception is assumed to come with what keeps it working (its peers accept its plaintext), so
STRICT does not cut it off, and closing the hole never hands the attacker a path it lacked.

The enforcement point of each exemptable control (``SIDES``):

=======================  ==========  ================================================================
control                  side        why
=======================  ==========  ================================================================
``container_hardening``  source      admission of the pod the attacker escapes or sniffs from
``credential_hygiene``   source      the pod holding the credential
``mtls``                 either      the sidecar at either end (the exempted workload's peers accept it)
``authz``                target      the policy enforcement point in front of the called service
``network_policy``       both        egress policy at the source and ingress policy at the target: a path
                                     opens only when neither side has a policy (egress to the internet,
                                     with no target: the source alone)
=======================  ==========  ================================================================

:class:`DriftPolicy` adds allow rules to the identity plane's policy: an exception that opens a path opens it
both in the network policy (a link) and in the access policy, otherwise the workload that asked for it could
not use it. Rules are per (component type, tenant), the identity plane's granularity.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from zsim.attacks.effects import AccessPolicy, Effect, Identity, PolicyDecision, StepContext
from zsim.controls.base import Control, ControlParams
from zsim.controls.registry import ControlSet

SIDES: dict[str, str] = {
    "container_hardening": "source",
    "credential_hygiene": "source",
    "mtls": "either",
    "authz": "target",
    "network_policy": "both",
}
EXEMPT_MARK = ".exempt-"

Scopes = Mapping[str, frozenset[str]]  # zone → controls that do not cover it
AllowRule = tuple[str, str | None, str, str | None]  # (source type, source tenant, target type, target tenant)


def scope_zone(zone: str, exempt: frozenset[str]) -> str:
    """The zone of a component in ``zone`` exempted from ``exempt`` (unchanged when nothing is exempt)."""
    return f"{zone}{EXEMPT_MARK}{'-'.join(sorted(exempt))}" if exempt else zone


def base_zone(zone: str) -> str:
    return zone.split(EXEMPT_MARK, 1)[0]


def exempt(control: str, step: StepContext, scopes: Scopes) -> bool:
    """Does ``control`` leave ``step`` alone because its enforcement point is in a scope exempt from it?"""
    side = SIDES.get(control)
    if side is None or not scopes:
        return False
    views = {"source": (step.source,), "target": (step.target,)}.get(side, (step.source, step.target))
    covered = [control in scopes.get(v.zone, ()) for v in views if v is not None]
    return all(covered) if side == "both" and covered else any(covered)


class ScopedEffects(Control):
    """All active controls of one control set (a tier, or one of its sensitivity zones) as one hook: each
    control's effects on a step, except where the step is exempt from it, memoised in ``memo`` under (control
    set, step, whether an extra allow rule in ``policy_key`` decides it). Effects are a function of the
    controls' parameters and the step, and of the access policy through ``step.decide()``, which differs from
    the base policy's only where an allow rule matches; the memo is shared by every sample of one run, so each
    step context is judged once (twice at most)."""

    name = "scoped-effects"

    def __init__(self, controls: ControlSet, scopes: Scopes, memo: dict[object, list[Effect]],
                 policy_key: object) -> None:
        super().__init__(ControlParams())
        self.owner = controls.tier
        self.controls = list(controls.active())
        self.scopes = scopes
        self.memo = memo
        self.policy_key = policy_key

    @property
    def enabled(self) -> bool:
        return True

    def attack_effects(self, step: StepContext) -> list[Effect]:
        key = (self.owner, step, _allowed(step, self.policy_key))
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = [e for c in self.controls if not exempt(c.name, step, self.scopes)
                                    for e in c.attack_effects(step)]
        return hit


def _allowed(step: StepContext, allows: object) -> bool:
    """Whether an extra allow rule decides this step: the only way ``step.decide()`` can differ between the
    policies of two samples (the base policy is the same), so the memo keys on it rather than on the rules."""
    if not isinstance(allows, frozenset) or not allows or step.identity is None or step.target is None:
        return False
    return (step.identity.component, step.identity.tenant, step.target.type, step.target.tenant) in allows


class ScopedControlSet(ControlSet):
    """A view of a tier for the attack compiler: the same controls and zones (``iter``, ``[name]``), whose
    ``active()`` is one :class:`ScopedEffects` hook that honours the exemptions in ``scopes``."""

    def __init__(self, base: ControlSet, scopes: Scopes, *, memo: dict[object, list[Effect]] | None = None,
                 policy_key: object = None) -> None:  # no ControlSet.__init__: this is a view of ``base``
        memo = {} if memo is None else memo
        self.tier = base.tier
        self.zones = {level: ScopedControlSet(zone, scopes, memo=memo, policy_key=policy_key)
                      for level, zone in base.zones.items()}
        self._controls = {c.name: c for c in base}
        self._effects = ScopedEffects(base, scopes, memo, policy_key)

    def active(self) -> Iterator[Control]:
        return iter([self._effects])


class DriftPolicy:
    """The identity plane's decisions, plus allow rules opened by exceptions (which override its denials)."""

    def __init__(self, base: AccessPolicy, allows: frozenset[AllowRule]) -> None:
        self.base = base
        self.allows = allows

    def decide(self, source: Identity, target_type: str, target_tenant: str | None) -> PolicyDecision:
        if (source.component, source.tenant, target_type, target_tenant) in self.allows:
            return PolicyDecision(True, False, "allowed by an exception (posture drift)")
        return self.base.decide(source, target_type, target_tenant)
