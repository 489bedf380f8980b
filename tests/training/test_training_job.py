"""The training job: step-time arithmetic, overlap, jitter, stragglers, throughput, start-up, checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from tests.training.helpers import cluster, controls, run_job
from zsim.platform.collective_plans import CollectiveModel
from zsim.platform.training_steps import StepModel, bucket_sizes, slowest_factors
from zsim.rng import SeedTree

MiB = 2**20
DIRECT = {"forward_s": 0.1, "backward_s": 0.2, "optimizer_s": 0.01}


def test_bucket_sizes_follow_ddp() -> None:
    """PyTorch DDP (published.md row): a 1 MiB first bucket, then 25 MiB buckets, the remainder last."""
    sizes = bucket_sizes(1000 * MiB, 25 * MiB, 1 * MiB)
    assert sizes[0] == MiB and sizes.sum() == 1000 * MiB
    assert (sizes[1:-1] == 25 * MiB).all() and 0 < sizes[-1] <= 25 * MiB
    assert len(sizes) == 1 + math.ceil(999 / 25)
    assert bucket_sizes(0.5 * MiB, 25 * MiB, MiB).tolist() == [0.5 * MiB]


def test_step_without_overlap_adds_communication() -> None:
    comm = np.array([0.01, 0.02, 0.03])
    m = StepModel(0.1, 0.2, 0.05, np.array([1.0, 2.0, 3.0]), comm, overlap=False)
    step, exposed, compute = m.times(np.array([1.0, 1.5]))
    np.testing.assert_allclose(step, [0.35 + 0.06, 1.5 * 0.35 + 0.06])
    np.testing.assert_allclose(exposed, [0.06, 0.06])
    np.testing.assert_allclose(compute, [0.35, 1.5 * 0.35])


def test_overlap_hides_all_but_the_last_bucket() -> None:
    """Short allreduces keep up with the backward pass: only the last one (ready when backward ends) shows."""
    sizes = np.array([1.0, 4.0, 4.0, 4.0])
    comm = np.array([0.001, 0.002, 0.002, 0.003])
    m = StepModel(0.1, 0.2, 0.0, sizes, comm)
    step, exposed, _ = m.times(np.array([1.0]))
    assert exposed[0] == pytest.approx(0.003)
    assert step[0] == pytest.approx(0.3 + 0.003)


def test_overlap_when_communication_dominates() -> None:
    """Long allreduces queue back to back from the first bucket: end = ready(first) + sum of all."""
    sizes = np.array([1.0, 4.0, 4.0])
    comm = np.array([0.5, 0.5, 0.5])
    m = StepModel(0.1, 0.2, 0.0, sizes, comm)
    step, exposed, _ = m.times(np.array([1.0]))
    assert step[0] == pytest.approx(0.1 + 0.2 * 1 / 9 + 1.5)
    assert exposed[0] == pytest.approx(step[0] - 0.3)


def test_lindley_closed_form_equals_the_recursion() -> None:
    rng = np.random.default_rng(3)
    sizes = rng.uniform(1, 10, 200)
    comm = rng.uniform(0, 0.01, 200)
    m = StepModel(0.05, 0.3, 0.0, sizes, comm)
    factors = rng.uniform(1.0, 1.3, 50)
    step, _, _ = m.times(factors)
    filled = np.cumsum(sizes) / sizes.sum()
    for f, got in zip(factors, step, strict=True):
        end = 0.0
        for ready, t in zip(f * (0.05 + 0.3 * filled), comm, strict=True):
            end = max(end, ready) + t
        assert got == pytest.approx(end, rel=1e-12)


def test_max_of_lognormal_jitter_has_the_theoretical_mean() -> None:
    """The sampled per-step maximum over m GPUs has E[max] = integral of x d(F(x)^m) for lognormal F."""
    cv, m = 0.05, 512
    sigma = math.sqrt(math.log1p(cv**2))
    dist = stats.lognorm(s=sigma, scale=math.exp(-(sigma**2) / 2))
    theory, _ = integrate.quad(lambda x: x * m * dist.cdf(x) ** (m - 1) * dist.pdf(x), 0.5, 2.0, limit=200)
    draws = slowest_factors(np.random.default_rng(11), 40_000, [(m, 1.0)], cv)
    se = draws.std() / math.sqrt(draws.size)
    assert abs(draws.mean() - theory) < 4 * se
    assert slowest_factors(np.random.default_rng(0), 5, [(8, 1.0), (8, 1.3)], 0.0).tolist() == [1.3] * 5


def test_flops_path_and_throughput() -> None:
    spec = cluster(2, 8)
    cfg = {
        "steps": 20,
        "model": {"parameters": 1e9},
        "batch": {"samples_per_gpu": 2, "tokens_per_sample": 1024},
        "compute": {"mfu": 0.5, "optimizer_s": 0.0},
    }
    job, out = run_job(spec, cfg)
    flops = 6 * 1e9 * 1024 * 2
    assert out["compute_time_s"] == pytest.approx(flops / (989e12 * 0.5), rel=1e-12)
    assert job.steps.forward_s == pytest.approx(out["compute_time_s"] / 3)
    assert out["throughput_samples_per_s"] == pytest.approx(2 * 16 / out["step_time_s"])
    assert out["throughput_tokens_per_s"] == pytest.approx(out["throughput_samples_per_s"] * 1024)
    assert out["job_time_s"] == pytest.approx(20 * out["step_time_s"], rel=1e-9)


def test_allreduce_metrics_are_the_collective_models() -> None:
    spec = cluster(4, 8)
    cfg = {
        "steps": 5,
        "model": {"parameters": 2e9},
        "compute": DIRECT,
        "collective": {"algorithm": "tree", "protocol": "simple"},
    }
    job, out = run_job(spec, cfg)
    ref = CollectiveModel(spec).time("allreduce", 25 * MiB, "tree", "simple")
    assert out["allreduce_time_s"] == ref.time_s
    assert out["allreduce_busbw_Bps"] == pytest.approx(ref.busbw_Bps)
    sizes = bucket_sizes(4e9, 25 * MiB, MiB)
    total = sum(CollectiveModel(spec).time("allreduce", s, "tree", "simple").time_s for s in sizes)
    assert out["comm_time_s"] == pytest.approx(total)


def test_straggler_sets_the_pace() -> None:
    cfg = {"steps": 10, "model": {"parameters": 1e8}, "compute": DIRECT}
    _, fast = run_job(cluster(4, 8), cfg)
    _, slow = run_job(cluster(4, 8, stragglers=[{"node": 2, "compute_factor": 1.25}]), cfg)
    assert slow["compute_time_s"] == pytest.approx(1.25 * fast["compute_time_s"])
    assert slow["step_time_s"] > fast["step_time_s"]


def test_jitter_uses_common_random_numbers() -> None:
    """The compute draws depend on the seed only: switching a control on does not move them."""
    cfg = {"steps": 200, "model": {"parameters": 2e9}, "compute": dict(DIRECT, jitter_cv=0.05)}
    spec = cluster(4, 8)
    _, off = run_job(spec, cfg, seed=7)
    _, on = run_job(spec, cfg, controls(rdma_encryption={"mode": "software"}), seed=7)
    _, other = run_job(spec, cfg, seed=8)
    assert on["compute_time_s"] == off["compute_time_s"]
    assert other["compute_time_s"] != off["compute_time_s"]
    assert off["step_time_p99_s"] > off["step_time_p50_s"]


@pytest.mark.parametrize("mode", ["software", "offload"])
def test_rdma_encryption_shows_in_step_time(mode: str) -> None:
    """Without overlap every second of allreduce is a second of step: the encrypted fabric's slower
    allreduces add exactly their extra time to each step, and nothing to compute."""
    spec = cluster(4, 1)
    cfg = {
        "steps": 10,
        "model": {"parameters": 2**32},
        "compute": {"forward_s": 0.1, "backward_s": 0.2},
        "collective": {"algorithm": "ring", "protocol": "simple", "bucket_bytes": "1 GiB", "overlap": False},
    }
    _, off = run_job(spec, cfg)
    _, on = run_job(spec, cfg, controls(rdma_encryption={"mode": mode}))
    assert on["step_time_s"] - off["step_time_s"] == pytest.approx(on["comm_time_s"] - off["comm_time_s"])
    assert on["compute_time_s"] == off["compute_time_s"]
    # NIC-bound: offload leaves 193/390 of the line; software 4 cores x 5 GB/s of 0.88 x 50 GB/s
    slowdown = 390 / 193 if mode == "offload" else 0.88 * 50 / 20
    assert on["comm_time_s"] / off["comm_time_s"] == pytest.approx(slowdown, rel=0.02)
    assert (
        on["rdma_crypto_cpu_s_per_step"] > 0 if mode == "software" else on["rdma_crypto_cpu_s_per_step"] == 0
    )


def test_offload_busbw_is_the_line_rate_fraction() -> None:
    """NIC-bound ring (one GPU per node): busbw scales by the offload fraction (published.md BlueField-3)."""
    spec = cluster(4, 1)
    model_off = CollectiveModel(spec)
    ctl = controls(rdma_encryption={"mode": "offload"})
    model_on = CollectiveModel(spec, controls=ctl)
    n = 64 * 2**30
    ratio = (
        model_on.time("allreduce", n, "ring", "simple").busbw_Bps
        / model_off.time("allreduce", n, "ring", "simple").busbw_Bps
    )
    assert ratio == pytest.approx(193 / 390, rel=1e-3)


def test_software_encryption_caps_each_nic() -> None:
    """Software AES-GCM: a NIC moves at most cores x per-core rate, plus a per-message cost over the cores."""
    spec = cluster(4, 1)
    ctl = controls(
        rdma_encryption={
            "mode": "software",
            "cores_per_nic": 2,
            "aes_gcm_core_Bps": "5 GB/s",
            "per_message_s": "1 us",
        }
    )
    n = 64 * 2**30
    r = CollectiveModel(spec, controls=ctl).time("allreduce", n, "ring", "simple")
    chunk_per_nic = n / 4 / 8
    messages = math.ceil(chunk_per_nic / (512 * 2**10))
    per_step = chunk_per_nic / 10e9 + messages * 1e-6 / 2
    alpha = 14e-6 + spec.infiniband.step_latency_s
    assert r.time_s == pytest.approx(6 * (alpha + per_step), rel=1e-6)


def test_attestation_shows_as_startup() -> None:
    spec = cluster(64, 8)
    cfg = {"steps": 5, "model": {"parameters": 1e8}, "compute": DIRECT, "startup_s": 30}
    _, base = run_job(spec, cfg)
    ctl = controls(
        attestation={"enabled": True, "quote_s": "2 s", "verify_s": "10 ms", "verifier_workers": 8}
    )
    _, att = run_job(spec, cfg, ctl)
    assert base["startup_s"] == 30 and base["node_join_s"] == 0
    assert att["node_join_s"] == pytest.approx(2 + math.ceil(64 / 8) * 0.01)
    assert att["startup_s"] == pytest.approx(30 + att["node_join_s"])
    assert att["job_time_s"] - base["job_time_s"] == pytest.approx(att["node_join_s"])
    waves = controls(
        attestation={
            "enabled": True,
            "quote_s": "2 s",
            "verify_s": "10 ms",
            "verifier_workers": 8,
            "max_parallel_nodes": 20,
        }
    )
    _, w = run_job(spec, cfg, waves)
    assert w["node_join_s"] == pytest.approx(3 * (2 + 3 * 0.01) + (2 + 1 * 0.01))  # 20 + 20 + 20 + 4 nodes


def _ckpt_job(every: int, steps: int, **extra: object) -> dict:
    return {
        "steps": steps,
        "model": {"parameters": 1e9},
        "compute": {"forward_s": 1.0, "backward_s": 2.0},
        "collective": {"overlap": False},
        "checkpoint": {"every_steps": every},
        **extra,
    }


def test_checkpoint_time_is_size_over_the_storage_path() -> None:
    spec = cluster(
        4, 8, storage={"node_bandwidth_Bps": "10 GB/s", "backend_bandwidth_Bps": "20 GB/s", "rtt_s": "1 ms"}
    )
    _, out = run_job(spec, _ckpt_job(5, 10))
    size = 1e9 * 14  # published.md: 14 bytes per parameter with a bf16 copy
    assert out["checkpoint_time_s"] == pytest.approx(1e-3 + (size / 4) / min(10e9, 20e9 / 4))
    assert out["checkpoints_total"] == 2 and out["checkpoints_failed"] == 0
    assert out["checkpoint_overhead_s"] == pytest.approx(2 * out["checkpoint_time_s"])
    assert out["job_time_s"] == pytest.approx(10 * out["step_time_s"] + 2 * out["checkpoint_time_s"])


def test_mtls_on_the_storage_plane_costs_checkpoint_time() -> None:
    spec = cluster(4, 8, storage={"node_bandwidth_Bps": "10 GB/s", "backend_bandwidth_Bps": "400 GB/s"})
    _, plain = run_job(spec, _ckpt_job(5, 10))
    _, tls = run_job(spec, _ckpt_job(5, 10), controls(mtls={"mode": "strict"}))
    assert tls["checkpoint_time_s"] > plain["checkpoint_time_s"]
    assert tls["checkpoint_cpu_s"] > 0 and plain["checkpoint_cpu_s"] == 0
    assert tls["step_time_s"] == plain["step_time_s"]  # mTLS does not touch the RDMA fabric


def test_rotation_off_fails_checkpoints_after_expiry() -> None:
    """A 1 h static credential (published.md: AWS STS AssumeRole default) and a checkpoint every 10 steps of
    about 3 s: checkpoints that end after the credential expires fail."""
    spec = cluster(2, 8)
    cfg = _ckpt_job(100, 3000, credential_ttl_s="1h")
    job, out = run_job(spec, cfg)
    step, ck = out["step_time_s"], out["checkpoint_time_s"]
    ends = [k * 100 * step + k * ck for k in range(1, 31)]
    assert out["checkpoints_total"] == 30
    assert out["checkpoints_failed"] == sum(e > 3600 for e in ends) > 0
    assert out["credential_expiries"] == 1


def test_rotation_on_keeps_checkpoints_alive() -> None:
    spec = cluster(2, 8)
    cfg = _ckpt_job(100, 3000, credential_ttl_s="1h")
    ctl = controls(tokens={"enabled": True, "ttl_s": "1h", "refresh_at_fraction": 0.5})
    _, out = run_job(spec, cfg, ctl)
    assert out["checkpoints_failed"] == 0 and out["credential_expiries"] == 0
    assert out["token_refreshes"] == math.floor(out["job_time_s"] / 1800)


def test_expiry_during_a_checkpoint_fails_that_checkpoint() -> None:
    """The credential expires in the middle of the only checkpoint: it fails at that instant."""
    spec = cluster(2, 8, storage={"node_bandwidth_Bps": "1 GB/s", "backend_bandwidth_Bps": "1 GB/s"})
    cfg = _ckpt_job(10, 10, credential_ttl_s=32.0)  # 10 steps of ~3 s, then a checkpoint of ~7 s
    job, out = run_job(spec, cfg)
    assert 10 * out["step_time_s"] < 32.0 < 10 * out["step_time_s"] + out["checkpoint_time_s"]
    assert out["checkpoints_failed"] == 1
    assert out["checkpoint_overhead_s"] == pytest.approx(32.0 - 10 * out["step_time_s"])


@pytest.mark.parametrize("inflight", ["stall", "fail"])
def test_refresh_during_a_checkpoint_follows_the_inflight_policy(inflight: str) -> None:
    spec = cluster(2, 8, storage={"node_bandwidth_Bps": "1 GB/s", "backend_bandwidth_Bps": "1 GB/s"})
    cfg = _ckpt_job(10, 10)
    ctl = controls(
        tokens={
            "enabled": True,
            "ttl_s": 64.0,
            "refresh_at_fraction": 0.5,
            "inflight": inflight,
            "refresh_s": "2 s",
        }
    )
    _, out = run_job(spec, cfg, ctl)
    start = 10 * out["step_time_s"]
    assert start < 32.0 < start + out["checkpoint_time_s"]  # the refresh at 32 s hits the checkpoint
    if inflight == "stall":
        assert out["checkpoints_failed"] == 0
        assert out["checkpoint_overhead_s"] == pytest.approx(out["checkpoint_time_s"] + 2.0)
    else:
        assert out["checkpoints_failed"] == 1
        assert out["checkpoint_overhead_s"] == pytest.approx(32.0 - start)


def test_non_blocking_checkpoint_overlaps_training() -> None:
    spec = cluster(2, 8, storage={"node_bandwidth_Bps": "1 GB/s", "backend_bandwidth_Bps": "1 GB/s"})
    cfg = _ckpt_job(5, 20)
    cfg["checkpoint"] = {"every_steps": 5, "blocking": False}
    _, out = run_job(spec, cfg)
    assert out["checkpoints_total"] == 4
    # each ~7 s checkpoint hides behind the next 5 steps (~15 s) except the last, which the job waits for
    assert out["checkpoint_overhead_s"] == pytest.approx(out["checkpoint_time_s"])
    assert out["job_time_s"] == pytest.approx(20 * out["step_time_s"] + out["checkpoint_time_s"])


def test_replications_differ_only_with_jitter() -> None:
    spec = cluster(2, 8)
    cfg = {"steps": 50, "model": {"parameters": 1e8}, "compute": DIRECT}
    a = run_job(spec, cfg, replication=0)[1]
    b = run_job(spec, cfg, replication=1)[1]
    assert a == b
    assert (
        SeedTree(1).replication(0).stream("training.jitter").random()
        != SeedTree(1).replication(1).stream("training.jitter").random()
    )
