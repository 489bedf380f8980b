"""Shared helpers for the pipeline tests: build and run the pipeline workload, make real PKI and artifacts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

from zsim.artifacts import TrustDomainCA
from zsim.config.topology import TopologyConfig
from zsim.controls.registry import ControlSet, build_params
from zsim.engine.workload import RunContext, WorkloadModel
from zsim.platform.network import NetworkSpec
from zsim.platform.pipeline import Pipeline
from zsim.platform.pipeline_config import PipelineConfig
from zsim.platform.registry import RegistrySpec
from zsim.rng import SeedTree

TD = "ml.example"
TENANT = "acme"
REGISTER_ID = f"spiffe://{TD}/tenants/{TENANT}/pipeline/register"


def controls(**artifact_verification: Any) -> ControlSet:
    """A tier with only the artifact_verification control set (empty: every control off)."""
    if not artifact_verification:
        return ControlSet("none", {})
    return ControlSet(
        "t", {"artifact_verification": build_params("artifact_verification", artifact_verification)}
    )


def context(
    *,
    tier: ControlSet | None = None,
    registry: RegistrySpec | None = None,
    network: NetworkSpec | None = None,
    base_dir: Path | None = None,
) -> RunContext:
    topo = TopologyConfig(name="t", registry=registry or RegistrySpec(), network=network or NetworkSpec())
    return RunContext(
        topology=topo, controls=tier or controls(), seeds=SeedTree(7).replication(0), base_dir=base_dir
    )


def run(config: dict[str, Any], ctx: RunContext, others: dict[str, WorkloadModel] | None = None) -> Pipeline:
    """Build the pipeline (and any other models), start them in one environment, run it to the end."""
    model = Pipeline(PipelineConfig.model_validate(config), ctx)
    ctx.models.update(others or {})
    ctx.models["pipeline"] = model
    env = simpy.Environment()
    for m in ctx.models.values():
        m.start(env)
    env.run()
    return model


@dataclass
class Pki:
    """A good and an attacker trust domain, with code-signing identities written as PEM files."""

    root: Path
    bundle: Path  # the good trust domain's CA (what verifiers trust)
    register: dict[str, Path]  # the register stage of the good domain
    train: dict[str, Path]  # another stage of the good domain (not allowed to sign models)
    foreign: dict[str, Path]  # the register stage of another trust domain


def make_pki(root: Path, key_type: str = "ecdsa-p256") -> Pki:
    good = TrustDomainCA.create(TD)
    evil = TrustDomainCA.create("evil.example")
    bundle = good.write_bundle(root / "bundle.pem")
    reg = good.issue(REGISTER_ID, key_type=key_type).write(root, "register")  # type: ignore[arg-type]
    train = good.issue(f"spiffe://{TD}/tenants/{TENANT}/pipeline/train", key_type=key_type).write(root, "train")  # type: ignore[arg-type]
    foreign = evil.issue(f"spiffe://evil.example/tenants/{TENANT}/pipeline/register", key_type=key_type).write(  # type: ignore[arg-type]
        root, "foreign"
    )
    return Pki(root, bundle, reg, train, foreign)


def make_model(folder: Path) -> Path:
    """A small model folder: weights in two files, a config, a nested tokenizer file."""
    folder.mkdir(parents=True)
    (folder / "model-00001-of-00002.safetensors").write_bytes(os.urandom(40_000))
    (folder / "model-00002-of-00002.safetensors").write_bytes(os.urandom(25_000))
    (folder / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}\n')
    (folder / "tokenizer").mkdir()
    (folder / "tokenizer" / "tokenizer.json").write_text('{"version": "1.0"}\n')
    return folder


def flip_byte(path: Path, offset: int = 1234) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
