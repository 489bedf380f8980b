"""Generic pod-spec discovery: core kinds, custom resources we list and one we have never heard of; CRD schemas
and pod YAML inside strings are not pod specs; labels come from the pod template."""

from __future__ import annotations

from tests.audit.conftest import HAND
from zsim.audit.loader import load_paths
from zsim.audit.podspecs import find_pod_specs

# (kind, name) -> field paths of its pod specs, written from the manifest by hand.
EXPECTED = {
    ("CronJob", "nightly"): ["spec.jobTemplate.spec.template.spec"],
    ("PyTorchJob", "ddp"): [
        "spec.pytorchReplicaSpecs.Master.template.spec",
        "spec.pytorchReplicaSpecs.Worker.template.spec",
    ],
    ("MPIJob", "pi"): ["spec.mpiReplicaSpecs.Launcher.template.spec", "spec.mpiReplicaSpecs.Worker.template.spec"],
    ("RayCluster", "rc"): [
        "spec.headGroupSpec.template.spec",
        "spec.workerGroupSpecs[0].template.spec",
        "spec.workerGroupSpecs[1].template.spec",
    ],
    ("RayJob", "rj"): [
        "spec.rayClusterSpec.headGroupSpec.template.spec",
        "spec.rayClusterSpec.workerGroupSpecs[0].template.spec",
        "spec.submitterPodTemplate.spec",
    ],
    ("RayService", "rs"): [
        "spec.rayClusterConfig.headGroupSpec.template.spec",
        "spec.rayClusterConfig.workerGroupSpecs[0].template.spec",
    ],
    ("InferenceService", "isvc"): ["spec.predictor", "spec.transformer"],
    ("JobSet", "js"): ["spec.replicatedJobs[0].template.spec.template.spec"],
    ("Job", "vj"): ["spec.tasks[0].template.spec", "spec.tasks[1].template.spec"],
    ("LeaderWorkerSet", "lws"): [
        "spec.leaderWorkerTemplate.leaderTemplate.spec",
        "spec.leaderWorkerTemplate.workerTemplate.spec",
    ],
    ("FooTrainer", "never-heard-of-it"): ["spec.stages[0].runner.podTemplate.spec"],
    ("ConfigMap", "template-as-text"): [],
    ("CustomResourceDefinition", "footrainers.example.com"): [],
}


def _by_object() -> dict[tuple[str, str], list]:
    loaded = load_paths([HAND / "podspecs.yaml"])
    assert not loaded.findings
    return {(r.kind, r.name): find_pod_specs(r) for r in loaded.resources}


def test_every_pod_spec_is_found_at_its_path() -> None:
    found = {key: [p.field for p in pods] for key, pods in _by_object().items()}
    assert found == EXPECTED


def test_all_container_lists_are_walked() -> None:
    pods = _by_object()
    gpu_workers = pods[("RayCluster", "rc")][2]
    assert [(lst, c["name"]) for lst, c in gpu_workers.containers()] == [
        ("initContainers", "wait-gcs"),
        ("containers", "ray-worker"),
    ]
    foo = pods[("FooTrainer", "never-heard-of-it")][0]
    assert [(lst, c["name"]) for lst, c in foo.containers()] == [
        ("containers", "main"),
        ("ephemeralContainers", "debugger"),
    ]


def test_template_labels_come_from_the_template_metadata() -> None:
    pods = _by_object()
    assert pods[("CronJob", "nightly")][0].labels == {"app": "nightly"}
    assert pods[("RayCluster", "rc")][0].labels == {"ray.io/node-type": "head"}
    assert pods[("LeaderWorkerSet", "lws")][0].labels == {"role": "leader"}
    assert pods[("LeaderWorkerSet", "lws")][1].labels == {}  # worker template has no metadata


def test_bare_pod_uses_its_own_metadata() -> None:
    loaded = load_paths([HAND / "platform.yaml"])
    debug = next(r for r in loaded.resources if r.kind == "Pod")
    (pod,) = find_pod_specs(debug)
    assert pod.field == "spec"
    assert pod.labels == {"sidecar.istio.io/inject": "true"}
