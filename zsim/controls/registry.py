"""Registry of controls and the resolved set of controls a run uses.

Controls register with :func:`register`; :data:`CONTROLS` maps name → class. A :class:`ControlSet` is one tier
after resolution: every registered control, with its parameters (defaults = off) overridden by the cost profile,
the tier and the experiment. Platform code iterates over it and calls hooks; it never imports a control module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from zsim.controls.base import Control, ControlParams
from zsim.errors import InputError, from_validation_error

CONTROLS: dict[str, type[Control]] = {}

C = TypeVar("C", bound=type[Control])


def register(cls: C) -> C:
    if cls.name in CONTROLS and CONTROLS[cls.name] is not cls:
        raise RuntimeError(f"control {cls.name!r} registered twice")
    CONTROLS[cls.name] = cls
    return cls


def _load_builtin_controls() -> None:
    # Importing the package imports every control module, which registers itself.
    import zsim.controls  # noqa: F401


def control_names() -> list[str]:
    _load_builtin_controls()
    return sorted(CONTROLS)


def build_params(name: str, settings: Mapping[str, Any], *, field: str = "") -> ControlParams:
    """Validate ``settings`` for control ``name``; errors name the field path."""
    _load_builtin_controls()
    if name not in CONTROLS:
        known = ", ".join(sorted(CONTROLS))
        raise InputError(f"unknown control {name!r} (known: {known})", field=field or name)
    try:
        return CONTROLS[name].Params.model_validate(dict(settings))
    except ValidationError as exc:
        err = from_validation_error(exc, prefix=[p for p in (field or name).split(".") if p])
        raise err from None


class ControlSet:
    """One resolved tier: an instance of every registered control (most of them off)."""

    def __init__(self, tier: str, params: Mapping[str, ControlParams]) -> None:
        _load_builtin_controls()
        self.tier = tier
        self.zones: dict[str, ControlSet] = {}  # by sensitivity level, for zoned tiers
        self._controls: dict[str, Control] = {}
        for name, cls in sorted(CONTROLS.items()):
            p = params.get(name) or cls.Params()
            self._controls[name] = cls(p)

    def for_sensitivity(self, level: str | None) -> ControlSet:
        """The controls that apply to a workload or component of this sensitivity (zoned tiers)."""
        return self.zones.get(level, self) if level is not None else self

    def __iter__(self) -> Iterator[Control]:
        return iter(self._controls.values())

    def active(self) -> Iterator[Control]:
        return (c for c in self._controls.values() if c.enabled)

    def __getitem__(self, name: str) -> Control:
        return self._controls[name]

    def params(self, name: str) -> ControlParams:
        return self._controls[name].params

    def describe(self) -> dict[str, Any]:
        """Every control's non-default parameters (and each zone's), for manifests and reports."""
        out: dict[str, Any] = {
            name: c.params.model_dump(mode="json", exclude_defaults=True)
            for name, c in self._controls.items()
            if c.params.model_dump(exclude_defaults=True) or c.enabled
        }
        if self.zones:
            out["by_sensitivity"] = {level: zone.describe() for level, zone in sorted(self.zones.items())}
        return out
