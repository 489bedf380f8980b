"""A small sweep experiment (inference fleet, two tiers, a grid over the arrival rate) and folder snapshots."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.conftest import fleet_experiment


def sweep_data(requests: int = 4000, reps: int = 2, rates: tuple[float, ...] = (1.0, 2.0),
               name: str = "sw") -> dict[str, Any]:
    data = fleet_experiment(horizon={"requests": requests, "warmup_requests": 100})
    data.update(name=name, replications=reps, tiers=["none", "strict"])
    data["sweep"] = {"grid": {"workloads.inference.arrivals.rate_per_s": list(rates)}}
    return data


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) → sha256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
