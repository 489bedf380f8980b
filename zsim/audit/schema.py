"""JSON Schema (draft 2020-12) of ``zsim audit ... --format json``, schema id ``zsim-audit/1``.

Stability promise: within ``zsim-audit/1`` fields may be added but are never renamed, removed or retyped.
Every finding carries all its keys; a key that does not apply (no container for a Service, no line for a
live-cluster object) is ``null``. ``summary`` holds counts that depend on the command (documented in
``docs/audit.md``) and is open to additions.
"""

from __future__ import annotations

from typing import Any

from zsim.audit.model import Severity

_NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
_SEVERITY: dict[str, Any] = {"enum": [s.value for s in Severity]}

FINDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "check_id",
        "severity",
        "kind",
        "namespace",
        "name",
        "container",
        "file",
        "line",
        "field",
        "message",
    ],
    "additionalProperties": False,
    "properties": {
        "check_id": {"type": "string", "pattern": "^ZT-[A-Z]+-[0-9]{3}$"},
        "severity": _SEVERITY,
        "kind": _NULLABLE_STR,
        "namespace": _NULLABLE_STR,
        "name": _NULLABLE_STR,
        "container": _NULLABLE_STR,
        "file": _NULLABLE_STR,
        "line": {"type": ["integer", "null"], "minimum": 1},
        "field": _NULLABLE_STR,
        "message": {"type": "string"},
    },
}

CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "title", "severity", "area", "rationale", "reference"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "title": {"type": "string"},
        "severity": _SEVERITY,
        "area": {"enum": ["network", "workload", "mesh", "credentials", "pipeline", "input"]},
        "rationale": {"type": "string"},
        "reference": {"type": "string"},
    },
}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "zsim-audit/1",
    "title": "zsim audit report",
    "type": "object",
    "required": ["schema", "tool", "command", "inputs", "summary", "checks", "findings"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": "zsim-audit/1"},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "additionalProperties": False,
            "properties": {"name": {"const": "zsim"}, "version": {"type": "string"}},
        },
        "command": {"enum": ["k8s", "credentials", "pipeline"]},
        "inputs": {"type": "array", "items": {"type": "string"}},
        "summary": {
            "type": "object",
            "required": ["findings_by_severity", "findings_by_check"],
            "properties": {
                "findings_by_severity": {
                    "type": "object",
                    "required": [s.value for s in Severity],
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
                "findings_by_check": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 1},
                },
            },
        },
        "checks": {"type": "array", "items": CHECK_SCHEMA},
        "findings": {"type": "array", "items": FINDING_SCHEMA},
    },
}
