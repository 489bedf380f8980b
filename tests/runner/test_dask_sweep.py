"""Sweeps on Dask: byte-identical to local processes, batched, and an unreachable scheduler is exit 2 after a
bounded timeout with nothing written."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.cli_helpers import run_cli
from tests.runner.sweep_helpers import sweep_data
from zsim.runner.executor import batch_size_for, batches
from zsim.runner.spec import RunSpec


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from zsim.runner.dask_executor import local_cluster

    with local_cluster(2) as local:
        yield local.scheduler_address


def test_dask_results_are_byte_identical_to_local(cluster, write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data(rates=(1.0, 2.0, 3.0)))
    local = tmp_path / "local"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(local), "--workers", "1").code == 0
    dask = tmp_path / "dask"
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(dask), "--scheduler", cluster,
                  "--batch-size", "2")
    assert res.code == 0, res.err
    assert "12 runs: 12 computed, 0 resumed, executor dask" in res.out
    assert (dask / "runs.parquet").read_bytes() == (local / "runs.parquet").read_bytes()
    assert (dask / "summary.csv").read_bytes() == (local / "summary.csv").read_bytes()


def test_dask_sweep_resumes_a_local_one(cluster, write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    whole = tmp_path / "whole"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(whole), "--workers", "1").code == 0
    # keep three of the eight parts, as if killed: the executor that finishes the sweep does not matter
    from zsim import api
    from zsim.engine.run import simulate
    from zsim.runner.expand import expand
    from zsim.runner.parts import write_part
    from zsim.runner.sweepdir import create_sweep_dir, identity

    experiment = api.load(exp)
    specs = expand(experiment)
    partial = tmp_path / "partial"
    create_sweep_dir(partial, identity(experiment, len(specs)))
    for spec in specs[::3]:
        write_part(partial, simulate(experiment, spec))
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(partial), "--scheduler", cluster)
    assert res.code == 0, res.err
    assert "5 computed, 3 resumed, executor dask" in res.out
    assert (partial / "runs.parquet").read_bytes() == (whole / "runs.parquet").read_bytes()


def _silent_server() -> tuple[socket.socket, int]:
    """A TCP port that accepts connections and never says a word (not a Dask scheduler)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    conns: list[socket.socket] = []
    threading.Thread(target=lambda: conns.append(server.accept()[0]), daemon=True).start()
    return server, server.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_or_silent_scheduler_exits_2_in_bounded_time(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    server, silent_port = _silent_server()
    try:
        for address in (f"tcp://127.0.0.1:{_free_port()}", f"tcp://127.0.0.1:{silent_port}"):
            out = tmp_path / "never"
            t0 = time.monotonic()
            res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(out), "--scheduler", address,
                          "--connect-timeout", "1")
            elapsed = time.monotonic() - t0
            assert res.code == 2, res.err
            assert f"--scheduler: cannot reach the Dask scheduler at {address}" in res.err
            assert len(res.err.strip().splitlines()) == 1 and elapsed < 10
            assert not out.exists() and not list(tmp_path.glob(".never*"))
    finally:
        server.close()
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--scheduler", "no-port-here", "--out", str(out))
    assert res.code == 2 and "bad scheduler address" in res.err and not out.exists()
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--executor", "local", "--scheduler", "tcp://x:1")
    assert res.code == 2 and "--scheduler needs --executor dask" in res.err
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--executor", "slurm", "--out", str(out))
    assert res.code == 2 and "unknown executor 'slurm'" in res.err and not out.exists()


def test_batches_balance_slots_and_cover_every_spec() -> None:
    specs = [RunSpec("e", "t", "", r, 0) for r in range(40)]
    size = batch_size_for(40, slots=2, tasks_per_slot=4)
    assert size == 5
    chunks = batches(specs, size)
    assert len(chunks) == 8 and [s for c in chunks for s in c] == specs
    assert batch_size_for(3, slots=8, tasks_per_slot=4) == 1
    assert batch_size_for(100_000, slots=2, tasks_per_slot=4) == 64  # capped: bounds the work lost to a kill


def test_dask_batches_grow_to_the_target_task_and_shrink_at_the_end() -> None:
    from zsim.runner.dask_executor import MAX_BATCH, next_batch_size

    assert next_batch_size(1000, slots=2, mean_run_s=None) == 1  # cost unknown yet
    assert next_batch_size(1000, slots=2, mean_run_s=0.01, target_task_s=0.25) == 25
    assert next_batch_size(1000, slots=2, mean_run_s=1e-5) == MAX_BATCH
    assert next_batch_size(1000, slots=2, mean_run_s=2.0) == 1  # runs longer than a task's target go alone
    assert next_batch_size(40, slots=2, mean_run_s=0.001) == 10  # half a slot's fair share of what remains
    assert next_batch_size(3, slots=2, mean_run_s=0.001) == 1


def test_executor_dask_starts_and_stops_its_own_local_cluster(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    import threading as _threading

    exp = write_yaml("s.yaml", sweep_data(rates=(1.0,)))
    local = tmp_path / "local"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(local), "--workers", "1").code == 0
    threads_before = _threading.active_count()
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(tmp_path / "dask"), "--executor", "dask",
                  "--workers", "1")
    assert res.code == 0, res.err
    assert "executor dask" in res.out
    assert (tmp_path / "dask" / "runs.parquet").read_bytes() == (local / "runs.parquet").read_bytes()
    time.sleep(0.5)
    assert _threading.active_count() <= threads_before + 1  # the cluster and its client are closed
