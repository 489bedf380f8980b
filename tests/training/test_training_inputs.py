"""Bad input is one clear error naming the file and the field, and exit code 2 from the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tests.training.helpers import merge
from zsim.config.experiment import load_experiment
from zsim.config.topology import load_topology
from zsim.controls.registry import build_params
from zsim.errors import InputError
from zsim.platform.training_config import NcclTestsConfig

GOOD_CLUSTER: dict[str, Any] = {"nodes": 4, "gpus_per_node": 8}
JOB: dict[str, Any] = {
    "steps": 10,
    "model": {"parameters": 1e9},
    "compute": {"forward_s": 0.1, "backward_s": 0.2},
}


def _topology(write_yaml, **cluster: Any) -> Path:  # type: ignore[no-untyped-def]
    return write_yaml("topo.yaml", {"name": "t", "cluster": merge(GOOD_CLUSTER, cluster)})


def _experiment(write_yaml, topo: Path, workloads: dict[str, Any]) -> Path:  # type: ignore[no-untyped-def]
    return write_yaml(
        "exp.yaml",
        {
            "name": "e",
            "topology": str(topo),
            "seed": 1,
            "replications": 1,
            "tiers": ["none"],
            "workloads": workloads,
        },
    )


@pytest.mark.parametrize(
    "cluster,field,words",
    [
        ({"nvlink": {"bandwidth_Bps": 0}}, "cluster.nvlink.bandwidth_Bps", "greater than 0"),
        ({"nvlink": {"bandwidth_Bps": "-450 GB/s"}}, "cluster.nvlink.bandwidth_Bps", "greater than 0"),
        ({"infiniband": {"line_rate_Bps": "0 Gb/s"}}, "cluster.infiniband.line_rate_Bps", "greater than 0"),
        (
            {"infiniband": {"line_rate_Bps": "-400 Gb/s"}},
            "cluster.infiniband.line_rate_Bps",
            "greater than 0",
        ),
        ({"storage": {"node_bandwidth_Bps": 0}}, "cluster.storage.node_bandwidth_Bps", "greater than 0"),
        (
            {"storage": {"backend_bandwidth_Bps": -1}},
            "cluster.storage.backend_bandwidth_Bps",
            "greater than 0",
        ),
        (
            {"degraded_links": [{"node": 0, "nic": 0, "bandwidth_factor": 0}]},
            "cluster.degraded_links[0].bandwidth_factor",
            "greater than 0",
        ),
        (
            {"degraded_links": [{"node": 0, "nic": 0, "bandwidth_Bps": "-1 Gb/s"}]},
            "cluster.degraded_links[0].bandwidth_Bps",
            "greater than 0",
        ),
        ({"gpus_per_node": 16}, "cluster.gpus_per_node", "at most 8"),
        ({"gpus_per_node": 4, "nvlink": {"max_gpus": 2}}, "cluster.gpus_per_node", "at most 2"),
        (
            {"infiniband": {"nics_per_node": 8, "rails": 3}},
            "cluster.infiniband.rails",
            "must divide nics_per_node",
        ),
        (
            {"infiniband": {"nics_per_node": 6, "rails": 4}},
            "cluster.infiniband.rails",
            "must divide nics_per_node",
        ),
        (
            {"degraded_links": [{"node": 9, "nic": 0, "bandwidth_factor": 0.5}]},
            "cluster.degraded_links",
            "node 9",
        ),
        (
            {"degraded_links": [{"node": 0, "nic": 8, "bandwidth_factor": 0.5}]},
            "cluster.degraded_links",
            "nic 8",
        ),
        (
            {"degraded_links": [{"node": 0, "nic": 1, "gpu": 1, "bandwidth_factor": 0.5}]},
            "cluster.degraded_links[0]",
            "exactly one of nic",
        ),
        ({"stragglers": [{"node": 4, "compute_factor": 1.5}]}, "cluster.stragglers", "node 4"),
        (
            {"stragglers": [{"node": 1, "compute_factor": 0}]},
            "cluster.stragglers[0].compute_factor",
            "greater than 0",
        ),
        ({"nodes": 3, "infiniband": {"nics_per_node": 0}}, "cluster.infiniband", "nics_per_node is 0"),
        ({"infiniband": {"switch_radix": 7}}, "cluster.infiniband.switch_radix", "even"),
        ({"nvlink": {"efficiency": 1.5}}, "cluster.nvlink.efficiency", "less than or equal to 1"),
        ({"bogus": 1}, "cluster.bogus", "unknown key"),
    ],
)
def test_bad_topology_names_file_and_field(write_yaml, cluster: dict, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    path = _topology(write_yaml, **cluster)
    with pytest.raises(InputError) as info:
        load_topology(path)
    text = str(info.value)
    assert str(path) in text
    assert field in text
    assert words in text


@pytest.mark.parametrize(
    "job,field,words",
    [
        ({"gpus_per_node": 16}, "workloads.training.gpus_per_node", "more than the topology allows (8)"),
        ({"nodes": 5}, "workloads.training.nodes", "the topology has 4"),
        ({"model": {"parameters": 1e6}}, "workloads.training.collective", "bucket_bytes"),
        ({"collective": {"bucket_bytes": "1 TB"}}, "workloads.training.collective", "larger than the model"),
        ({"collective": {"bucket_bytes": 0}}, "workloads.training.collective.bucket_bytes", "greater than 0"),
        (
            {"compute": {"forward_s": None, "backward_s": None}},
            "workloads.training.compute",
            "tokens_per_sample",
        ),
        ({"compute": {"backward_s": None}}, "workloads.training.compute", "both forward_s and backward_s"),
        (
            {"checkpoint": {"every_steps": 0}},
            "workloads.training.checkpoint.every_steps",
            "greater than or equal",
        ),
        (
            {"checkpoint": {"every_steps": 5, "writers": 0}},
            "workloads.training.checkpoint.writers",
            "writers",
        ),
        ({"steps": 0}, "workloads.training.steps", "greater than or equal to 1"),
    ],
)
def test_bad_training_job_names_file_and_field(write_yaml, job: dict, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    topo = _topology(write_yaml)
    exp = _experiment(write_yaml, topo, {"training": merge(JOB, job)})
    with pytest.raises(InputError) as info:
        load_experiment(exp)
    text = str(info.value)
    assert str(exp) in text
    assert field in text
    assert words in text


def test_training_needs_a_cluster(write_yaml) -> None:  # type: ignore[no-untyped-def]
    topo = write_yaml("topo.yaml", {"name": "no-cluster"})
    exp = _experiment(write_yaml, topo, {"training": JOB})
    with pytest.raises(InputError, match="no 'cluster' section"):
        load_experiment(exp)


def test_nccl_workload_errors(write_yaml) -> None:  # type: ignore[no-untyped-def]
    topo = _topology(write_yaml)
    for section, field in [
        ({"bytes": 0}, "workloads.nccl.bytes"),
        ({"bytes": "1 MiB", "op": "all_gather", "algorithm": "tree"}, "workloads.nccl"),
        ({"bytes": "1 MiB", "gpus_per_node": 9}, "workloads.nccl.gpus_per_node"),
    ]:
        exp = _experiment(write_yaml, topo, {"nccl": section})
        with pytest.raises(InputError) as info:
            load_experiment(exp)
        assert field in str(info.value)
    with pytest.raises(ValueError, match="ring only"):
        NcclTestsConfig.model_validate({"bytes": 1, "op": "reduce_scatter", "algorithm": "hierarchical"})


@pytest.mark.parametrize(
    "settings,field",
    [
        ({"mode": "sofware"}, "rdma_encryption.mode"),
        ({"mode": "software", "aes_gcm_core_Bps": 0}, "rdma_encryption.aes_gcm_core_Bps"),
        ({"mode": "software", "cores_per_nic": 0}, "rdma_encryption.cores_per_nic"),
        (
            {"mode": "offload", "offload_line_rate_fraction": 1.5},
            "rdma_encryption.offload_line_rate_fraction",
        ),
        ({"mode": "software", "per_message_s": "-1 us"}, "rdma_encryption.per_message_s"),
    ],
)
def test_bad_rdma_encryption_settings(settings: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        build_params("rdma_encryption", settings)
    assert field in str(info.value)


@pytest.mark.parametrize(
    "settings,field",
    [
        ({"enabled": True, "verifier_workers": 0}, "attestation.verifier_workers"),
        ({"enabled": True, "quote_s": "-1 s"}, "attestation.quote_s"),
        ({"enabled": True, "max_parallel_nodes": -1}, "attestation.max_parallel_nodes"),
    ],
)
def test_bad_attestation_settings(settings: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        build_params("attestation", settings)
    assert field in str(info.value)


@pytest.mark.parametrize(
    "cluster,job",
    [
        ({"infiniband": {"nics_per_node": 8, "rails": 3}}, {}),
        ({"nvlink": {"bandwidth_Bps": 0}}, {}),
        ({}, {"gpus_per_node": 9}),
        ({}, {"collective": {"bucket_bytes": "100 GB"}}),
    ],
)
def test_cli_exit_code_2(write_yaml, capsys, monkeypatch, cluster: dict, job: dict) -> None:  # type: ignore[no-untyped-def]
    exp = _experiment(write_yaml, _topology(write_yaml, **cluster), {"training": merge(JOB, job)})
    result = run_cli(capsys, monkeypatch, "validate", str(exp))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.err.strip().startswith("error:")
