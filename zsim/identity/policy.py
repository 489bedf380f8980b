"""The access policy file: which component type may call which, explicit denials, and tenant isolation.

Schema (see ``docs/identity.md``; the packaged default is ``zsim/data/policy/default.yaml``)::

    version: 1
    components:                 # keyed by the source's component type (first path segment of its SPIFFE ID)
      training:
        allowed_targets: [data-store, registry]
        denied_targets: [inference]
    tenancy:
      tenants_may_use_shared: true     # tenant workloads may call untenanted (platform) services
      platform_may_use_tenants: false  # untenanted workloads may call into a tenant
      cross_tenant:                    # explicit exceptions to tenant isolation
        - {from: acme, to: globex, targets: [feature-store]}

A component not listed under ``components`` has no policy and is denied; a target listed nowhere is unknown
and denied; everything not explicitly allowed is denied.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from zsim.errors import InputError, from_validation_error
from zsim.identity.names import SEGMENT_RE, TENANTS_SEGMENT
from zsim.yamlio import load_documents, load_yaml_file

DEFAULT_POLICY_RESOURCE = ("zsim", "data/policy/default.yaml")


def _segment(value: str) -> str:
    if not SEGMENT_RE.match(value):
        raise ValueError(f"{value!r} must be one SPIFFE path segment (letters, digits, '.', '_', '-')")
    return value


def _component(value: str) -> str:
    _segment(value)
    if value == TENANTS_SEGMENT:
        raise ValueError(f"{TENANTS_SEGMENT!r} is reserved for tenant paths and cannot be a component")
    return value


def _tenant_pattern(value: str) -> str:
    return value if value == "*" else _segment(value)


ComponentName = Annotated[str, AfterValidator(_component)]
TenantPattern = Annotated[str, AfterValidator(_tenant_pattern)]


def _unique(values: tuple[str, ...], what: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{v!r} is listed twice in {what}")
        seen.add(v)
    return values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ComponentRules(_Strict):
    allowed_targets: tuple[ComponentName, ...] = ()
    denied_targets: tuple[ComponentName, ...] = ()

    @model_validator(mode="after")
    def _disjoint(self) -> ComponentRules:
        _unique(self.allowed_targets, "allowed_targets")
        _unique(self.denied_targets, "denied_targets")
        both = sorted(set(self.allowed_targets) & set(self.denied_targets))
        if both:
            raise ValueError(f"{', '.join(both)} both allowed and denied; an explicit denial would always win")
        return self


class CrossTenantRule(_Strict):
    """Tenant ``from`` may reach tenant ``to`` (``*`` = any tenant), for ``targets`` or, if absent, any
    component the matrix allows. The component matrix still applies on top."""

    from_: TenantPattern = Field(alias="from")
    to: TenantPattern
    targets: tuple[ComponentName, ...] | None = None


class Tenancy(_Strict):
    tenants_may_use_shared: bool = True
    platform_may_use_tenants: bool = False
    cross_tenant: tuple[CrossTenantRule, ...] = ()


class Policy(_Strict):
    version: Literal[1] = 1
    description: str = ""
    components: dict[ComponentName, ComponentRules]
    tenancy: Tenancy = Field(default_factory=Tenancy)

    def known_components(self) -> frozenset[str]:
        """Every component type the policy names anywhere (sources and targets)."""
        names: set[str] = set(self.components)
        for rules in self.components.values():
            names.update(rules.allowed_targets)
            names.update(rules.denied_targets)
        for rule in self.tenancy.cross_tenant:
            names.update(rule.targets or ())
        return frozenset(names)

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain data (lists and dicts) that writes back to an equivalent policy file."""
        return self.model_dump(mode="json", by_alias=True)


def policy_from_data(data: Any, *, source: str | Path = "<policy>") -> Policy:
    """Validate loaded YAML/JSON data as a policy; errors name the file and the field path."""
    if not isinstance(data, dict):
        raise InputError(f"a policy is a mapping with a 'components' key, got {type(data).__name__}", file=source)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file=source) from None


def load_policy(path: str | Path) -> Policy:
    """Read a policy YAML file (safe loader, UTF-8, size and alias limits)."""
    return policy_from_data(load_yaml_file(path), source=path)


def policy_from_yaml(text: str, *, source: str = "<policy>") -> Policy:
    docs = load_documents(text, source=source)
    if len(docs) != 1:
        raise InputError(f"expected one YAML document, found {len(docs)}", file=source)
    return policy_from_data(docs[0], source=source)


@functools.cache
def default_policy() -> Policy:
    """The seed's component matrix, from the packaged ``data/policy/default.yaml`` (read once; immutable)."""
    package, name = DEFAULT_POLICY_RESOURCE
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return policy_from_yaml(text, source=f"{package}/{name}")
