"""Imports every built-in workload model so that it registers itself (one line per model)."""

from zsim.platform import fleet  # noqa: F401
