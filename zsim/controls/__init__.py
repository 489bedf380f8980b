"""Zero-trust controls: one module per control (parameters, costs, hooks, attack effects).

Importing this package registers every built-in control. To add one, write a module beside these and add its
import below (see ``docs/extending.md``).
"""

from zsim.controls import (  # registration side effect
    artifact_verification,  # noqa: F401
    attestation,  # noqa: F401
    authz,  # noqa: F401
    container_hardening,  # noqa: F401
    credential_hygiene,  # noqa: F401
    data_integrity,  # noqa: F401
    monitoring,  # noqa: F401
    mtls,  # noqa: F401
    network_policy,  # noqa: F401
    rdma_encryption,  # noqa: F401
    runtime_integrity,  # noqa: F401
    tokens,  # noqa: F401
)
