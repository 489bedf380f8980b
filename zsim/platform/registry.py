"""The model registry: storage with a capacity, a serving link shared by pulls, a limit on concurrent pulls.

Also the checkpoint store that training writes to and evaluation reads from. Both are topology sections
(``registry:`` in a topology file); sizes and bandwidths accept units ("100 TB", "100 Gb/s").

In the simulation the registry is one shared service per run (``ctx.extras["registry"]``):

* ``storage`` — a simpy ``Container`` whose level is the bytes held; registering a model puts its size.
* ``pull_slots`` — a simpy ``Resource`` of ``max_concurrent_pulls``; a pull holds a slot while bytes flow.
* ``serving`` / ``ingest`` — shared links (:mod:`zsim.platform.shared_link`): concurrent pulls share the
  serving bandwidth max-min fairly, each capped by ``per_pull_bandwidth_Bps`` (one client stream), by the
  puller's own storage link and by any control's rate cap.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy
from pydantic import Field, model_validator

from zsim.config.base import StrictModel
from zsim.errors import InputError
from zsim.platform.shared_link import SharedLink
from zsim.units import Bytes, BytesPerSecond, Seconds

RUNAI_ROW = "published.md Artifacts: Run:ai model streamer, 15 GB from S3 in 4.88 s (3.07 GB/s per stream)"


class CheckpointStoreSpec(StrictModel):
    """Shared storage for training checkpoints (a parallel file system or object store tier)."""

    write_bandwidth_Bps: BytesPerSecond = Field(
        10e9, gt=0, description="aggregate write bandwidth (assumption, no published row)"
    )
    read_bandwidth_Bps: BytesPerSecond = Field(
        10e9, gt=0, description="aggregate read bandwidth (assumption, no published row)"
    )


class RegistrySpec(StrictModel):
    """The model registry and the checkpoint store, as hardware."""

    storage_capacity_bytes: Bytes = Field(100e12, gt=0, description="bytes the registry can hold")
    used_bytes: Bytes = Field(0.0, ge=0, description="already held by earlier models")
    serving_bandwidth_Bps: BytesPerSecond = Field(
        100e9 / 8, gt=0, description="egress shared by all pulls (assumption: one 100 GbE front end)"
    )
    ingest_bandwidth_Bps: BytesPerSecond = Field(100e9 / 8, gt=0, description="ingress for pushes")
    per_pull_bandwidth_Bps: BytesPerSecond = Field(15e9 / 4.88, gt=0, description=f"one stream ({RUNAI_ROW})")
    max_concurrent_pulls: int = Field(8, ge=1, description="pulls served at once; more wait (assumption)")
    request_latency_s: Seconds = Field(0.0, ge=0, description="time to first byte of a pull or push")
    chunk_bytes: Bytes = Field(
        1e9, gt=0, description="bytes per ranged request (one model_signing shard), counted as messages"
    )
    checkpoint_store: CheckpointStoreSpec = CheckpointStoreSpec()

    @model_validator(mode="after")
    def _used_fits(self) -> RegistrySpec:
        if self.used_bytes > self.storage_capacity_bytes:
            raise ValueError("used_bytes exceeds storage_capacity_bytes")
        return self


def check_fits(spec: RegistrySpec, size_bytes: float, *, field: str) -> None:
    """Raise a clear :class:`InputError` when an artifact cannot be stored in the registry."""
    cap = spec.storage_capacity_bytes
    if size_bytes > cap:
        raise InputError(
            f"artifact of {size_bytes:.4g} bytes is larger than the registry's storage of {cap:.4g} bytes "
            "(topology registry.storage_capacity_bytes)",
            field=field,
        )
    free = cap - spec.used_bytes
    if size_bytes > free:
        raise InputError(
            f"artifact of {size_bytes:.4g} bytes does not fit in the registry's free space of {free:.4g} "
            "bytes "
            f"({spec.used_bytes:.4g} of {cap:.4g} used; topology registry.used_bytes)",
            field=field,
        )


def stream(
    env: simpy.Environment, link: SharedLink, n_bytes: float, cap_Bps: float, setup_s: float
) -> simpy.Process:
    """A transfer over ``link``: ``setup_s`` (first byte, handshakes), then the bytes at a fair share."""

    def run() -> Generator[simpy.Event, Any, None]:
        if setup_s > 0:
            yield env.timeout(setup_s)
        yield link.transfer(n_bytes, cap_Bps)

    return env.process(run())


class Registry:
    """One run's registry service: storage, serving and ingest links, pull slots, and pull statistics."""

    def __init__(self, env: simpy.Environment, spec: RegistrySpec) -> None:
        self.env = env
        self.spec = spec
        self.storage = simpy.Container(env, capacity=spec.storage_capacity_bytes, init=spec.used_bytes)
        self.pull_slots = simpy.Resource(env, capacity=spec.max_concurrent_pulls)
        self.serving = SharedLink(env, spec.serving_bandwidth_Bps, "registry.serving")
        self.ingest = SharedLink(env, spec.ingest_bandwidth_Bps, "registry.ingest")
        self.pulls_active = 0
        self.pulls_max = 0
        self.pull_intervals: list[tuple[float, float]] = []

    def pull(
        self, n_bytes: float, cap_Bps: float, setup_s: float
    ) -> Generator[simpy.Event, Any, simpy.Event]:
        """Process step: wait for a pull slot, then start the transfer.

        Returns the transfer's completion event (``done = yield from registry.pull(...)``) so the caller can
        overlap work with it; the slot is released when the last byte has arrived.
        """
        req = self.pull_slots.request()
        yield req
        start = self.env.now
        self.pulls_active += 1
        self.pulls_max = max(self.pulls_max, self.pulls_active)
        cap = min(cap_Bps, self.spec.per_pull_bandwidth_Bps)
        done = stream(self.env, self.serving, n_bytes, cap, self.spec.request_latency_s + setup_s)

        def release(_event: simpy.Event) -> None:
            self.pulls_active -= 1
            self.pull_intervals.append((start, self.env.now))
            self.pull_slots.release(req)

        done.callbacks.append(release)
        return done
