"""``zsim validate``: recognise a file's kind from its keys and run that kind's loader on it.

Validators are tried in order; each is ``(kind, predicate(data), load(path))``. Areas that add a file kind
(campaigns, postures, cost profiles) register theirs with :func:`register_validator`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zsim.errors import InputError
from zsim.yamlio import load_yaml_file

Validator = tuple[str, Callable[[dict[str, Any]], bool], Callable[[Path], object]]
_VALIDATORS: list[Validator] = []


def register_validator(kind: str, predicate: Callable[[dict[str, Any]], bool], load: Callable[[Path], object]) -> None:
    _VALIDATORS.append((kind, predicate, load))


def _builtin() -> list[Validator]:
    from zsim.config.costs import load_cost_profile
    from zsim.config.experiment import load_experiment
    from zsim.config.tiers import load_tier_file
    from zsim.config.topology import load_topology
    from zsim.controls.registry import control_names

    names = set(control_names())
    return [
        ("experiment", lambda d: "workloads" in d or "tiers" in d, load_experiment),
        ("tier", lambda d: "controls" in d and "name" in d, load_tier_file),
        ("cost profile", lambda d: bool(d) and set(d) - {"meta"} <= names, load_cost_profile),
        ("topology", lambda d: "name" in d, load_topology),
    ]


def validate_file(path: Path) -> str:
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping at the top level", file=path)
    for kind, predicate, load in [*_VALIDATORS, *_builtin()]:
        if predicate(data):
            load(path)
            return kind
    raise InputError("cannot tell what kind of file this is (experiment, topology, tier, cost profile, campaign)",
                     file=path)
