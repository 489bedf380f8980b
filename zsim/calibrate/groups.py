"""The calibration measurements: groups of rows, the libraries each needs, and the published figure to compare.

A group is measured as a whole (one set-up: a CA, a pair of TLS contexts, a temporary model); if its library is
missing, the machine has no loopback network, or it fails, each of its rows is kept with a note instead of a
value. Published figures are the rows of ``../shared/reference/published.md`` ("measured (2-core VM)" rows are a
sanity range: they move by ±30 % from run to run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zsim.calibrate import crypto, hashing, identity_rows, tls, tls_bulk
from zsim.calibrate.budget import Budget
from zsim.calibrate.stats import Row

# module -> the distribution to install
DISTRIBUTIONS = {"cryptography": "cryptography", "spiffe": "spiffe", "model_signing": "model-signing",
                 "cedarpy": "cedarpy", "jwt": "PyJWT"}


@dataclass(frozen=True)
class Group:
    name: str
    rows: tuple[tuple[str, str], ...]  # (row name, unit) in the order the group returns them
    measure: Callable[[Budget], list[Row]]
    requires: tuple[str, ...] = ()
    loopback: bool = False


GROUPS: tuple[Group, ...] = (
    Group("aead", (("aes_256_gcm_1MiB_Bps", "B/s"), ("aes_256_gcm_16KiB_Bps", "B/s"), ("aes_256_gcm_1KiB_Bps", "B/s"),
                   ("chacha20_poly1305_16KiB_Bps", "B/s")), crypto.measure_aead, ("cryptography",)),
    Group("sha256", (("sha256_1MiB_Bps", "B/s"),), crypto.measure_sha256),
    Group("model_signing", (("model_signing_sha256_sharded_Bps", "B/s"),), hashing.measure_model_signing,
          ("model_signing",)),
    Group("signatures", (("ecdsa_p256_sign_s", "s"), ("ecdsa_p256_verify_s", "s"), ("ed25519_sign_s", "s"),
                         ("ed25519_verify_s", "s")), crypto.measure_signatures, ("cryptography",)),
    Group("tls_handshake", (("tls_full_handshake_cpu_s", "s"), ("tls_full_handshakes_per_s", "1/s"),
                            ("tls_resumed_handshake_cpu_s", "s"), ("tls_resumed_handshakes_per_s", "1/s")),
          tls.measure_handshakes, ("cryptography", "spiffe"), loopback=True),
    Group("tls_bulk", (("tls_bulk_Bps", "B/s"), ("plain_bulk_Bps", "B/s")), tls_bulk.measure_bulk,
          ("cryptography", "spiffe"), loopback=True),
    Group("svid", (("x509_svid_issue_s", "s"), ("x509_svid_verify_s", "s"), ("jwt_svid_validate_s", "s")),
          identity_rows.measure_svids, ("cryptography", "spiffe", "jwt")),
    Group("policy", (("policy_decision_s", "s"),), identity_rows.measure_policy, ("spiffe",)),
    Group("cedar", (("cedar_decision_s", "s"),), identity_rows.measure_cedar, ("spiffe", "cedarpy")),
)

# row -> (published figure as text, a representative value for the ratio column, or None)
PUBLISHED: dict[str, tuple[str, float | None]] = {
    "aes_256_gcm_1MiB_Bps": ("≈5 GB/s one core, OpenSSL 3.0 (17–19 GB/s with OpenSSL 4)", 5e9),
    "aes_256_gcm_16KiB_Bps": ("≈5 GB/s one core, OpenSSL 3.0 (17–19 GB/s with OpenSSL 4)", 5e9),
    "aes_256_gcm_1KiB_Bps": ("~2 GB/s at 1 KiB", 2e9),
    "sha256_1MiB_Bps": ("≈2 GB/s with SHA-NI (0.74 GB/s without)", 2e9),
    "model_signing_sha256_sharded_Bps": ("≈3.7 GB/s, 1 GiB, 2 workers", 3.7e9),
    "ecdsa_p256_verify_s": ("ES256 verify via PyJWT 67 µs", 67e-6),
    "tls_full_handshake_cpu_s": ("0.40 ms server CPU, ECDSA P-256 (openssl s_server)", 0.40e-3),
    "tls_resumed_handshake_cpu_s": ("≈0.1 ms server CPU", 0.1e-3),
    "tls_full_handshakes_per_s": ("≈550 full mTLS handshakes/s, Python ssl, loopback", 550.0),
    "tls_bulk_Bps": ("1.7–1.8 GB/s, Python ssl, loopback", 1.75e9),
    "plain_bulk_Bps": ("2.6–5.8 GB/s plaintext, loopback", None),
    "x509_svid_issue_s": ("≈90 µs (keygen + sign)", 90e-6),
    "x509_svid_verify_s": ("120–175 µs parse + chain verify with spiffe", 175e-6),
    "jwt_svid_validate_s": ("≈100 µs (spiffe JwtSvid)", 100e-6),
    "cedar_decision_s": ("12–30 µs via cedarpy (4–11 µs in the Cedar paper)", 21e-6),
}


def row_units() -> dict[str, str]:
    return {name: unit for group in GROUPS for name, unit in group.rows}
