"""Sweeps: grids and lists of parameter overrides addressed by dotted paths into the experiment file.

.. code-block:: yaml

    sweep:
      grid:                                   # every combination
        workloads.inference.arrivals.rate_per_s: [100, 1000, 2000]
        overrides.tokens.ttl_s: [5 min, 1 h]
      points:                                 # or an explicit list of named points
        - {label: small, set: {workloads.pipeline.model_bytes: 1 GB}}

A path is applied to the raw document before validation, so a path that names no field fails validation like
any unknown key, and the error names the sweep entry. Each point is then resolved on its own: its tiers and
workloads are validated with the swept values in place.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from pydantic import Field, model_validator

from zsim.config.base import StrictModel
from zsim.errors import InputError

SWEEPABLE_ROOTS = ("workloads", "overrides", "campaigns", "tiers")


class SweepPoint(StrictModel):
    label: str = Field(min_length=1)
    set: dict[str, Any] = Field(min_length=1)


class SweepSpec(StrictModel):
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    points: list[SweepPoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> SweepSpec:
        if not self.grid and not self.points:
            raise ValueError("a sweep needs a grid or a list of points")
        for path, values in self.grid.items():
            if not values:
                raise ValueError(f"grid entry {path!r} has no values (an empty grid)")
        return self


def _label_value(value: Any) -> str:
    return str(value).replace(" ", "")


def expand_points(spec: SweepSpec) -> list[tuple[str, dict[str, Any]]]:
    """(label, {path: value}) for every point, grid combinations first, in file order."""
    out: list[tuple[str, dict[str, Any]]] = []
    if spec.grid:
        paths = list(spec.grid)
        for combo in itertools.product(*(spec.grid[p] for p in paths)):
            label = ",".join(f"{p.rsplit('.', 1)[-1]}={_label_value(v)}" for p, v in zip(paths, combo, strict=True))
            out.append((label, dict(zip(paths, combo, strict=True))))
    for point in spec.points:
        out.append((point.label, dict(point.set)))
    labels = [label for label, _ in out]
    if len(set(labels)) != len(labels):
        raise InputError("sweep point labels must be unique", field="sweep")
    return out


def apply_path(document: dict[str, Any], path: str, value: Any, *, field: str) -> dict[str, Any]:
    """A copy of ``document`` with ``value`` set at dotted ``path`` (list items as ``tiers.1.controls``)."""
    parts = path.split(".")
    if parts[0] not in SWEEPABLE_ROOTS:
        raise InputError(f"path {path!r} names no sweepable field (roots: {', '.join(SWEEPABLE_ROOTS)})",
                         field=field)
    doc = copy.deepcopy(document)
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(f"path {path!r}: no list item {part!r}", field=field)
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise InputError(f"path {path!r}: {'.'.join(parts[:i])} is not a mapping", field=field)
        if part not in node:
            if parts[0] == "workloads" and i == 1:
                raise InputError(f"path {path!r} names a workload the experiment does not run", field=field)
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict):
        raise InputError(f"path {path!r} names no field", field=field)
    node[parts[-1]] = value
    return doc
