"""What machine a calibration ran on: CPU, cores, Python, both OpenSSLs, library versions, load."""

from __future__ import annotations

import os
import platform
import ssl
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("cryptography", "spiffe", "model-signing", "cedarpy", "PyJWT", "pyOpenSSL", "numpy", "zsim")
FLAGS = ("aes", "vaes", "sha_ni", "avx2", "avx512f", "pclmulqdq")


def _cpuinfo() -> tuple[str, list[str]]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine(), []
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "Model", "Hardware") and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return model or platform.processor() or platform.machine(), [f for f in FLAGS if f in flags]


def _cryptography_openssl() -> str | None:
    try:
        from cryptography.hazmat.backends.openssl.backend import backend
    except ImportError:
        return None
    return str(backend.openssl_version_text())


def machine_details() -> dict[str, Any]:
    model, flags = _cpuinfo()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "cpu_model": model,
        "cpu_flags": flags,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_ssl_openssl": ssl.OPENSSL_VERSION,
        "cryptography_openssl": _cryptography_openssl(),
        "libraries": versions,
        "load_average_1_5_15": load,
    }
