"""Emulate mode: a real artifact folder stands in for the simulated model, and real checks decide boundaries.

At each boundary whose verification mode is ``hash`` or ``signature`` the pipeline asks
:meth:`EmulatedArtifact.check`, which runs :func:`zsim.artifacts.verify_artifact` on the folder (once per
boundary, or on every replica with ``recheck_every_replica``). ``signature`` mode demands that the signer be
in the pipeline's trust domain and be the register stage's SPIFFE ID. With ``sign: true`` the register stage
signs the folder for real when the simulation reaches it. Missing files are bad input, found when the model
is built.
"""

from __future__ import annotations

from pathlib import Path

from zsim.artifacts import VerificationResult, sign_artifact, verify_artifact
from zsim.errors import InputError
from zsim.platform.pipeline_config import EmulateSpec

FIELD = "workloads.pipeline.emulate"


class EmulatedArtifact:
    def __init__(
        self, spec: EmulateSpec, base_dir: Path | None, *, trust_domain: str, signer: str, needs_trust: bool
    ) -> None:
        base = base_dir or Path.cwd()
        self.spec = spec
        self.trust_domain = trust_domain
        self.signer = signer
        self.folder = self._path(base, spec.artifact_dir)
        self.signature = self._path(base, spec.signature)
        self.key = self._path(base, spec.signing_key) if spec.signing_key else None
        self.cert = self._path(base, spec.signing_cert) if spec.signing_cert else None
        self.chain = tuple(self._path(base, c) for c in spec.chain)
        self.trust = self._path(base, spec.trust) if spec.trust else None
        self._cache: dict[str, VerificationResult] = {}
        self.checks_run = 0
        self._validate(needs_trust)

    @staticmethod
    def _path(base: Path, p: Path) -> Path:
        return p if p.is_absolute() else base / p

    def _validate(self, needs_trust: bool) -> None:
        if not self.folder.is_dir():
            raise InputError("artifact folder not found", file=self.folder, field=f"{FIELD}.artifact_dir")
        if self.spec.sign:
            assert self.key is not None  # the config validator demands it
            if not self.key.is_file():
                raise InputError("signing key not found", file=self.key, field=f"{FIELD}.signing_key")
            for p, name in [(self.cert, "signing_cert"), *((c, "chain") for c in self.chain)]:
                if p is not None and not p.is_file():
                    raise InputError("certificate file not found", file=p, field=f"{FIELD}.{name}")
            if not self.signature.parent.is_dir():
                raise InputError(
                    "folder for the signature bundle not found",
                    file=self.signature.parent,
                    field=f"{FIELD}.signature",
                )
        elif not self.signature.is_file():
            raise InputError("signature bundle not found", file=self.signature, field=f"{FIELD}.signature")
        if needs_trust and self.trust is None:
            raise InputError(
                "signature verification in emulate mode needs a trust bundle or public key",
                field=f"{FIELD}.trust",
            )
        if self.trust is not None and not self.trust.is_file():
            raise InputError("trust bundle not found", file=self.trust, field=f"{FIELD}.trust")

    def sign(self) -> None:
        """Sign the folder for real with the register stage's key (and certificate)."""
        assert self.key is not None
        sign_artifact(
            self.folder,
            self.signature,
            key=self.key,
            cert=self.cert,
            chain=self.chain,
            format=self.spec.format,
        )
        self._cache.clear()

    def check(self, boundary: str, mode: str) -> VerificationResult:
        """The real outcome of ``mode`` ("hash" or "signature") at ``boundary``."""
        key = f"{boundary}:{mode}"
        if key in self._cache and not self.spec.recheck_every_replica:
            return self._cache[key]
        self.checks_run += 1
        result = verify_artifact(
            self.folder,
            self.signature,
            trust=self.trust if mode == "signature" else None,
            mode=mode,  # type: ignore[arg-type]
            trust_domain=self.trust_domain,
            expected_signer=self.signer,
        )
        self._cache[key] = result
        return result
