"""The one table that turns calibration rows into cost fields of the controls.

Each entry names a control's cost field (declared with :func:`zsim.controls.base.cost_field`), the rows it
needs and how the value follows from their medians. Entries for the same field are alternatives in order of
preference: the first whose rows were all measured wins (Cedar, a policy language engine like OPA, before the
built-in engine, which is a table lookup). A field that no entry can fill keeps its published default and is
listed under ``meta.not_calibrated`` of the profile. ``docs/calibration.md`` shows this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from zsim.calibrate.stats import Row


@dataclass(frozen=True)
class CostMapping:
    control: str
    field: str
    rows: tuple[str, ...]
    derive: Callable[[Mapping[str, Row]], Any]
    how: str

    @property
    def key(self) -> str:
        return f"{self.control}.{self.field}"


def _median(name: str) -> Callable[[Mapping[str, Row]], float]:
    def get(rows: Mapping[str, Row]) -> float:
        value = rows[name].median
        assert value is not None
        return max(0.0, value)

    return get


def _latency(name: str) -> Callable[[Mapping[str, Row]], dict[str, float]]:
    """A lognormal through the median and the 90th percentile of single calls."""

    def get(rows: Mapping[str, Row]) -> dict[str, float]:
        row = rows[name]
        assert row.median is not None and row.p90 is not None
        median = max(row.median, 1e-9)
        return {"median": median, "p90": max(row.p90, median * 1.01)}  # a valid lognormal, also once rounded

    return get


def _sum(*names: str) -> Callable[[Mapping[str, Row]], float]:
    return lambda rows: sum(_median(n)(rows) for n in names)


def _per_message(small: str, bulk: str, size: int) -> Callable[[Mapping[str, Row]], float]:
    """Fixed cost of one message: the time of ``size`` bytes at the small-buffer rate minus at the bulk rate."""
    return lambda rows: max(0.0, size / _median(small)(rows) - size / _median(bulk)(rows))


MAPPINGS: tuple[CostMapping, ...] = (
    CostMapping("mtls", "full_handshake_cpu_s", ("tls_full_handshake_cpu_s",), _median("tls_full_handshake_cpu_s"),
                "median CPU per side of a full mTLS 1.3 handshake over loopback (net of plain TCP)"),
    CostMapping("mtls", "resumed_handshake_cpu_s", ("tls_resumed_handshake_cpu_s",),
                _median("tls_resumed_handshake_cpu_s"), "the same for a resumed (session ticket) handshake"),
    CostMapping("mtls", "aes_gcm_Bps", ("aes_256_gcm_16KiB_Bps",), _median("aes_256_gcm_16KiB_Bps"),
                "AES-256-GCM on one core at the TLS record size, 16 KiB"),
    CostMapping("rdma_encryption", "aes_gcm_core_Bps", ("aes_256_gcm_1MiB_Bps",), _median("aes_256_gcm_1MiB_Bps"),
                "AES-256-GCM on one core, 1 MiB messages (bulk collective traffic)"),
    CostMapping("rdma_encryption", "per_message_s", ("aes_256_gcm_1KiB_Bps", "aes_256_gcm_1MiB_Bps"),
                _per_message("aes_256_gcm_1KiB_Bps", "aes_256_gcm_1MiB_Bps", 1024),
                "1 KiB at the 1 KiB AES-GCM rate minus 1 KiB at the bulk rate, as the default's source"),
    CostMapping("authz", "eval_latency", ("cedar_decision_s",), _latency("cedar_decision_s"),
                "lognormal through median and p90 of single Cedar decisions (cedarpy)"),
    CostMapping("authz", "eval_latency", ("policy_decision_s",), _latency("policy_decision_s"),
                "without cedarpy: median and p90 of single built-in engine decisions"),
    CostMapping("tokens", "validate_s", ("jwt_svid_validate_s",), _median("jwt_svid_validate_s"),
                "JWT-SVID validation with py-spiffe"),
    CostMapping("tokens", "refresh_s", ("x509_svid_issue_s", "jwt_svid_validate_s"),
                _sum("x509_svid_issue_s", "jwt_svid_validate_s"),
                "X.509-SVID issue (keygen + sign) plus one JWT-SVID validation, as the default's source"),
    CostMapping("artifact_verification", "sha256_per_core_Bps", ("sha256_1MiB_Bps",), _median("sha256_1MiB_Bps"),
                "SHA-256 on one thread, 1 MiB buffers (one hashing worker)"),
    CostMapping("artifact_verification", "signature_verify_s", ("ecdsa_p256_verify_s",),
                _median("ecdsa_p256_verify_s"), "ECDSA P-256 verify (model_signing's elliptic-key signatures)"),
    CostMapping("artifact_verification", "sign_s", ("ecdsa_p256_sign_s",), _median("ecdsa_p256_sign_s"),
                "ECDSA P-256 sign"),
    CostMapping("artifact_verification", "chain_verify_s", ("x509_svid_verify_s",), _median("x509_svid_verify_s"),
                "signer certificate: parse + chain validation of an X.509-SVID"),
    CostMapping("data_integrity", "sha256_Bps", ("sha256_1MiB_Bps",), _median("sha256_1MiB_Bps"),
                "SHA-256 on one thread, 1 MiB buffers (a shard checked against its manifest)"),
    CostMapping("data_integrity", "manifest_verify_s", ("ecdsa_p256_verify_s",), _median("ecdsa_p256_verify_s"),
                "ECDSA P-256 verify (one manifest signature)"),
    CostMapping("runtime_integrity", "sha256_Bps", ("sha256_1MiB_Bps",), _median("sha256_1MiB_Bps"),
                "SHA-256 on one thread, 1 MiB buffers (image layers and scripts re-verified)"),
    CostMapping("attestation", "verify_s", ("x509_svid_verify_s", "ecdsa_p256_verify_s"),
                _sum("x509_svid_verify_s", "ecdsa_p256_verify_s"),
                "AK certificate chain (X.509-SVID verify) plus the quote's ECDSA P-256 signature, as the default's"
                " source"),
)


def apply(rows: Mapping[str, Row]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The profile sections ``{control: {field: value}}`` and, per filled field, which entry filled it."""
    profile: dict[str, dict[str, Any]] = {}
    used: dict[str, str] = {}
    for entry in MAPPINGS:
        if entry.key in used or not all(n in rows and rows[n].measured for n in entry.rows):
            continue
        profile.setdefault(entry.control, {})[entry.field] = entry.derive(rows)
        used[entry.key] = f"{' + '.join(entry.rows)}: {entry.how}"
    return profile, used


