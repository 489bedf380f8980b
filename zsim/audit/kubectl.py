"""Live mode: read the cluster through ``kubectl`` (never through a client library, so the user's kubeconfig,
context and credentials plugins apply unchanged).

1. ``kubectl api-resources --verbs=list -o name`` lists every listable resource type, custom ones included, so
   pod templates inside any CRD are found without a list of kinds. Types that say nothing about posture and can
   be huge (events, endpoints, leases, metrics) are left out.
2. ``kubectl get <all of them> -o json`` (``-n NS`` or ``--all-namespaces``) returns one ``List``.
3. With ``--namespace``, the mesh root namespace's PeerAuthentications are read as well, since mesh-wide
   policy applies to every namespace.

Secret values are dropped as soon as the JSON is parsed: the audit needs only their type and annotations.
A kubectl that is missing, fails, runs past the timeout (its whole process group is killed) or prints something
other than JSON is bad input: :class:`~zsim.errors.InputError`, exit code 2.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from typing import Any

from zsim.audit.loader import LoadResult, add_document
from zsim.errors import InputError

DEFAULT_TIMEOUT_S = 30.0
SKIPPED_RESOURCES = frozenset(
    {
        "events",
        "events.events.k8s.io",
        "endpoints",
        "endpointslices.discovery.k8s.io",
        "leases.coordination.k8s.io",
        "componentstatuses",
        "controllerrevisions.apps",
    }
)
SKIPPED_GROUPS = ("metrics.k8s.io",)
PEER_AUTHENTICATIONS = "peerauthentications.security.istio.io"


def run_kubectl(kubectl: str, args: list[str], *, timeout_s: float) -> str:
    """stdout of ``kubectl args``; any failure is an :class:`InputError` naming what went wrong."""
    shown = f"kubectl {' '.join(args)}"
    exe = shutil.which(kubectl)
    if exe is None:
        raise InputError(f"{kubectl!r} not found on PATH (live mode needs kubectl)", file="kubectl")
    try:
        proc = subprocess.Popen(
            [exe, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise InputError(f"cannot run {exe}: {exc.strerror or exc}", file="kubectl") from None
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise InputError(f"`{shown}` timed out after {timeout_s:g} s", file="kubectl") from None
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        detail = lines[0] if lines else "no message"
        raise InputError(f"`{shown}` failed (exit {proc.returncode}): {detail}", file="kubectl")
    return out.decode("utf-8", "replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


def parse_json(text: str, *, what: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        head = " ".join(text.strip().split())[:80]
        raise InputError(f"`{what}` printed something that is not JSON: {head!r}", file="kubectl") from None


def listable_resources(kubectl: str, *, timeout_s: float) -> list[str]:
    text = run_kubectl(kubectl, ["api-resources", "--verbs=list", "-o", "name"], timeout_s=timeout_s)
    names = []
    for line in text.splitlines():
        name = line.strip()
        if not name or name in SKIPPED_RESOURCES or name.endswith(SKIPPED_GROUPS):
            continue
        if any(ch.isspace() for ch in name):
            raise InputError(f"unexpected output from `kubectl api-resources`: {line[:80]!r}", file="kubectl")
        names.append(name)
    if not names:
        raise InputError("`kubectl api-resources` listed no resource types", file="kubectl")
    return names


def load_live(
    *,
    namespace: str | None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    kubectl: str = "kubectl",
    mesh_root_namespace: str = "istio-system",
) -> LoadResult:
    """Every listable object in the cluster (or in ``namespace``), as a :class:`LoadResult`."""
    names = listable_resources(kubectl, timeout_s=timeout_s)
    result = LoadResult()
    scope = ["-n", namespace] if namespace else ["--all-namespaces"]
    _add_list(result, kubectl, ["get", ",".join(names), "-o", "json", *scope], timeout_s)
    if namespace and namespace != mesh_root_namespace and PEER_AUTHENTICATIONS in names:
        _add_list(result, kubectl, ["get", PEER_AUTHENTICATIONS, "-o", "json", "-n", mesh_root_namespace], timeout_s)
    return result


def _add_list(result: LoadResult, kubectl: str, args: list[str], timeout_s: float) -> None:
    doc = parse_json(run_kubectl(kubectl, args, timeout_s=timeout_s), what=f"kubectl {args[0]} {args[1]}")
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise InputError(f"`kubectl {args[0]} {args[1]}` did not return a List", file="kubectl")
    for item in doc["items"]:
        if isinstance(item, dict) and item.get("kind") == "Secret":
            item.pop("data", None)
            item.pop("stringData", None)
    result.documents += 1
    add_document(result, doc, file=None, line=None)
