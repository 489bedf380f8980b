"""Shared test helpers: write experiment files into a temporary folder, find the repository and shared/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


def fleet_experiment(**inference: Any) -> dict[str, Any]:
    """A minimal experiment dict around an inference section (override anything by keyword)."""
    base: dict[str, Any] = {
        "replicas": 4,
        "slots": 1,
        "balancer": "random",
        "arrivals": {"kind": "poisson", "rate_per_s": 2.0},
        "service": {"kind": "exponential", "mean_s": 1.0},
        "horizon": {"requests": 20_000, "warmup_requests": 1_000},
    }
    base.update(inference)
    return {
        "name": "t",
        "seed": 1,
        "replications": 2,
        "tiers": ["none"],
        "workloads": {"inference": base},
    }
