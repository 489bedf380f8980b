"""How much each calibration measurement does: ``QUICK`` (< 20 s in all), ``FULL`` and tiny budgets for tests."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Budget:
    repeats: int  # samples of every throughput and per-operation measurement
    aead_bytes: int  # bytes encrypted (or hashed) per sample
    sign_ops: int  # signatures (or verifications) per sample
    handshakes: int  # loopback handshakes per kind (full, resumed, plain TCP), one sample each
    bulk_bytes: int  # bytes sent over loopback per bulk sample
    model_bytes: int  # size of the model hashed by model_signing per sample
    identity_samples: int  # samples of each identity measurement (zsim.identity.calibrate)
    decisions: int  # single policy decisions timed one by one (for the latency quantiles)


QUICK = Budget(repeats=7, aead_bytes=8 * MiB, sign_ops=30, handshakes=60, bulk_bytes=32 * MiB,
               model_bytes=64 * MiB, identity_samples=9, decisions=1000)
FULL = Budget(repeats=15, aead_bytes=64 * MiB, sign_ops=100, handshakes=200, bulk_bytes=256 * MiB,
              model_bytes=256 * MiB, identity_samples=15, decisions=4000)
TINY = Budget(repeats=3, aead_bytes=MiB // 4, sign_ops=3, handshakes=4, bulk_bytes=MiB, model_bytes=MiB,
              identity_samples=3, decisions=40)
