"""The findings model shared by every auditor.

A :class:`Check` is a rule with a stable id, one severity, a rationale and a reference. A :class:`Finding` is
one instance of a check on one resource (kind / namespace / name / container) at one place (file, line, field
path inside the object). An :class:`AuditReport` holds the findings of one run plus counts about what was read,
so that the renderers (table, JSON, SARIF), the compliance lines and the posture all work from the same data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """Finding severity, lowest to highest: INFO < LOW < MEDIUM < HIGH < CRITICAL."""

    INFO = "INFO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().upper())
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (known: {known})") from None


_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True)
class Check:
    """One rule. ``id`` never changes meaning once released; ``name`` is a readable slug."""

    id: str
    name: str
    title: str
    severity: Severity
    area: str  # "network", "workload", "mesh", "credentials", "pipeline" or "input"
    rationale: str
    reference: str


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource. ``None`` means "does not apply" (e.g. no container for a Service)."""

    check_id: str
    severity: Severity
    message: str
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    container: str | None = None
    file: str | None = None
    line: int | None = None  # 1-based line of the YAML document that holds the object
    field: str | None = None  # path inside the object, e.g. spec.workerGroupSpecs[0].template.spec

    def sort_key(self) -> tuple[Any, ...]:
        return (
            -self.severity.rank,
            self.check_id,
            self.file or "",
            self.line or 0,
            self.kind or "",
            self.namespace or "",
            self.name or "",
            self.field or "",
            self.container or "",
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity.value
        return out


@dataclass
class AuditReport:
    """Everything one audit run produced. ``summary`` holds counts specific to the command."""

    command: str  # "k8s", "credentials" or "pipeline"
    inputs: list[str]
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    checks_run: list[str] = field(default_factory=list)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {s.value: counts.get(s, 0) for s in reversed(Severity)}

    def by_check(self) -> dict[str, int]:
        counts = Counter(f.check_id for f in self.findings)
        return dict(sorted(counts.items()))

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity.rank >= threshold.rank]
