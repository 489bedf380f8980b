"""What a real integrity check returns: pass or fail, and why.

Reasons are ordered from "the signature itself is unacceptable" to "the files differ from what was signed". A
check reports the first reason it hits in that order, and every problem it found in ``problems``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Reason(StrEnum):
    OK = "ok"
    MALFORMED = "malformed_signature"  # the bundle does not parse or is not of the expected format
    WRONG_TRUST_DOMAIN = "wrong_trust_domain"  # signed by a workload of another SPIFFE trust domain
    UNTRUSTED_SIGNER = "untrusted_signer"  # the signer's chain does not lead to the trust bundle
    WRONG_SIGNER = "wrong_signer"  # right trust domain, but not the workload allowed to sign
    BAD_SIGNATURE = "bad_signature"  # the signature does not verify under the trusted key
    MISSING_FILE = "missing_file"  # a signed file is absent
    EXTRA_FILE = "extra_file"  # a file that was never signed is present
    TAMPERED = "tampered"  # a file's bytes differ from its signed digest


@dataclass(frozen=True)
class Problem:
    reason: Reason
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of one real check of an artifact folder against its signature bundle."""

    ok: bool
    reason: Reason
    detail: str = ""
    signer: str | None = None  # the signer's SPIFFE ID when the bundle carries a certificate
    mode: str = "signature"  # "signature" or "hash" (digests only, signature not checked)
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @classmethod
    def passed(cls, *, signer: str | None, mode: str) -> VerificationResult:
        return cls(True, Reason.OK, "verified", signer=signer, mode=mode)

    @classmethod
    def failed(cls, problems: list[Problem], *, signer: str | None, mode: str) -> VerificationResult:
        if not problems:
            raise ValueError("a failed result needs at least one problem")
        order = list(Reason)
        first = min(problems, key=lambda p: order.index(p.reason))
        return cls(False, first.reason, first.detail, signer=signer, mode=mode, problems=tuple(problems))

    def __str__(self) -> str:
        who = f" (signer {self.signer})" if self.signer else ""
        return f"{self.reason.value}: {self.detail}{who}"