# Cost fields zsim calibrate cannot measure on one machine: they keep their published default (the profile lists
# every such field under meta.not_calibrated, these and any added since).
NOT_MEASURED: dict[str, str] = {
    "mtls.sidecar_latency": "needs an Envoy sidecar pair under load (Istio's published p90/p99)",
    "mtls.ambient_latency": "needs two ztunnels under load (Istio's published p90/p99)",
    "mtls.proxy_cpu_s_per_request": "needs an Envoy sidecar (Istio's published vCPU per 1000 rps)",
    "authz.remote_service": "a remote ext_authz handler, fitted to OPA-Envoy's published knee (authz-knee.yaml)",
    "artifact_verification.verify_fixed_s": "0 offline; Sigstore's service round trips are not measured here",
    "artifact_verification.sign_fixed_s": "0 offline; Sigstore's service round trips are not measured here",
    "attestation.quote_s": "needs a TPM (tpm2_quote)",
    "rdma_encryption.offload_line_rate_fraction": "needs a crypto-capable NIC (BlueField-3 class)",
    "data_integrity.validation_Bps": "a schema and distribution scan of training data: depends on the checks",
    "monitoring.event_cpu_s": "needs the runtime sensor (eBPF) and its rules",
}

START, END = "<!-- mapping:start -->", "<!-- mapping:end -->"


def render_markdown() -> str:
    """The mapping table for ``docs/calibration.md`` (``python -m zsim.calibrate.mapping docs/calibration.md``)."""
    lines = ["| cost field | from the rows | rule |", "|---|---|---|"]
    seen: set[str] = set()
    for m in MAPPINGS:
        alt = " (fallback)" if m.key in seen else ""
        seen.add(m.key)
        lines.append(f"| `{m.key}`{alt} | {', '.join(f'`{r}`' for r in m.rows)} | {m.how} |")
    for key, why in NOT_MEASURED.items():
        lines.append(f"| `{key}` | — (published default) | {why} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    from zsim.calibrate.markers import replace_section
    from zsim.calibrate.profile import write_atomic

    if len(sys.argv) != 2:
        print(render_markdown(), end="")
    else:
        doc = Path(sys.argv[1])
        write_atomic(doc, replace_section(doc.read_text(encoding="utf-8"), render_markdown(), START, END))
        print(f"rewrote the mapping table of {doc}")
