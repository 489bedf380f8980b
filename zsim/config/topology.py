"""Topology: the platform's hardware and components, shared by every experiment that names it.

Each section is owned by the platform module that simulates it; the section model is imported from there so the
schema lives beside the code that reads it. A topology file may hold any subset of sections.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from zsim.attacks.platform import PlatformSpec
from zsim.config.base import StrictModel
from zsim.errors import InputError, from_validation_error
from zsim.platform.fabric import ClusterSpec
from zsim.platform.identity_spec import IdentitySpec
from zsim.platform.network import NetworkSpec
from zsim.platform.registry import RegistrySpec
from zsim.yamlio import load_yaml_file


class TopologyConfig(StrictModel):
    name: str = Field(min_length=1)
    description: str = ""
    network: NetworkSpec = NetworkSpec()
    identity: IdentitySpec = IdentitySpec()
    # --- sections owned by platform modules (add yours here) ---------------------------------------------
    registry: RegistrySpec | None = None  # model registry + checkpoint store (zsim/platform/registry.py)
    cluster: ClusterSpec | None = None  # GPU training cluster and fabric (zsim/platform/fabric.py)
    platform: PlatformSpec | None = None  # what the attacker walks: components, links (zsim/attacks/platform.py)


def load_topology(path: str | Path) -> TopologyConfig:
    path = Path(path)
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("a topology file must be a mapping", file=path)
    try:
        return TopologyConfig.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file=path) from None
