"""Artifact verification at the pipeline's boundaries: ``none``, ``hash`` or ``signature``, each on its own.

Boundaries (where an artifact crosses from one party to the next) and who calls the hook:

============  ====================================================================  =====================
boundary      what is checked                                                       overlaps with
============  ====================================================================  =====================
``evaluate``  the training checkpoint, when the evaluator reads it from storage     the checkpoint read
``register``  the exported model, when the registry ingests it                      the push
``deploy``    the model, on every replica that pulls it from the registry           the pull
``load``      the model on local disk, when the serving runtime loads it            nothing (local read)
============  ====================================================================  =====================

and two *producer* boundaries, the cost of making what the checks above compare against:
``sign:checkpoint`` (the trainer hashes or signs its checkpoint; mode of ``evaluate``) and ``sign:model`` (the
register stage hashes or signs the model; the strongest mode among ``register``, ``deploy`` and ``load``).

**Cost model.** Hashing is model_signing's shard serialization: the artifact is cut into ``shard_bytes``
pieces and a pool of ``cores`` workers hashes them with SHA-256 at ``sha256_per_core_Bps`` each. Its wall time
is the makespan of the shards (:func:`shard_makespan_s`), its CPU time ``size / sha256_per_core_Bps``.
``signature`` adds one signature verification and one certificate-chain validation (or, at a producer, one
signature) and a fixed per-operation overhead (0 for offline keys; Sigstore's service round trips when
calibrated against it).

**Overlap.** With ``overlap: true`` shards are hashed as they arrive, so all but the last shard's hash hides
behind the transfer: the hook returns ``overlappable_wall_s = makespan - tail`` and ``wall_s = tail + extras``
where ``tail`` is the last shard's hash time. A stage then takes ``max(transfer, makespan - tail) + tail +
extras``. That is exact when hashing keeps up with the transfer (``cores * rate >= transfer rate``) and the
size is a whole number of shards; otherwise it ignores the first shard's arrival time (at most one shard's
transfer time). Without overlap the whole verification follows the transfer.

**Security effect.** ``hash`` catches any change to the bytes after the digest was recorded (tampered, extra
or missing files) but not a substituted artifact whose digest was recorded by a compromised registry or
producer; ``signature`` also binds the artifact to a signer identity in the expected trust domain (see
:mod:`zsim.artifacts`, which performs both checks for real in tests and in the pipeline's emulate mode).
"""

from __future__ import annotations

import math
import warnings
from enum import StrEnum

from pydantic import Field

from zsim.controls.base import ArtifactCost, Control, ControlParams, cost_field
from zsim.controls.registry import register
from zsim.units import Bytes, BytesPerSecond, Seconds

SHA256_ROW = "published.md Artifacts: SHA-256, one core with SHA-NI ≈2 GB/s (measured, 2-core VM)"
SIG_ROW = "published.md Service-to-service: JWT-SVID ES256 verify via PyJWT 67 µs (ECDSA P-256 verify)"
CHAIN_ROW = (
    "published.md Service-to-service: X.509-SVID parse + chain verify with spiffe 120–175 µs (upper end)"
)
SIGN_ROW = (
    "published.md Service-to-service: X.509-SVID issue (keygen + sign) ≈90 µs, an upper bound on one sign"
)
FIXED_ROW = (
    "0 for offline key signing (no service round trip); Sigstore keyless adds its round trips: 0.6 s verify "
    "/ 1.0 s sign on 48 vCPU (sigstore/model-transparency README, H2, roberta-base-11 8K row)"
)
SHARD_SOURCE = "model_signing 1.1.1 hashing.use_shard_serialization default shard_size = 1 GB"

BOUNDARIES = ("evaluate", "register", "deploy", "load")
PRODUCERS = {"sign:checkpoint": ("evaluate",), "sign:model": ("register", "deploy", "load")}


class Mode(StrEnum):
    NONE = "none"
    HASH = "hash"
    SIGNATURE = "signature"


_STRENGTH = {Mode.NONE: 0, Mode.HASH: 1, Mode.SIGNATURE: 2}


