"""Credential hygiene: no hard-coded environment credentials, no credentials in artifact folders, no legacy
non-expiring service-account token Secrets (the seed's credential audit, fixed).

With ``enabled`` those credentials do not exist on the platform, so stealing them is impossible; mounted
projected tokens remain (their lifetime is the tokens control's business).

Cost: none at run time (secrets come from a secret store through ``secretKeyRef`` or workload identity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zsim.controls.base import Control, ControlParams
from zsim.controls.registry import register

if TYPE_CHECKING:
    from zsim.attacks.effects import Effect, StepContext

REMOVED = {
    "env-credential": "no credential is hard-coded in the environment",
    "artifact-credential": "no credential is left in artifact folders",
    "legacy-sa-token": "no legacy service-account token Secret exists",
}


class CredentialHygieneParams(ControlParams):
    enabled: bool = False

    def active(self) -> bool:
        return self.enabled


@register
class CredentialHygiene(Control):
    name = "credential_hygiene"
    Params = CredentialHygieneParams
    summary = "no hard-coded env credentials, credentials in artifact folders or legacy SA tokens"
    params: CredentialHygieneParams

    def attack_effects(self, step: StepContext) -> list[Effect]:
        from zsim.attacks.effects import ActionKind, Block

        if not self.enabled or step.action != ActionKind.STEAL_CREDENTIAL or step.credential not in REMOVED:
            return []
        return [Block(self.name, REMOVED[step.credential])]
