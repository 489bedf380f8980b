"""Per-step times of a data-parallel job, vectorised over steps (no simpy event per bucket, step or rank).

A step on every GPU: forward, then backward, during which gradient buckets fill in order (gradients appear
uniformly over the backward pass; DDP's first bucket is small so communication starts early). Buckets are
allreduced one after another on one communication stream, each as soon as it is full and the previous one is
done, so the last allreduce ends at

    end = max_j ( ready_j + sum_{i >= j} T_i ),      ready_j = F (t_fwd + t_bwd * filled_j / total)

(the Lindley recursion ``end_j = max(ready_j, end_{j-1}) + T_j`` unrolled). ``F`` is the step's slowest-GPU
factor: a synchronous allreduce waits for every GPU, so the straggler and the jitter maximum set the pace.
The optimizer runs after the last bucket. Exposed communication is ``end - F (t_fwd + t_bwd)``.

The maximum of m i.i.d. lognormal jitters is drawn exactly from one uniform per group and step:
``exp(mu + sigma * Phi^-1(U^(1/m)))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

_STEP_CHUNK = 512


def bucket_sizes(gradient_bytes: float, bucket_bytes: float, first_bucket_bytes: float) -> np.ndarray:
    """Sizes of DDP's gradient buckets in filling order: a small first bucket, then full ones, a remainder."""
    first = min(first_bucket_bytes, gradient_bytes)
    rest = gradient_bytes - first
    full = int(rest // bucket_bytes)
    tail = rest - full * bucket_bytes
    sizes = [first] + [bucket_bytes] * full + ([tail] if tail > 0 else [])
    return np.asarray(sizes, dtype=float)


@dataclass(frozen=True)
class StepModel:
    forward_s: float
    backward_s: float
    optimizer_s: float
    bucket_bytes: np.ndarray  # in filling order
    bucket_comm_s: np.ndarray  # allreduce time of each bucket
    overlap: bool = True

    @property
    def comm_s(self) -> float:
        return float(self.bucket_comm_s.sum())

    def times(self, factor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(step_s, exposed_comm_s, compute_s) per step for the slowest-GPU factors ``factor``."""
        factor = np.asarray(factor, dtype=float)
        fb = self.forward_s + self.backward_s
        if not self.overlap or self.bucket_bytes.size == 0:
            end = factor * fb + self.comm_s
        else:
            filled = np.cumsum(self.bucket_bytes) / self.bucket_bytes.sum()
            slope = self.forward_s + self.backward_s * filled  # ready_j / F
            suffix = np.cumsum(self.bucket_comm_s[::-1])[::-1]
            unique_f, inverse = np.unique(factor, return_inverse=True)
            end_u = np.empty(unique_f.size)
            for lo in range(0, unique_f.size, _STEP_CHUNK):
                f = unique_f[lo : lo + _STEP_CHUNK, None]
                end_u[lo : lo + _STEP_CHUNK] = (f * slope[None, :] + suffix[None, :]).max(axis=1)
            end = end_u[inverse]
        compute = factor * (fb + self.optimizer_s)
        exposed = end - factor * fb
        return end + factor * self.optimizer_s, exposed, compute


def slowest_factors(
    rng: np.random.Generator, steps: int, groups: list[tuple[int, float]], jitter_cv: float
) -> np.ndarray:
    """Per step, the largest compute factor over all GPUs: groups of (GPU count, fixed factor), each GPU's
    time multiplied by an independent lognormal jitter of mean 1 and CV ``jitter_cv``."""
    counts = np.array([c for c, _ in groups if c > 0], dtype=float)
    fixed = np.array([f for c, f in groups if c > 0], dtype=float)
    if jitter_cv == 0.0:
        return np.full(steps, fixed.max())
    sigma = np.sqrt(np.log1p(jitter_cv**2))
    mu = -0.5 * sigma**2
    u = 1.0 - rng.random((steps, counts.size))  # in (0, 1]
    tail = -np.expm1(np.log(u) / counts[None, :])  # 1 - U^(1/m), accurate for large m
    z = -ndtri(np.clip(tail, 1e-300, 1.0))
    return (fixed[None, :] * np.exp(mu + sigma * z)).max(axis=1)
