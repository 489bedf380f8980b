"""Tiers: named sets of control settings, from the catalog or inline, with ``extends`` and overrides.

Resolution order for one control parameter (later wins): the control's default (off) → the cost profile
(cost fields only) → each tier in the ``extends`` chain, base first → the tier itself → the experiment's
``overrides``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from zsim.config.base import StrictModel
from zsim.controls.registry import ControlSet, build_params
from zsim.errors import InputError, from_validation_error
from zsim.yamlio import load_documents, load_yaml_file

CATALOG_FILE = "zsim/catalog/tiers.yaml"


Sensitivity = Literal["low", "medium", "high"]


class TierSpec(StrictModel):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    extends: str | None = None
    controls: dict[str, dict[str, Any]] = Field(default_factory=dict)
    by_sensitivity: dict[Sensitivity, dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="zoning: settings applied on top of `controls` to workloads and components of a sensitivity",
    )


def load_tier_file(path: str | Path) -> TierSpec:
    """A tier in its own file (e.g. written by ``zsim audit k8s --emit-posture``); controls are validated."""
    path = Path(path)
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("a tier file must be a mapping with name, description and controls", file=path)
    try:
        spec = TierSpec.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file=path) from None
    try:
        resolve_tier(spec, {spec.name: spec})
    except InputError as exc:
        raise exc.with_file(path) from None
    return spec


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@lru_cache(maxsize=1)
def catalog() -> dict[str, TierSpec]:
    """The built-in tier catalog (``zsim/catalog/tiers.yaml``)."""
    text = (resources.files("zsim") / "catalog" / "tiers.yaml").read_text(encoding="utf-8")
    (data,) = load_documents(text, source=CATALOG_FILE)
    out = {}
    for name, body in data.items():
        try:
            out[name] = TierSpec.model_validate({"name": name, **body})
        except ValidationError as exc:
            raise from_validation_error(exc, file=CATALOG_FILE, prefix=[name]) from None
    return out


def _chain(tier: TierSpec, known: Mapping[str, TierSpec], *, field: str) -> list[TierSpec]:
    """``tier`` and its ``extends`` ancestors, base last."""
    chain = [tier]
    seen = {tier.name}
    while chain[-1].extends is not None:
        parent_name = chain[-1].extends
        if parent_name not in known:
            raise InputError(f"extends unknown tier {parent_name!r}", field=f"{field}.extends")
        if parent_name in seen:
            raise InputError(f"tier inheritance loops through {parent_name!r}", field=f"{field}.extends")
        seen.add(parent_name)
        chain.append(known[parent_name])
    return chain


def resolve_settings(tier: TierSpec, known: Mapping[str, TierSpec], *, field: str) -> dict[str, dict[str, Any]]:
    """Control settings of ``tier`` with its ``extends`` chain applied (base first)."""
    settings: dict[str, dict[str, Any]] = {}
    for spec in reversed(_chain(tier, known, field=field)):
        settings = deep_merge(settings, spec.controls)
    return settings


def resolve_tier(
    tier: TierSpec,
    known: Mapping[str, TierSpec] | None = None,
    *,
    costs: Mapping[str, Mapping[str, Any]] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    field: str = "",
) -> ControlSet:
    """The :class:`ControlSet` of a tier: its ``extends`` chain, the cost profile and overrides applied, and
    one zone per sensitivity level the chain configures (``by_sensitivity``)."""
    known = catalog() if known is None else known
    costs, overrides = costs or {}, overrides or {}
    chain = list(reversed(_chain(tier, known, field=field)))
    settings = resolve_settings(tier, known, field=field)
    controls = build_control_set(tier.name, settings, costs, overrides, field=field)
    levels = sorted({level for spec in chain for level in spec.by_sensitivity})
    for level in levels:
        zone_settings: dict[str, dict[str, Any]] = {}
        for spec in chain:  # base first: a zone inherits the tier's settings, then the zone's own
            zone_settings = deep_merge(zone_settings, spec.controls)
            zone_settings = deep_merge(zone_settings, spec.by_sensitivity.get(level, {}))  # type: ignore[call-overload]
        where = ".".join(p for p in (field, "by_sensitivity", level) if p)
        controls.zones[level] = build_control_set(f"{tier.name}[{level}]", zone_settings, costs, overrides,
                                                  field=where)
    return controls


def build_control_set(
    name: str,
    settings: Mapping[str, Mapping[str, Any]],
    costs: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Mapping[str, Any]],
    *,
    field: str,
) -> ControlSet:
    """Validate merged settings into a :class:`ControlSet`; errors name ``field.controls.<control>.<param>``."""
    merged = deep_merge(deep_merge(costs, settings), overrides)
    params = {}
    for control, values in merged.items():
        where = ".".join(p for p in (field, "controls", control) if p)
        if not isinstance(values, Mapping):
            raise InputError("control settings must be a mapping", field=where)
        params[control] = build_params(control, values, field=where)
    return ControlSet(name, params)
