"""The SPIFFE ID layout of zsim workloads, and access targets.

A workload's SPIFFE ID is ``spiffe://<trust-domain>/<component>/<name...>`` (the seed's
``spiffe://ai-platform/training/job-12345``), or, for a workload that belongs to a tenant,
``spiffe://<trust-domain>/tenants/<tenant>/<component>/<name...>``. The component type is what the access
policy is keyed by; the tenant is what tenant isolation compares. ``tenants`` is therefore reserved and cannot
be a component name.

SPIFFE ID syntax (scheme, trust-domain characters, path segments) is checked by py-spiffe's ``SpiffeId``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spiffe import SpiffeId, TrustDomain
from spiffe.errors import PySpiffeError

from zsim.errors import InputError

TENANTS_SEGMENT = "tenants"
SEGMENT_RE = re.compile(r"^[A-Za-z0-9._-]+$")


def split_path(path: str) -> tuple[str | None, str | None]:
    """``/tenants/acme/training/j1`` → ``("acme", "training")``; ``/training/j1`` → ``(None, "training")``.

    A path that names no component gives ``None`` for it (the policy denies such identities).
    """
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] == TENANTS_SEGMENT:
        tenant = segments[1] if len(segments) > 1 else None
        component = segments[2] if len(segments) > 2 else None
        return tenant, component
    return None, (segments[0] if segments else None)


@dataclass(frozen=True, slots=True)
class WorkloadName:
    """A parsed workload SPIFFE ID: what the policy engine needs to know about a principal."""

    spiffe_id: str
    trust_domain: str
    path: str
    tenant: str | None
    component: str | None
    policy_key: tuple[str, str | None, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy_key", (self.trust_domain, self.tenant, self.component))

    @classmethod
    def from_spiffe_id(cls, spiffe_id: SpiffeId) -> WorkloadName:
        tenant, component = split_path(spiffe_id.path)
        return cls(str(spiffe_id), str(spiffe_id.trust_domain), spiffe_id.path, tenant, component)

    @classmethod
    def parse(cls, text: str, *, field_name: str = "spiffe_id") -> WorkloadName:
        """Parse a full ``spiffe://`` ID; bad syntax is an :class:`InputError` naming ``field_name``."""
        try:
            sid = SpiffeId(text)
        except PySpiffeError as exc:
            raise InputError(str(exc), field=field_name) from None
        if not sid.path:
            raise InputError(f"{text!r} names only a trust domain; a workload needs a path", field=field_name)
        return cls.from_spiffe_id(sid)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "spiffe_id": self.spiffe_id,
            "trust_domain": self.trust_domain,
            "path": self.path,
            "tenant": self.tenant,
            "component": self.component,
        }


def trust_domain_name(text: str, *, field_name: str = "trust_domain") -> str:
    """Validate a trust-domain name with py-spiffe and return its canonical (lower-case) form."""
    try:
        return TrustDomain(text).name
    except PySpiffeError as exc:
        raise InputError(str(exc), field=field_name) from None


def workload_name(trust_domain: str, workload_path: str, *, field_name: str = "id") -> WorkloadName:
    """A workload's name from its trust domain and path (``/training/job-1``) or full SPIFFE ID.

    A full SPIFFE ID must belong to ``trust_domain``.
    """
    td = trust_domain_name(trust_domain)
    text = workload_path.strip()
    if text.lower().startswith("spiffe://"):
        name = WorkloadName.parse(text, field_name=field_name)
        if name.trust_domain != td:
            raise InputError(
                f"SPIFFE ID {text!r} is in trust domain {name.trust_domain!r}, not {td!r}", field=field_name
            )
        return name
    if not text.startswith("/"):
        text = "/" + text
    return WorkloadName.parse(f"spiffe://{td}{text}", field_name=field_name)


@dataclass(frozen=True, slots=True)
class Target:
    """What a principal asks to reach: a component type, optionally inside a tenant."""

    component: str
    tenant: str | None = None
    key: tuple[str | None, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for label, value in (("component", self.component), ("tenant", self.tenant)):
            if value is not None and not SEGMENT_RE.match(value):
                raise InputError(f"{label} {value!r} must use only letters, digits, '.', '_' and '-'", field="target")
        object.__setattr__(self, "key", (self.tenant, self.component))

    @classmethod
    def parse(cls, text: str) -> Target:
        """``registry``, ``tenants/acme/registry`` or a server's SPIFFE ID (its component and tenant)."""
        raw = text.strip()
        if raw.lower().startswith("spiffe://"):
            name = WorkloadName.parse(raw, field_name="target")
            tenant, component = name.tenant, name.component
        else:
            tenant, component = split_path("/" + raw.strip("/"))
            if raw.strip("/").count("/") and not raw.strip("/").startswith(TENANTS_SEGMENT + "/"):
                raise InputError(f"{text!r}: expected COMPONENT or tenants/TENANT/COMPONENT", field="target")
        if not component:
            raise InputError(f"{text!r} names no component", field="target")
        return cls(component, tenant)

    def __str__(self) -> str:
        return f"{TENANTS_SEGMENT}/{self.tenant}/{self.component}" if self.tenant else self.component
