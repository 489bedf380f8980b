"""Cost profiles: per-control cost parameters, from published figures or measured by ``zsim calibrate``.

A profile is a YAML mapping ``{control: {cost_field: value}}``. Only fields declared with
:func:`zsim.controls.base.cost_field` may appear, values must be non-negative, and an experiment selects one
with ``costs: FILE``. Without one, each cost field keeps its default, which cites its source in
``../shared/reference/published.md`` (``zsim list costs`` prints them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, build_params, control_names
from zsim.errors import InputError
from zsim.yamlio import load_yaml_file


def _negative(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value < 0
    if isinstance(value, str):
        return value.strip().startswith("-")
    if isinstance(value, dict):
        return any(_negative(v) for v in value.values())
    return False


def load_cost_profile(path: str | Path) -> dict[str, dict[str, Any]]:
    path = Path(path)
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("a cost profile must be a mapping of control -> {cost: value}", file=path)
    known = control_names()
    profile: dict[str, dict[str, Any]] = {}
    for control, values in data.items():
        if control == "meta":  # calibration writes machine details and spreads here
            continue
        if control not in known:
            raise InputError(f"unknown control (known: {', '.join(known)})", file=path, field=str(control))
        if not isinstance(values, dict):
            raise InputError("expected a mapping of cost fields", file=path, field=str(control))
        allowed = cost_fields(CONTROLS[control].Params)
        for key, value in values.items():
            if key not in allowed:
                raise InputError(
                    f"not a cost field of {control} (cost fields: {', '.join(sorted(allowed))})",
                    file=path,
                    field=f"{control}.{key}",
                )
            if _negative(value):
                raise InputError("costs must be >= 0", file=path, field=f"{control}.{key}")
        try:
            build_params(control, values, field=str(control))
        except InputError as exc:
            raise exc.with_file(path) from None
        profile[control] = dict(values)
    return profile