# A field named "register" shadows ABCMeta.register on the class (pydantic warns); instances read the field,
# and nothing registers virtual subclasses of a params model, so the shadowing is harmless.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)

    class ArtifactVerificationParams(ControlParams):
        evaluate: Mode = Field(Mode.NONE, description="check of the training checkpoint by the evaluator")
        register: Mode = Field(Mode.NONE, description="check of the model by the registry on ingest")
        deploy: Mode = Field(Mode.NONE, description="check of the pulled model on every replica")
        load: Mode = Field(
            Mode.NONE, description="check of the model on local disk when the runtime loads it"
        )
        cores: int = Field(
            2,
            ge=1,
            description="worker threads hashing shards (the verifier's CPU limit); "
            "2 as in the measured model_signing row",
        )
        shard_bytes: Bytes = Field(1e9, gt=0, description=f"hashing shard size ({SHARD_SOURCE})")
        overlap: bool = Field(False, description="hash shards while the transfer is still running")
        sha256_per_core_Bps: BytesPerSecond = cost_field(2e9, source=SHA256_ROW)
        signature_verify_s: Seconds = cost_field(67e-6, source=SIG_ROW)
        chain_verify_s: Seconds = cost_field(175e-6, source=CHAIN_ROW)
        sign_s: Seconds = cost_field(90e-6, source=SIGN_ROW)
        verify_fixed_s: Seconds = cost_field(0.0, source=FIXED_ROW)
        sign_fixed_s: Seconds = cost_field(0.0, source=FIXED_ROW)

        def active(self) -> bool:
            return any(getattr(self, b) != Mode.NONE for b in BOUNDARIES)

        def mode(self, boundary: str) -> Mode:
            """The mode at a consumer boundary, or the mode a producer boundary must serve."""
            if boundary in PRODUCERS:
                return max((getattr(self, b) for b in PRODUCERS[boundary]), key=_STRENGTH.__getitem__)
            if boundary in BOUNDARIES:
                return Mode(getattr(self, boundary))
            known = ", ".join((*BOUNDARIES, *PRODUCERS))
            raise ValueError(f"unknown artifact boundary {boundary!r} (known: {known})")


def shard_makespan_s(
    size_bytes: float, shard_bytes: float, cores: int, rate_Bps: float
) -> tuple[float, float]:
    """Wall time to hash ``size_bytes`` in shards over ``cores`` workers, and the last shard's own hash time.

    With ``k, j = divmod(full_shards, cores)`` and a remainder shard of ``r`` bytes, workers take shards in
    order, so the makespan is ``(k*shard + (shard if j else r)) / rate``: when ``j > 0`` the last, partial
    wave of full shards is still running when the remainder (on an idle worker) finishes.
    """
    if size_bytes <= 0:
        return 0.0, 0.0
    full = math.floor(size_bytes / shard_bytes)
    rem = size_bytes - full * shard_bytes
    k, j = divmod(full, cores)
    makespan = (k + 1) * shard_bytes / rate_Bps if j > 0 else (k * shard_bytes + rem) / rate_Bps
    tail = (rem if rem > 0 else shard_bytes) / rate_Bps
    return makespan, tail


@register
class ArtifactVerification(Control):
    name = "artifact_verification"
    Params = ArtifactVerificationParams
    summary = "hash or signature verification of checkpoints and models at each pipeline boundary"
    params: ArtifactVerificationParams

    def artifact_verify(self, size_bytes: float, boundary: str) -> ArtifactCost | None:
        p = self.params
        if boundary not in BOUNDARIES and boundary not in PRODUCERS:
            return None  # another control's boundary (e.g. training data, image admission)
        mode = p.mode(boundary)
        if mode == Mode.NONE:
            return None
        hash_s, tail_s = shard_makespan_s(size_bytes, p.shard_bytes, p.cores, p.sha256_per_core_Bps)
        cpu_s = size_bytes / p.sha256_per_core_Bps
        extra_wall_s = extra_cpu_s = 0.0
        if mode == Mode.SIGNATURE and boundary in PRODUCERS:
            extra_wall_s = p.sign_fixed_s + p.sign_s
            extra_cpu_s = p.sign_s
        elif mode == Mode.SIGNATURE:
            extra_wall_s = p.verify_fixed_s + p.signature_verify_s + p.chain_verify_s
            extra_cpu_s = p.signature_verify_s + p.chain_verify_s
        if p.overlap:
            return ArtifactCost(
                cpu_s=cpu_s + extra_cpu_s, wall_s=tail_s + extra_wall_s, overlappable_wall_s=hash_s - tail_s
            )
        return ArtifactCost(cpu_s=cpu_s + extra_cpu_s, wall_s=hash_s + extra_wall_s)

    def attack_effects(self, step: StepContext) -> list[Effect]:  # noqa: F821  (types: zsim.controls.base)
        """A substituted artifact is caught when it is loaded: a storage hand-off by the evaluator's check,
        a registry copy by the deploy/load checks. A signature always catches it; a hash only when the
        attacker cannot also rewrite the recorded digest (metadata)."""
        from zsim.attacks.effects import ActionKind, Block

        if step.action != ActionKind.SUBSTITUTE_ARTIFACT:
            return []
        p = self.params
        modes = [p.evaluate] if step.mode == "storage" else [p.deploy, p.load]
        mode = max(modes, key=_STRENGTH.__getitem__)
        if mode == Mode.SIGNATURE:
            return [Block(self.name, "the substitute is not signed by the expected identity")]
        if mode == Mode.HASH and not step.rewrites_metadata:
            return [Block(self.name, "the substitute does not match the recorded digest")]
        return []
