"""zsim: simulation and benchmarking of zero-trust controls on AI infrastructure."""

__version__ = "0.1.0"
