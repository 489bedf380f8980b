"""``model_signing`` sharded hashing throughput: the hashing that signing and verifying a model spend their time in.

A model of ``model_bytes`` (one file, zeros) is written to a temporary folder and hashed with
``model_signing.hashing.Config().use_shard_serialization`` (SHA-256) into as many equal shards as there are
workers (one per core), so every worker is busy to the end, as in the published 2-worker measurement. The
row is bytes per second of wall time for the whole manifest; the artifact_verification control predicts it as
``cores * sha256_per_core_Bps`` (compare with ``sha256_1MiB_Bps``).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path

from zsim.calibrate.budget import Budget
from zsim.calibrate.stats import Row, summarise


def workers() -> int:
    return max(1, os.cpu_count() or 1)


def measure_model_signing(budget: Budget) -> list[Row]:
    from model_signing import hashing

    cores = workers()
    size = budget.model_bytes
    shard = math.ceil(size / cores)
    config = hashing.Config().use_shard_serialization(shard_size=shard, max_workers=cores)
    samples = []
    with tempfile.TemporaryDirectory(prefix="zsim-calibrate-model-") as tmp:
        model = Path(tmp) / "model"
        model.mkdir()
        with open(model / "weights.bin", "wb") as fh:
            fh.truncate(size)  # a sparse file of zeros: reads cost no disk I/O
        config.hash(model)  # warm up the thread pool and the page cache
        for _ in range(budget.repeats):
            t0 = time.perf_counter()
            manifest = config.hash(model)
            samples.append(size / (time.perf_counter() - t0))
        shards = len(list(manifest.resource_descriptors()))
    note = f"{cores} workers, {shards} shards of {shard / 2**20:.3g} MiB"
    return [summarise("model_signing_sha256_sharded_Bps", "B/s", samples, note)]
