"""The run's identity plane: one SPIFFE trust domain shared by every workload of a run.

Workloads ask :func:`identity_plane` for it; it is created on first use from the topology's ``identity``
section, with its own random stream (rotation jitter), and kept in the run context.
"""

from __future__ import annotations

from pathlib import Path

from zsim.engine.workload import RunContext
from zsim.errors import InputError


def identity_plane(ctx: RunContext):  # type: ignore[no-untyped-def]
    """The run's :class:`zsim.identity.IdentityPlane`, created on first use."""
    plane = ctx.extras.get("identity")
    if plane is not None:
        return plane
    from zsim.identity import IdentityPlane, load_policy

    spec = ctx.topology.identity
    policy = None
    if spec.policy is not None:
        path = Path(spec.policy)
        if not path.is_absolute() and ctx.base_dir is not None:
            path = ctx.base_dir / path
        if not path.is_file():
            raise InputError("policy file not found", file=path, field="topology.identity.policy")
        policy = load_policy(path)
    plane = IdentityPlane(spec.trust_domain, policy, rng=ctx.seeds.stream("identity"), mode=spec.mode)
    ctx.extras["identity"] = plane
    return plane
