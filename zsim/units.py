"""Readable quantities with units, parsed once into SI (seconds, bytes, bytes/s, 1/s).

Configs may write ``"25 MiB"``, ``"400 Gb/s"``, ``"2 us"``, ``"1h"`` or plain numbers (already SI). Use the
pydantic types at the bottom (:data:`Seconds`, :data:`Bytes`, :data:`BytesPerSecond`, :data:`PerSecond`) in
config models so every field goes through the same parser.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator

_NUMBER = r"(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
_PATTERN = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>[A-Za-zµ/%]*(?:/[A-Za-z]+)?)\s*$")

_DURATION_S = {
    "": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9,
    "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0, "w": 604800.0, "week": 604800.0, "weeks": 604800.0,
}

_SIZE_BYTES = {
    "": 1.0, "B": 1.0, "byte": 1.0, "bytes": 1.0,
    "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15,
    "KiB": 2.0**10, "MiB": 2.0**20, "GiB": 2.0**30, "TiB": 2.0**40, "PiB": 2.0**50,
    "b": 1 / 8, "kb": 1e3 / 8, "Kb": 1e3 / 8, "Mb": 1e6 / 8, "Gb": 1e9 / 8, "Tb": 1e12 / 8,
}

_RATE_ALIASES = {"bps": "b", "kbps": "kb", "Mbps": "Mb", "Gbps": "Gb", "Tbps": "Tb"}

_PER_SECOND = {"": 1.0, "/s": 1.0, "Hz": 1.0, "rps": 1.0, "qps": 1.0, "/min": 1 / 60, "/h": 1 / 3600,
               "/hour": 1 / 3600, "/d": 1 / 86400, "/day": 1 / 86400, "kHz": 1e3, "k/s": 1e3, "M/s": 1e6}


class UnitError(ValueError):
    """A quantity that does not parse; pydantic reports it with the field path."""


def _split(text: str | float | int, kind: str) -> tuple[float, str]:
    if isinstance(text, bool):
        raise UnitError(f"expected a {kind}, got a boolean")
    if isinstance(text, int | float):
        return float(text), ""
    if not isinstance(text, str):
        raise UnitError(f"expected a {kind} such as a number or a string with a unit, got {type(text).__name__}")
    match = _PATTERN.match(text)
    if not match:
        raise UnitError(f"cannot read {text!r} as a {kind}")
    return float(match["num"]), match["unit"]


def _finite(value: float, text: object, kind: str) -> float:
    if not math.isfinite(value):
        raise UnitError(f"{kind} {text!r} is not finite")
    return value


def parse_duration_s(text: str | float | int) -> float:
    """``"2 us"`` → 2e-6; ``"1h"`` → 3600.0; a bare number is seconds."""
    num, unit = _split(text, "duration")
    if unit not in _DURATION_S:
        raise UnitError(f"unknown time unit {unit!r} in {text!r} (use ns, us, ms, s, min, h, d)")
    return _finite(num * _DURATION_S[unit], text, "duration")


def parse_size_bytes(text: str | float | int) -> float:
    """``"25 MiB"`` → 26214400.0; ``"1 GB"`` → 1e9; a bare number is bytes."""
    num, unit = _split(text, "size")
    if unit not in _SIZE_BYTES:
        raise UnitError(f"unknown size unit {unit!r} in {text!r} (use B, KiB, MiB, GiB, kB, MB, GB, TB)")
    return _finite(num * _SIZE_BYTES[unit], text, "size")


def parse_rate_Bps(text: str | float | int) -> float:
    """Bandwidth in bytes/s: ``"400 Gb/s"`` → 5e10; ``"25 GB/s"`` → 2.5e10; a bare number is bytes/s."""
    num, unit = _split(text, "bandwidth")
    if unit in _RATE_ALIASES:
        base = _RATE_ALIASES[unit]
    elif unit.endswith("/s") or not unit:
        base = unit.removesuffix("/s")
    else:
        raise UnitError(f"bandwidth {text!r} needs a per-second unit such as Gb/s or GB/s")
    if base not in _SIZE_BYTES:
        raise UnitError(f"unknown bandwidth unit {unit!r} in {text!r} (use Gb/s, GB/s, GiB/s, Mb/s)")
    return _finite(num * _SIZE_BYTES[base], text, "bandwidth")


def parse_per_second(text: str | float | int) -> float:
    """Event rate in 1/s: ``"1000 rps"``, ``"5/min"``, ``"2 Hz"``; a bare number is per second."""
    num, unit = _split(text, "rate")
    if unit not in _PER_SECOND:
        raise UnitError(f"unknown rate unit {unit!r} in {text!r} (use /s, rps, Hz, /min, /h)")
    return _finite(num * _PER_SECOND[unit], text, "rate")


def _validator(parse):  # type: ignore[no-untyped-def]
    def run(value: object) -> float:
        try:
            return parse(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(run)


Seconds = Annotated[float, _validator(parse_duration_s)]
Bytes = Annotated[float, _validator(parse_size_bytes)]
BytesPerSecond = Annotated[float, _validator(parse_rate_Bps)]
PerSecond = Annotated[float, _validator(parse_per_second)]


def format_duration_s(seconds: float) -> str:
    """Human-readable duration for tables: 1.5e-4 → ``150 µs``."""
    if seconds == 0 or not math.isfinite(seconds):
        return f"{seconds:g} s"
    for unit, scale in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
