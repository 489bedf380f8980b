"""Real integrity on real artifact folders: signing identities, signatures, verification with reasons.

Used by tests and by the pipeline's ``emulate`` mode, where a small real folder stands in for the simulated
artifact and the simulated outcome at each boundary follows what the real check returned.
"""

from zsim.artifacts.api import Format, Mode, sign_artifact, verify_artifact
from zsim.artifacts.result import Problem, Reason, VerificationResult
from zsim.artifacts.trust import SignerIdentity, TrustDomainCA, load_trust

__all__ = [
    "Format",
    "Mode",
    "Problem",
    "Reason",
    "SignerIdentity",
    "TrustDomainCA",
    "VerificationResult",
    "load_trust",
    "sign_artifact",
    "verify_artifact",
]
