"""Symmetric and asymmetric primitives with ``cryptography``, and SHA-256 with ``hashlib``.

Throughputs are bytes per second of one thread (one core) encrypting or hashing buffers of a fixed size: 16 KiB
is a full TLS record, 1 KiB a small RPC message, 1 MiB a hashing chunk. Signatures are seconds per operation
on a 64-byte message (SHA-256 digest of the message included for ECDSA).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from zsim.calibrate.budget import Budget
from zsim.calibrate.stats import Row, summarise

KiB = 1 << 10


def _rate_samples(op: Callable[[int], object], size: int, total: int, repeats: int) -> list[float]:
    """Bytes per second of ``op(i)`` (one call processes ``size`` bytes), one sample per ``total`` bytes."""
    calls = max(1, total // size)
    op(0)  # warm up (allocations, first use of the cipher)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(calls):
            op(i)
        out.append(calls * size / (time.perf_counter() - t0))
    return out


def _per_op_samples(op: Callable[[], object], ops: int, repeats: int) -> list[float]:
    op()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(ops):
            op()
        out.append((time.perf_counter() - t0) / ops)
    return out


def measure_aead(budget: Budget) -> list[Row]:
    """AES-256-GCM at 1 MiB, 16 KiB and 1 KiB, ChaCha20-Poly1305 at 16 KiB (``cryptography``'s AEAD classes)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

    rows = []
    for name, cls, size in (
        ("aes_256_gcm_1MiB_Bps", AESGCM, 1024 * KiB),
        ("aes_256_gcm_16KiB_Bps", AESGCM, 16 * KiB),
        ("aes_256_gcm_1KiB_Bps", AESGCM, KiB),
        ("chacha20_poly1305_16KiB_Bps", ChaCha20Poly1305, 16 * KiB),
    ):
        cipher = cls(bytes(range(32)))
        data = bytes(size)
        total = budget.aead_bytes if size >= 16 * KiB else budget.aead_bytes // 8

        def op(i: int, cipher: AESGCM | ChaCha20Poly1305 = cipher, data: bytes = data) -> object:
            return cipher.encrypt(i.to_bytes(12, "little"), data, None)

        rows.append(summarise(name, "B/s", _rate_samples(op, size, total, budget.repeats)))
    return rows


def measure_sha256(budget: Budget) -> list[Row]:
    """SHA-256 of 1 MiB buffers on one thread (``hashlib``, the OpenSSL that Python links)."""
    data = bytes(1 << 20)

    def op(_: int) -> object:
        return hashlib.sha256(data).digest()

    return [summarise("sha256_1MiB_Bps", "B/s", _rate_samples(op, len(data), budget.aead_bytes, budget.repeats))]


def measure_signatures(budget: Budget) -> list[Row]:
    """ECDSA P-256 (SHA-256) and Ed25519 sign and verify of a 64-byte message."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    message = bytes(64)
    ecdsa = ec.ECDSA(hashes.SHA256())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pub = ec_key.public_key()
    ec_sig = ec_key.sign(message, ecdsa)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_pub = ed_key.public_key()
    ed_sig = ed_key.sign(message)
    ops: list[tuple[str, Callable[[], object]]] = [
        ("ecdsa_p256_sign_s", lambda: ec_key.sign(message, ecdsa)),
        ("ecdsa_p256_verify_s", lambda: ec_pub.verify(ec_sig, message, ecdsa)),
        ("ed25519_sign_s", lambda: ed_key.sign(message)),
        ("ed25519_verify_s", lambda: ed_pub.verify(ed_sig, message)),
    ]
    return [summarise(name, "s", _per_op_samples(op, budget.sign_ops, budget.repeats)) for name, op in ops]
