"""Run the calibration groups, never crashing: a group that cannot run leaves notes instead of values."""

from __future__ import annotations

import importlib
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zsim.calibrate.budget import QUICK, Budget
from zsim.calibrate.groups import DISTRIBUTIONS, GROUPS, Group
from zsim.calibrate.machine import machine_details
from zsim.calibrate.mapping import apply
from zsim.calibrate.profile import render_profile, rounded
from zsim.calibrate.stats import Row, Skip, skipped
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, control_names

Progress = Callable[[Group, list[Row]], None]
DIGITS = 4  # significant figures of the profile's values (measurements move by far more from run to run)


@dataclass
class Calibration:
    mode: str
    rows: dict[str, Row]
    profile: dict[str, dict[str, Any]]  # {control: {cost field: value}}, exactly what to_yaml writes
    filled: dict[str, str]  # control.field -> the rows and rule that gave its value
    not_calibrated: list[str]  # control.field left at its published default
    machine: dict[str, Any]
    created_utc: str
    wall_s: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        return {
            "generated_by": "zsim calibrate",
            "mode": self.mode,
            "created_utc": self.created_utc,
            "wall_s": round(self.wall_s, 2),
            "machine": self.machine,
            "measurements": {name: row.to_dict() for name, row in self.rows.items()},
            "mapping": self.filled,
            "not_calibrated": self.not_calibrated,
        }

    def to_yaml(self) -> str:
        header = [
            f"zsim cost profile measured by `zsim calibrate{' --quick' if self.mode == 'quick' else ''}` on "
            f"{self.machine.get('cpu_model')} ({self.machine.get('cores')} cores), {self.created_utc}.",
            "Use it with `costs: FILE` in an experiment. Each value is the median of the rows named beside it;",
            "spreads, machine details and the fields left at their published defaults are under meta.",
        ]
        return render_profile(self.profile, self.filled, header=header, meta=self.meta())


def _missing_library(group: Group) -> str | None:
    for module in group.requires:
        try:
            importlib.import_module(module)
        except ImportError:
            dist = DISTRIBUTIONS.get(module, module)
            return f"skipped: library {module!r} is not installed (pip install {dist})"
    return None


def _no_loopback() -> str | None:
    try:
        socket.create_server(("127.0.0.1", 0)).close()
    except OSError as exc:
        return f"skipped: no loopback network ({exc})"
    return None


def measure_group(group: Group, budget: Budget) -> list[Row]:
    """The group's rows, measured, or each with a note saying why not. Never raises (but KeyboardInterrupt)."""
    reason = (_no_loopback() if group.loopback else None) or _missing_library(group)
    if reason is None:
        try:
            got = {row.name: row for row in group.measure(budget)}
            return [got.get(name) or skipped(name, unit, "not produced") for name, unit in group.rows]
        except Skip as exc:
            reason = f"skipped: {exc}"
        except ImportError as exc:
            reason = f"skipped: a library is missing ({exc})"
        except Exception as exc:  # a calibration never crashes: the row says what failed
            reason = f"failed: {type(exc).__name__}: {exc}"
    return [skipped(name, unit, reason) for name, unit in group.rows]


def uncalibrated_fields(filled: dict[str, str]) -> list[str]:
    return [f"{name}.{f}" for name in control_names() for f in cost_fields(CONTROLS[name].Params)
            if f"{name}.{f}" not in filled]


def run_calibration(
    budget: Budget = QUICK, *, mode: str = "quick", groups: Sequence[Group] = GROUPS,
    progress: Progress | None = None,
) -> Calibration:
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    machine = machine_details()
    t0 = time.perf_counter()
    rows: dict[str, Row] = {}
    for group in groups:
        got = measure_group(group, budget)
        rows.update((r.name, r) for r in got)
        if progress:
            progress(group, got)
    profile, filled = apply(rows)
    profile = {c: {f: rounded(v, DIGITS) for f, v in fields.items()} for c, fields in profile.items()}
    return Calibration(
        mode=mode, rows=rows, profile=profile, filled=filled, not_calibrated=uncalibrated_fields(filled),
        machine=machine, created_utc=created, wall_s=time.perf_counter() - t0,
        skipped={name: row.note for name, row in rows.items() if not row.measured},
    )
