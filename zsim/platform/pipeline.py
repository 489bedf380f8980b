"""The ML pipeline as a workload: train → evaluate → register → deploy, with integrity checks at boundaries.

Each stage runs as its own workload identity, ``spiffe://<trust-domain>/<tenant>/pipeline/<stage>``; the
register stage is the one allowed to sign models. Artifacts move over modelled links:

========== ===================================================================================================
stage      what happens
========== ===================================================================================================
train      compute for ``train.duration_s``, then write the checkpoint (7 x the model by default) to the
           checkpoint store, hashing or signing it (``sign:checkpoint``) beside the write
evaluate   read the checkpoint, checked at the ``evaluate`` boundary, then compute for ``evaluate.duration_s``
register   push the exported model into the registry (its storage must hold it), signed or hashed by the
           register stage (``sign:model``) and checked by the registry (``register`` boundary) beside the push
deploy     rolling update of the inference fleet (:mod:`zsim.platform.rollout`): ``deploy``, ``load`` checks
========== ===================================================================================================

Transfers are capped by the node's storage link (``topology.network.storage_bandwidth_Bps``), by the link they
share, and by any control's ``transfer`` hook; verification costs come from the controls' ``artifact_verify``
hook. A stage whose check rejects the artifact (emulate mode) stops the pipeline there.

The fleet in the same run reads :attr:`Pipeline.unavailability` to route around replicas being updated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from zsim.artifacts import VerificationResult
from zsim.controls.base import Plane
from zsim.engine.workload import RunContext, WorkloadModel, register_workload
from zsim.errors import InputError
from zsim.platform.artifact_flow import Ledger, crossing, transfer_terms, verification_cost
from zsim.platform.emulate import EmulatedArtifact
from zsim.platform.pipeline_config import STAGES, PipelineConfig, stage_spiffe_id
from zsim.platform.registry import Registry, RegistrySpec, check_fits, stream
from zsim.platform.rollout import Rollout
from zsim.platform.shared_link import SharedLink

FIELD = "workloads.pipeline"
CHECKED_BOUNDARIES = ("evaluate", "register", "deploy", "load")


@register_workload
class Pipeline(WorkloadModel):
    name = "pipeline"
    Config = PipelineConfig
    config: PipelineConfig

    def __init__(self, config: PipelineConfig, ctx: RunContext) -> None:
        super().__init__(config, ctx)
        if ctx.topology.registry is None:
            ctx.warnings.append("pipeline: the topology has no registry section; using RegistrySpec defaults")
        self.registry_spec: RegistrySpec = ctx.topology.registry or RegistrySpec()
        check_fits(self.registry_spec, config.model_bytes, field=f"{FIELD}.model_bytes")
        self.identities = {s: stage_spiffe_id(config.trust_domain, config.tenant, s) for s in STAGES}
        self.emulated: EmulatedArtifact | None = None
        if config.emulate is not None:
            self.emulated = EmulatedArtifact(
                config.emulate,
                ctx.base_dir,
                trust_domain=config.trust_domain,
                signer=self.identities["register"],
                needs_trust=any(self.mode(b) == "signature" for b in CHECKED_BOUNDARIES),
            )
        self.ledger = Ledger()
        self.rollout: Rollout | None = None
        self.stage_times_s: dict[str, float] = {}
        self.rejections: list[tuple[str, VerificationResult]] = []
        self.start_s = math.nan
        self.end_s = math.nan
        self.completed = False

    # --- interface to other models ------------------------------------------------------------------------

    @property
    def unavailability(self) -> list[tuple[int, float, float]]:
        """``(replica, down_from_s, up_at_s)`` intervals of the rollout (``inf`` while a replica is down)."""
        return self.rollout.unavailability if self.rollout is not None else []

    def mode(self, boundary: str) -> str:
        """The mode the artifact_verification control sets at ``boundary`` ("none" without the control)."""
        try:
            params = self.ctx.controls.params("artifact_verification")
        except KeyError:
            return "none"
        get_mode = getattr(params, "mode", None)
        return str(get_mode(boundary)) if callable(get_mode) and params.active() else "none"

    # --- simulation ---------------------------------------------------------------------------------------

    def start(self, env: simpy.Environment) -> None:
        self.env = env
        self.replicas = self._replica_count() if "deploy" in self.config.stages else 0
        registry = self.ctx.extras.get("registry")
        if not isinstance(registry, Registry) or registry.env is not env:
            registry = Registry(env, self.registry_spec)
            self.ctx.extras["registry"] = registry
        self.registry = registry
        store = self.registry_spec.checkpoint_store
        self.ckpt_write = SharedLink(env, store.write_bandwidth_Bps, "checkpoint_store.write")
        self.ckpt_read = SharedLink(env, store.read_bandwidth_Bps, "checkpoint_store.read")
        self.node_link_Bps = self.ctx.topology.network.storage_bandwidth_Bps
        self.rtt_s = 2 * self.ctx.topology.network.hop_latency_s
        d = self.config.deploy
        rng = self.ctx.seeds.stream("pipeline.warmup")
        draws = rng.uniform(d.warmup_min_s, d.warmup_max_s, size=self.replicas)
        self.warmup_s = np.full(self.replicas, d.warmup_min_s) if d.warmup_max_s == d.warmup_min_s else draws
        env.process(self._run(env))

    def _replica_count(self) -> int:
        fleet = self.ctx.models.get("inference")
        fleet_n = getattr(getattr(fleet, "config", None), "replicas", None)
        own_n = self.config.deploy.replicas
        if fleet_n is not None and own_n is not None and fleet_n != own_n:
            raise InputError(
                f"{own_n} replicas, but the inference workload has {fleet_n}; leave it unset",
                field=f"{FIELD}.deploy.replicas",
            )
        n = own_n if own_n is not None else fleet_n
        if n is None:
            raise InputError(
                "set deploy.replicas, or configure an inference workload to update",
                field=f"{FIELD}.deploy.replicas",
            )
        return int(n)

    def _run(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        if self.config.start_at_s > 0:
            yield env.timeout(self.config.start_at_s)
        self.start_s = env.now
        stages: dict[str, Callable[[simpy.Environment], Generator[simpy.Event, Any, bool]]] = {
            "train": self._train,
            "evaluate": self._evaluate,
            "register": self._register,
            "deploy": self._deploy,
        }
        if self.emulated is not None and self.emulated.spec.sign and "register" not in self.config.stages:
            self.emulated.sign()  # no register stage in this run: the model arrives signed
        ok = True
        for stage in self.config.stages:
            t0 = env.now
            ok = yield from stages[stage](env)
            self.stage_times_s[stage] = env.now - t0
            if not ok:
                break
        self.completed = ok
        self.end_s = env.now

    def _check(self, boundary: str) -> VerificationResult | None:
        """The real check's outcome in emulate mode, or None (the boundary passes)."""
        mode = self.mode(boundary)
        if self.emulated is None or mode == "none":
            return None
        result = self.emulated.check(boundary, mode)
        if not result.ok and all(b != boundary for b, _ in self.rejections):
            self.rejections.append((boundary, result))
            self.ctx.warnings.append(f"pipeline: {boundary} check rejected the artifact: {result}")
        return result

    def _move(self, env: simpy.Environment, link: SharedLink, size: float) -> simpy.Process:
        messages = math.ceil(size / self.registry_spec.chunk_bytes)
        terms = transfer_terms(self.ctx.controls, Plane.STORAGE, size, messages, rtt_s=self.rtt_s)
        self.ledger.transfer_cpu_s += terms.cpu_s
        cap = terms.flow_cap_Bps(self.node_link_Bps)
        return stream(env, link, size, cap, self.registry_spec.request_latency_s + terms.setup_s)

    def _train(self, env: simpy.Environment) -> Generator[simpy.Event, Any, bool]:
        if self.config.train.duration_s > 0:
            yield env.timeout(self.config.train.duration_s)
        size = self.config.checkpoint_bytes
        sign = verification_cost(self.ctx.controls, size, "sign:checkpoint")
        (wall,) = yield from crossing(env, self._move(env, self.ckpt_write, size), [sign])
        self.ledger.add_check("sign:checkpoint", sign, wall)
        return True

    def _evaluate(self, env: simpy.Environment) -> Generator[simpy.Event, Any, bool]:
        size = self.config.checkpoint_bytes
        check = verification_cost(self.ctx.controls, size, "evaluate")
        (wall,) = yield from crossing(env, self._move(env, self.ckpt_read, size), [check])
        self.ledger.add_check("evaluate", check, wall)
        result = self._check("evaluate")
        if result is not None and not result.ok:
            return False
        if self.config.evaluate.duration_s > 0:
            yield env.timeout(self.config.evaluate.duration_s)
        return True

    def _register(self, env: simpy.Environment) -> Generator[simpy.Event, Any, bool]:
        size = self.config.model_bytes
        if self.emulated is not None and self.emulated.spec.sign:
            self.emulated.sign()
        sign = verification_cost(self.ctx.controls, size, "sign:model")
        check = verification_cost(self.ctx.controls, size, "register")
        yield self.registry.storage.put(size)
        sign_wall, check_wall = yield from crossing(
            env, self._move(env, self.registry.ingest, size), [sign, check]
        )
        self.ledger.add_check("sign:model", sign, sign_wall)
        self.ledger.add_check("register", check, check_wall)
        result = self._check("register")
        if result is not None and not result.ok:
            yield self.registry.storage.get(size)  # the registry refuses and deletes the upload
            return False
        return True

    def _deploy(self, env: simpy.Environment) -> Generator[simpy.Event, Any, bool]:
        self.rollout = Rollout(
            env,
            replicas=self.replicas,
            deploy=self.config.deploy,
            model_bytes=self.config.model_bytes,
            registry=self.registry,
            controls=self.ctx.controls,
            node_link_Bps=self.node_link_Bps,
            warmup_s=self.warmup_s,
            ledger=self.ledger,
            check=self._check,
        )
        yield from self.rollout.run()
        return self.rollout.rejection is None

    # --- results ------------------------------------------------------------------------------------------

    def metrics(self) -> dict[str, float]:
        if math.isnan(self.end_s):
            raise RuntimeError("the pipeline has not run to its end")
        verify_wall = self.ledger.mean_wall_s("deploy")
        out: dict[str, float] = {
            "e2e_time_s": self.end_s - self.start_s,
            "completed": float(self.completed),
            "verify_failures": float(len(self.rejections)),
            "verify_cpu_s": float(sum(self.ledger.verify_cpu_s.values())),
            "sign_cpu_s": self.ledger.sign_cpu_s,
            "transfer_cpu_s": self.ledger.transfer_cpu_s,
            "verify_wall_s": verify_wall,
            "verify_rate_Bps": self.config.model_bytes / verify_wall if verify_wall > 0 else math.nan,
            "sign_wall_s": self.ledger.mean_wall_s("sign:model"),
            "registry_used_bytes": float(self.registry.storage.level),
        }
        for b in CHECKED_BOUNDARIES:
            out[f"verify_cpu_{b}_s"] = self.ledger.verify_cpu_s.get(b, 0.0)
        for stage, t in self.stage_times_s.items():
            out[f"stage_{stage}_time_s"] = t
        if self.rollout is not None:
            out.update(self.rollout.metrics())
        if self.emulated is not None:
            out["emulate_checks_run"] = float(self.emulated.checks_run)
        return out
