"""Identity plane: SPIFFE workload identities, access policy and tokens with real cryptography.

Main entry points (imported lazily, so ``import zsim.identity`` stays cheap):

* :class:`IdentityPlane` — what the simulator calls: ``issue``, ``authorize``, ``rotate_due``,
  ``revoke_authority``, ``update_policy``, JWT-SVIDs; ``mode="real"`` (certificates) or ``"modelled"``.
* :class:`TrustDomainCA`, :class:`X509Verifier`, :class:`JwtValidator` — the real cryptography.
* :class:`Policy`, :func:`load_policy`, :func:`default_policy`, :class:`PolicyEngine`, :class:`CedarEngine`.
* :class:`Decision`, :class:`Reason` — every answer is allow/deny with a code and a reason.
* :mod:`zsim.identity.calibrate` — ``measure_*`` cost functions for the calibration issue.

See ``docs/identity.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "IdentityPlane": "zsim.identity.plane",
    "make_engine": "zsim.identity.plane",
    "Authority": "zsim.identity.records",
    "Credential": "zsim.identity.records",
    "JwtCredential": "zsim.identity.records",
    "Workload": "zsim.identity.records",
    "TrustDomainCA": "zsim.identity.ca",
    "IssuedSvid": "zsim.identity.ca",
    "X509Verifier": "zsim.identity.verify",
    "Verification": "zsim.identity.verify",
    "VerifiedSvid": "zsim.identity.verify",
    "JwtValidator": "zsim.identity.jwt_svid",
    "Policy": "zsim.identity.policy",
    "load_policy": "zsim.identity.policy",
    "default_policy": "zsim.identity.policy",
    "policy_from_data": "zsim.identity.policy",
    "PolicyEngine": "zsim.identity.engine",
    "CedarEngine": "zsim.identity.cedar",
    "Decision": "zsim.identity.decision",
    "Reason": "zsim.identity.decision",
    "Target": "zsim.identity.names",
    "WorkloadName": "zsim.identity.names",
    "EPOCH": "zsim.identity.clock",
    "sim_datetime": "zsim.identity.clock",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zsim.identity' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
