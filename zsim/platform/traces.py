"""LLM request traces: ``TIMESTAMP,ContextTokens,GeneratedTokens`` CSV files (the Azure 2023 format).

The Azure LLM inference trace 2023 ships with zsim under ``zsim/data/traces/azure-llm-2023`` (CC-BY-4.0, see
its NOTICE.md). ``builtin:azure-conv`` and ``builtin:azure-code`` name the two files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from zsim.errors import InputError
from zsim.yamlio import read_text

BUILTIN_TRACES = {
    "builtin:azure-conv": "AzureLLMInferenceTrace_conv.csv",
    "builtin:azure-code": "AzureLLMInferenceTrace_code.csv",
}
REQUIRED_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


@dataclass(frozen=True)
class Trace:
    """Arrival offsets from the first request (s) and token counts, one entry per request."""

    source: str
    offset_s: np.ndarray
    context_tokens: np.ndarray
    generated_tokens: np.ndarray

    @property
    def span_s(self) -> float:
        return float(self.offset_s[-1]) if self.offset_s.size else 0.0

    @property
    def rate_per_s(self) -> float:
        return (self.offset_s.size - 1) / self.span_s if self.span_s > 0 else 0.0


def resolve_trace_path(name: str, base_dir: Path | None) -> Path:
    if name in BUILTIN_TRACES:
        root = resources.files("zsim") / "data" / "traces" / "azure-llm-2023" / BUILTIN_TRACES[name]
        return Path(str(root))
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def _parse_timestamp(text: str) -> float:
    # Azure writes 7 fractional digits; Python's fromisoformat reads at most 6.
    text = text.strip()
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    return datetime.fromisoformat(text).timestamp()


@lru_cache(maxsize=8)
def _load(path_str: str) -> Trace:
    path = Path(path_str)
    lines = read_text(path).splitlines()
    if not lines:
        raise InputError("trace is empty", file=path)
    header = [h.strip() for h in lines[0].split(",")]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(f"trace header lacks column(s) {', '.join(missing)}", file=path, field="header")
    col = {name: header.index(name) for name in REQUIRED_COLUMNS}
    times, ctx, gen = [], [], []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split(",")
        try:
            times.append(_parse_timestamp(cells[col["TIMESTAMP"]]))
            c = int(cells[col["ContextTokens"]])
            g = int(cells[col["GeneratedTokens"]])
        except (ValueError, IndexError):
            raise InputError(f"malformed row: {line[:80]!r}", file=path, field=f"line {lineno}") from None
        if c < 0 or g < 0:
            raise InputError("token counts must be >= 0", file=path, field=f"line {lineno}")
        ctx.append(c)
        gen.append(g)
    if not times:
        raise InputError("trace has no requests", file=path)
    t = np.asarray(times)
    if np.any(np.diff(t) < 0):
        bad = int(np.flatnonzero(np.diff(t) < 0)[0]) + 3
        raise InputError("timestamps go backwards", file=path, field=f"line {bad}")
    return Trace(str(path), t - t[0], np.asarray(ctx, dtype=np.int64), np.asarray(gen, dtype=np.int64))


def load_trace(name: str, base_dir: Path | None = None) -> Trace:
    """Load (and cache) a trace by path or builtin name; errors name the file and line."""
    path = resolve_trace_path(name, base_dir)
    if not path.is_file():
        raise InputError("trace file not found", file=path)
    return _load(str(path.resolve()))
