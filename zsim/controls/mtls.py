"""mTLS between services: off, permissive or strict, through a sidecar, an ambient node proxy, or in-process.

Costs (what a request pays):

* **proxy hop latency** — every hop through the mesh data plane (a sidecar pair, or two ztunnels in ambient mode)
  adds a latency drawn from a lognormal fitted to the published p90/p99. It applies whenever a proxy is in the
  path, whatever the mode: the proxy is there for mTLS.
* **handshake** on each new connection: one extra round trip plus the server's and the client's handshake CPU
  (TLS 1.3, ECDSA P-256). With session resumption the cheaper resumed handshake is paid instead, after the
  first. Which requests open a connection is decided by the client's pool and keep-alive (the fleet's
  ``client`` section), since per-connection authorization shares that model.
* **record encryption** of request and response bytes at a per-core AES-GCM rate, on both ends.
* **proxy CPU** per request, for the accounting of CPU-seconds.

``permissive`` costs the same as ``strict`` for mesh clients; ``plaintext_client_fraction`` of clients that
bypass the mesh pay nothing — and that plaintext is exactly what strict refuses (security effect).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from pydantic import Field

from zsim.controls.base import (
    Control,
    ControlParams,
    Plane,
    RequestBatch,
    RequestPathCost,
    TransferCost,
    cost_field,
)
from zsim.controls.dists import LatencyDist
from zsim.controls.registry import register
from zsim.units import BytesPerSecond, Seconds

ISTIO_SIDECAR = "istio.io performance page, Istio 1.20 sidecar pair, 1 kB, 1000 rps, mTLS: +0.228 ms p90, +0.298 ms p99"
ISTIO_AMBIENT = "istio.io (1.22), ambient mode, two ztunnels: +0.17 ms p90, +0.20 ms p99"


class MtlsMode(StrEnum):
    OFF = "off"
    PERMISSIVE = "permissive"
    STRICT = "strict"


class ProxyModel(StrEnum):
    NONE = "none"  # TLS in the application process
    SIDECAR = "sidecar"
    AMBIENT = "ambient"


class MtlsParams(ControlParams):
    mode: MtlsMode = MtlsMode.OFF
    proxy: ProxyModel = ProxyModel.NONE
    session_resumption: bool = True
    plaintext_client_fraction: float = Field(0.0, ge=0.0, le=1.0, description="clients outside the mesh")
    sidecar_latency: LatencyDist = cost_field(
        LatencyDist(p90=0.228e-3, p99=0.298e-3), source=ISTIO_SIDECAR, description="per hop, sidecar pair"
    )
    ambient_latency: LatencyDist = cost_field(
        LatencyDist(p90=0.17e-3, p99=0.20e-3), source=ISTIO_AMBIENT, description="per hop, two ztunnels"
    )
    full_handshake_cpu_s: Seconds = cost_field(
        0.40e-3, source="published.md: TLS 1.3 full handshake, server CPU, 0.40 ms ECDSA P-256 (openssl s_server)"
    )
    resumed_handshake_cpu_s: Seconds = cost_field(
        0.10e-3, source="published.md: TLS resumed handshake, server CPU, ~0.1 ms"
    )
    aes_gcm_Bps: BytesPerSecond = cost_field(
        5e9, source="published.md: software AES-256-GCM, one core, ~5 GB/s (OpenSSL 3.0)"
    )
    proxy_cpu_s_per_request: Seconds = cost_field(
        0.20e-3, source="published.md: Envoy sidecar CPU 0.20 vCPU per 1000 rps (Istio 1.24)"
    )

    def active(self) -> bool:
        return self.mode != MtlsMode.OFF or self.proxy != ProxyModel.NONE


@register
class Mtls(Control):
    name = "mtls"
    Params = MtlsParams
    summary = "mutual TLS between services (off / permissive / strict) through sidecar, ambient or no proxy"
    params: MtlsParams

    def _proxy_latency(self) -> LatencyDist | None:
        p = self.params
        if p.proxy == ProxyModel.SIDECAR:
            return p.sidecar_latency
        if p.proxy == ProxyModel.AMBIENT:
            return p.ambient_latency
        return None

    def request_path(self, batch: RequestBatch, rng: np.random.Generator) -> RequestPathCost | None:
        p = self.params
        if not self.enabled:
            return None
        n = batch.n
        delay = np.zeros(n)
        cpu = np.zeros(n)
        dist = self._proxy_latency()
        if dist is not None:
            delay += dist.sample(rng, n * batch.hops).reshape(batch.hops, n).sum(axis=0)
            cpu += 2 * batch.hops * p.proxy_cpu_s_per_request
        counters: dict[str, float] = {}
        if p.mode != MtlsMode.OFF:
            tls = np.ones(n, dtype=bool)
            if p.plaintext_client_fraction > 0:
                # clients, not requests, are in or out of the mesh: keyed on the principal, fixed per run
                n_principals = int(batch.principal.max()) + 1 if n else 0
                outside = rng.random(n_principals) < p.plaintext_client_fraction
                tls &= ~outside[batch.principal]
            new = batch.new_connection & tls
            handshake_cpu = np.where(
                self._resumed(batch) & new, p.resumed_handshake_cpu_s, p.full_handshake_cpu_s
            )
            handshake = np.where(new, batch.rtt_s + 2 * handshake_cpu, 0.0)
            crypt_s = np.where(tls, 2 * (batch.request_bytes + batch.response_bytes) / p.aes_gcm_Bps, 0.0)
            delay += handshake + crypt_s * batch.hops
            cpu += np.where(new, 2 * handshake_cpu, 0.0) + crypt_s * batch.hops
            counters = {"handshakes": float(new.sum()), "plaintext_requests": float((~tls).sum())}
        return RequestPathCost(client_delay_s=delay, cpu_s=cpu, counters=counters)

    def _resumed(self, batch: RequestBatch) -> np.ndarray:
        """A new connection resumes the session if this principal already completed a handshake."""
        if not self.params.session_resumption:
            return np.zeros(batch.n, dtype=bool)
        first = np.zeros(batch.n, dtype=bool)
        new_idx = np.flatnonzero(batch.new_connection)
        _, first_pos = np.unique(batch.principal[new_idx], return_index=True)
        first[new_idx[first_pos]] = True
        return ~first

    def transfer(self, plane: Plane, n_bytes: float, messages: int = 1) -> TransferCost | None:
        p = self.params
        if p.mode == MtlsMode.OFF or plane not in (Plane.STORAGE, Plane.CONTROL):
            return None
        return TransferCost(
            rate_cap_Bps=p.aes_gcm_Bps,
            setup_s=2 * p.full_handshake_cpu_s,
            setup_rtts=1,
            cpu_s_per_byte=2.0 / p.aes_gcm_Bps,
        )

    def attack_effects(self, step: StepContext) -> list[Effect]:  # noqa: F821  (types: zsim.controls.base)
        """Plaintext is what mTLS takes away. STRICT: a mesh server refuses plaintext, so no plaintext flow to
        it exists to be read and a caller outside the mesh (no SVID) cannot reach it. PERMISSIVE: a flow is
        encrypted only when both ends are in the mesh and every client uses it; plaintext from clients outside
        the mesh is still accepted, so interception of those flows still works."""
        from zsim.attacks.effects import ActionKind, Block

        p = self.params
        src, dst = step.source, step.target
        if p.mode == MtlsMode.OFF or src is None or dst is None or step.plane not in (Plane.CONTROL, Plane.STORAGE):
            return []
        if step.action == ActionKind.INTERCEPT:
            if p.mode == MtlsMode.STRICT and dst.mesh:
                return [Block(self.name, "STRICT mTLS: the server accepts no plaintext, so there is none to read")]
            if p.mode == MtlsMode.PERMISSIVE and src.mesh and dst.mesh and p.plaintext_client_fraction == 0:
                return [Block(self.name, "PERMISSIVE mTLS: both ends in the mesh, the flow is encrypted")]
            return []
        if p.mode == MtlsMode.STRICT and dst.mesh and not src.mesh:
            return [Block(self.name, "STRICT mTLS: a caller outside the mesh has no SVID to present")]
        return []
