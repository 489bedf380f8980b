"""Node attestation at job start: every node proves its boot state (TPM quote) before it may join the job.

Cost: each node produces a quote (``quote_s``, in parallel on every node's own TPM) and the verifier checks
the quotes with ``verifier_workers`` in parallel (``verify_s`` each: the attestation key's certificate chain
and the quote's signature, plus the PCR/event-log comparison). Nodes are admitted in waves of at most
``max_parallel_nodes`` (``0``: all at once), so start-up grows with ceil(nodes / wave) waves. The training job
shows it as job start-up time (:meth:`node_join`).

What it buys: a node with a tampered boot chain (firmware, kernel, driver) cannot join the job and receive
gradients, weights or the job's credentials.
"""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from zsim.controls.base import Control, ControlParams, cost_field
from zsim.controls.registry import register
from zsim.units import Seconds

QUOTE_SRC = (
    "assumption (no published.md row): a discrete TPM 2.0 signs a quote in the order of 0.1-1 s; "
    "replace with your own tpm2_quote timing"
)
VERIFY_SRC = (
    "published.md: X.509-SVID parse + chain verify 120-175 us (AK certificate chain) + JWT-SVID ES256 verify "
    "via PyJWT 67 us (quote signature); PCR comparison is negligible"
)


class AttestationParams(ControlParams):
    enabled: bool = False
    max_parallel_nodes: int = Field(0, ge=0, description="nodes attested at once; 0 = all")
    verifier_workers: int = Field(16, ge=1, description="quotes the verifier checks in parallel")
    quote_s: Seconds = cost_field(0.5, source=QUOTE_SRC, description="one node's TPM quote")
    verify_s: Seconds = cost_field(0.175e-3 + 0.067e-3, source=VERIFY_SRC, description="one quote's check")

    @field_validator("quote_s", "verify_s")
    @classmethod
    def _non_negative(cls, v: float) -> float:
        if v < 0:
            raise ValueError(f"must be >= 0, got {v}")
        return v

    def active(self) -> bool:
        return self.enabled


@register
class Attestation(Control):
    name = "attestation"
    Params = AttestationParams
    summary = "TPM-quote node attestation before a node joins a training job (job start-up time)"
    params: AttestationParams

    def node_join(self, n_nodes: int) -> float:
        p = self.params
        if not p.enabled or n_nodes <= 0:
            return 0.0
        wave = n_nodes if p.max_parallel_nodes == 0 else min(p.max_parallel_nodes, n_nodes)
        full, rest = divmod(n_nodes, wave)
        one_wave = p.quote_s + math.ceil(wave / p.verifier_workers) * p.verify_s
        last = p.quote_s + math.ceil(rest / p.verifier_workers) * p.verify_s if rest else 0.0
        return full * one_wave + last

    def attack_effects(self, step: StepContext) -> list[Effect]:  # noqa: F821  (types: zsim.controls.base)
        """A node whose boot chain was tampered with (an implanted driver or kernel) fails its TPM quote at
        the next job start and is kept out of the job, its weights and its credentials."""
        from zsim.attacks.effects import ActionKind, Block

        if not self.params.enabled or step.action != ActionKind.TAMPER_RUNTIME or step.mode != "boot":
            return []
        return [Block(self.name, "the tampered node fails attestation at job start")]
