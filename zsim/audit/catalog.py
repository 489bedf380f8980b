"""Every check the auditors run: id, severity, rationale and reference, in one table.

Ids are stable: ``ZT-<AREA>-<NNN>``. A check has exactly one severity; where a condition comes in a worse and a
milder form (a literal credential against a secretKeyRef, UID 0 against a missing runAsNonRoot) they are two
checks. ``docs/audit.md`` renders this table, and a test keeps the two in step.
"""

from __future__ import annotations

from typing import Any

from zsim.audit.model import Check, Finding, Severity

_PSS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
_C, _H, _M, _L, _I = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

_ROWS: list[tuple[str, str, str, Severity, str, str, str]] = [
    # --- network -------------------------------------------------------------------------------------------
    (
        "ZT-NET-001",
        "no-default-deny",
        "Namespace without a default-deny NetworkPolicy",
        _H,
        "network",
        "Without a policy that selects every pod (empty podSelector) for both Ingress and Egress with no allow "
        "rules, every pod can reach every other pod: a foothold anywhere is a foothold everywhere (NIST SP "
        "800-207 tenet 2/3). Judged by what the policies do, never by their names.",
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies",
    ),
    (
        "ZT-NET-002",
        "host-network",
        "Pod uses the host network namespace",
        _H,
        "network",
        "hostNetwork pods bypass every NetworkPolicy and the mesh sidecar, and can reach node-local services.",
        _PSS,
    ),
    (
        "ZT-NET-003",
        "rdma-device",
        "Container requests an RDMA/InfiniBand device",
        _M,
        "network",
        "RDMA traffic bypasses the kernel network stack, so eBPF/iptables NetworkPolicies and mesh proxies never "
        "see it: GPU-to-GPU traffic is outside every network control and needs application-level protection.",
        "https://github.com/Mellanox/k8s-rdma-shared-dev-plugin",
    ),
    (
        "ZT-NET-004",
        "external-exposure",
        "Service exposed outside the cluster (LoadBalancer/NodePort)",
        _M,
        "network",
        "LoadBalancer and NodePort services accept traffic from outside the cluster network, past any in-cluster "
        "identity check; expose through an authenticated gateway instead.",
        "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
    ),
    # --- workload hardening --------------------------------------------------------------------------------
    (
        "ZT-WL-001",
        "privileged",
        "Privileged container",
        _H,
        "workload",
        "A privileged container has every capability and the host's devices: it escapes isolation (common for "
        "GPU workloads, and rarely needed with the device plugin).",
        _PSS,
    ),
    (
        "ZT-WL-002",
        "host-pid",
        "Pod shares the host PID namespace",
        _H,
        "workload",
        "hostPID lets the pod see and signal every process on the node, including other tenants' training jobs.",
        _PSS,
    ),
    (
        "ZT-WL-003",
        "host-ipc",
        "Pod shares the host IPC namespace",
        _H,
        "workload",
        "hostIPC exposes the node's shared memory (NCCL and CUDA IPC use it) to the pod.",
        _PSS,
    ),
    (
        "ZT-WL-004",
        "privilege-escalation",
        "allowPrivilegeEscalation is not false",
        _M,
        "workload",
        "Unless allowPrivilegeEscalation is false, setuid binaries in the image can gain more privileges than "
        "the container started with.",
        _PSS,
    ),
    (
        "ZT-WL-005",
        "run-as-root-uid",
        "Container runs as UID 0",
        _H,
        "workload",
        "runAsUser: 0 runs the container as root: any escape lands as root on the node.",
        _PSS,
    ),
    (
        "ZT-WL-006",
        "no-run-as-non-root",
        "runAsNonRoot is not set",
        _M,
        "workload",
        "Without runAsNonRoot: true (or a non-zero runAsUser) the image decides, and most images run as root.",
        _PSS,
    ),
    (
        "ZT-WL-007",
        "automount-sa-token",
        "Service-account token mounted automatically",
        _L,
        "workload",
        "Unless automountServiceAccountToken is false (on the pod or its ServiceAccount) every container gets an "
        "API token, which an attacker in the pod can use against the API server.",
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"
        "#opt-out-of-api-credential-automounting",
    ),
    # --- service mesh --------------------------------------------------------------------------------------
    (
        "ZT-MESH-001",
        "not-in-mesh",
        "Workload outside the service mesh",
        _M,
        "mesh",
        "No Istio sidecar (namespace label, revision label, pod label or annotation), no ambient mode and no "
        "Linkerd injection: its traffic is neither authenticated nor encrypted by the mesh.",
        "https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/",
    ),
    (
        "ZT-MESH-002",
        "mtls-permissive",
        "mTLS PERMISSIVE (or unset) for the workload",
        _H,
        "mesh",
        "PERMISSIVE (Istio's default when no PeerAuthentication sets a mode) accepts plaintext next to mTLS, so "
        "any pod can talk to the workload without a verified identity.",
        "https://istio.io/latest/docs/reference/config/security/peer_authentication/",
    ),
    (
        "ZT-MESH-003",
        "mtls-disabled",
        "mTLS DISABLE for the workload",
        _H,
        "mesh",
        "DISABLE turns mutual TLS off: traffic to the workload is plaintext and unauthenticated.",
        "https://istio.io/latest/docs/reference/config/security/peer_authentication/",
    ),
    (
        "ZT-MESH-004",
        "peerauth-conflict",
        "Several PeerAuthentications at the same level",
        _L,
        "mesh",
        "Istio applies only the oldest of several mesh-wide, namespace-wide or matching workload policies; the "
        "others are silently ignored, so the effective mode may not be the one intended.",
        "https://istio.io/latest/docs/concepts/security/#peer-authentication",
    ),
    # --- credentials ---------------------------------------------------------------------------------------
    (
        "ZT-CRED-001",
        "literal-credential",
        "Credential written literally into the manifest",
        _C,
        "credentials",
        "A literal value in a credential-named environment variable (or a value shaped like a known token, or a "
        "URL with a password) is readable by anyone who can read the manifest or the pod spec, and never rotates.",
        "https://cwe.mitre.org/data/definitions/798.html",
    ),
    (
        "ZT-CRED-002",
        "secret-ref-credential",
        "Credential taken from a Secret (verify rotation)",
        _L,
        "credentials",
        "secretKeyRef/envFrom keeps the value out of the manifest, but it is still a long-lived static secret: "
        "check that it is rotated and scoped.",
        "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",
    ),
    (
        "ZT-CRED-003",
        "static-sa-secret",
        "ServiceAccount bound to static Secrets",
        _M,
        "credentials",
        "ServiceAccount.secrets lists long-lived Secrets; projected, expiring tokens are the zero-trust default.",
        "https://kubernetes.io/docs/concepts/security/service-accounts/#get-a-token",
    ),
    (
        "ZT-CRED-004",
        "legacy-sa-token",
        "Legacy non-expiring service-account token Secret",
        _H,
        "credentials",
        "A Secret of type kubernetes.io/service-account-token holds a token that never expires (the pre-1.24 "
        "default) until the Secret is deleted.",
        "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/"
        "#legacy-serviceaccount-token-cleaner",
    ),
    (
        "ZT-CRED-005",
        "workload-identity",
        "Cloud workload-identity binding (GKE WI / EKS IRSA)",
        _I,
        "credentials",
        "Workload identity replaces static cloud keys, which is good; the bound cloud role must still be scoped "
        "to the minimum (verify it by hand).",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity",
    ),
    # --- pipeline run folders ------------------------------------------------------------------------------
    (
        "ZT-PIPE-001",
        "artifact-no-hash",
        "Artifact without an integrity hash",
        _H,
        "pipeline",
        "Without a hash a downstream stage cannot tell a poisoned model from the one the upstream stage made.",
        "https://atlas.mitre.org/techniques/AML.T0010",
    ),
    (
        "ZT-PIPE-002",
        "artifact-no-signature",
        "Artifact without a signature",
        _M,
        "pipeline",
        "A hash written by the same stage proves nothing about who made the artifact; sign it (model_signing, "
        "Sigstore) and verify at every boundary.",
        "https://github.com/sigstore/model-transparency",
    ),
    (
        "ZT-PIPE-003",
        "artifact-hash-mismatch",
        "Artifact does not match its recorded hash",
        _C,
        "pipeline",
        "The artifact on disk is not the one the stage recorded: substituted, corrupted or tampered with.",
        "https://atlas.mitre.org/techniques/AML.T0010",
    ),
    (
        "ZT-PIPE-004",
        "credentials-in-artifacts",
        "Credentials file stored with the artifacts",
        _H,
        "pipeline",
        "A .env or secrets.* file in a run folder travels with the artifacts into storage every later stage and "
        "person can read.",
        "https://cwe.mitre.org/data/definitions/312.html",
    ),
    (
        "ZT-PIPE-005",
        "artifact-path-escape",
        "Artifact path escapes the run folder",
        _H,
        "pipeline",
        "An artifact path with '..', an absolute path or a symlink leading out makes a verifier read (or a "
        "consumer load) a file outside the run; it is reported and never read.",
        "https://cwe.mitre.org/data/definitions/22.html",
    ),
    (
        "ZT-PIPE-006",
        "artifact-missing",
        "Recorded artifact is missing",
        _M,
        "pipeline",
        "The metadata names an artifact that is not in the run folder, so its hash cannot be checked.",
        "https://atlas.mitre.org/techniques/AML.T0010",
    ),
    (
        "ZT-PIPE-007",
        "bad-metadata",
        "Unreadable stage metadata",
        _M,
        "pipeline",
        "Stage metadata that cannot be parsed hides every artifact it should describe from verification.",
        "https://atlas.mitre.org/techniques/AML.T0010",
    ),
    (
        "ZT-PIPE-008",
        "signature-invalid",
        "Model signature does not verify",
        _C,
        "pipeline",
        "The model-signing bundle is malformed, signed by another key, or its manifest is inconsistent.",
        "https://github.com/sigstore/model-transparency",
    ),
    (
        "ZT-PIPE-009",
        "signed-model-extra-file",
        "File in the model that the signature does not cover",
        _H,
        "pipeline",
        "An unsigned file in a signed model directory (a pickle, a config) can change what loads.",
        "https://github.com/sigstore/model-transparency",
    ),
    (
        "ZT-PIPE-010",
        "signed-model-missing-file",
        "Signed file missing from the model",
        _H,
        "pipeline",
        "A file the signature covers is gone: the model is not the one that was signed.",
        "https://github.com/sigstore/model-transparency",
    ),
    (
        "ZT-PIPE-011",
        "signed-model-file-mismatch",
        "Signed file changed",
        _C,
        "pipeline",
        "A file's digest differs from the signed manifest: the model was modified after signing.",
        "https://github.com/sigstore/model-transparency",
    ),
    (
        "ZT-PIPE-012",
        "signature-not-verified",
        "Model signature present but not verified",
        _M,
        "pipeline",
        "The bundle's manifest was compared with the files, but no public key or certificate was given, so who "
        "signed it is unknown (pass --public-key or --certificate).",
        "https://github.com/sigstore/model-transparency",
    ),
    # --- input problems ------------------------------------------------------------------------------------
    (
        "ZT-IN-001",
        "unreadable-input",
        "Input file that could not be audited",
        _M,
        "input",
        "Malformed YAML/JSON, non-UTF-8 or binary content, an oversized file, an alias bomb or a symlink loop: the "
        "file's objects were not checked, so the audit says nothing about them.",
        "https://yaml.org/spec/1.2.2/",
    ),
    (
        "ZT-IN-002",
        "incomplete-object",
        "Object without apiVersion, kind or metadata.name",
        _L,
        "input",
        "The API server would reject it, and findings on it cannot name the resource; it is still checked.",
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/#required-fields",
    ),
    (
        "ZT-IN-003",
        "path-outside-input",
        "Symlink leading out of the audited folder",
        _M,
        "input",
        "The auditor never follows a path out of the folder it was given; the target was not read.",
        "https://cwe.mitre.org/data/definitions/59.html",
    ),
]

CHECKS: dict[str, Check] = {
    row[0]: Check(
        id=row[0], name=row[1], title=row[2], severity=row[3], area=row[4], rationale=row[5], reference=row[6]
    )
    for row in _ROWS
}

K8S_AREAS = ("network", "workload", "mesh", "credentials", "input")
CREDENTIAL_AREAS = ("credentials", "input")
PIPELINE_AREAS = ("pipeline",)
_INPUT_CHECKS_FOR_FOLDERS = ("ZT-IN-001", "ZT-IN-003")  # a run folder holds no Kubernetes objects


def checks_for(areas: tuple[str, ...]) -> list[str]:
    """Ids of the checks in ``areas`` (catalog order); folder-reading input checks come with "pipeline"."""
    extra = _INPUT_CHECKS_FOR_FOLDERS if "pipeline" in areas and "input" not in areas else ()
    return [c.id for c in CHECKS.values() if c.area in areas or c.id in extra]


def finding(check_id: str, message: str, **where: Any) -> Finding:
    """A finding of ``check_id`` (its severity comes from the catalog) at ``where`` (kind, namespace, ...)."""
    return Finding(check_id=check_id, severity=CHECKS[check_id].severity, message=message, **where)
