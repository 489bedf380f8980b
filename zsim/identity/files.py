"""Issue SVIDs to files and verify SVID files: the Python API under ``zsim identity issue|verify``.

Files that cannot be read as what they should be (missing, a directory, binary, no PEM certificate in them, a
bad bundle or policy) raise :class:`InputError` (CLI exit 2). A certificate that can be read but is not a
valid SVID, or is denied by the policy, is a :class:`VerifyReport` with ``ok`` false (CLI exit 1).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from spiffe import TrustDomain, X509Bundle, X509Svid
from spiffe.errors import PySpiffeError

from zsim.errors import InputError
from zsim.identity.ca import IssuedSvid, TrustDomainCA, authority_trust_domain
from zsim.identity.clock import iso
from zsim.identity.decision import Decision
from zsim.identity.engine import PolicyEngine
from zsim.identity.names import Target, trust_domain_name, workload_name
from zsim.identity.policy import Policy, default_policy, load_policy
from zsim.identity.verify import X509Verifier, read_pem_chain
from zsim.units import UnitError, parse_duration_s
from zsim.yamlio import read_text

SVID_FILE, KEY_FILE, BUNDLE_FILE = "svid.pem", "svid_key.pem", "bundle.pem"
CA_FILE, CA_KEY_FILE = "ca.pem", "ca_key.pem"
MAX_PEM_BYTES = 1 << 20
_RELATIVE = re.compile(r"^\s*(?:now)?\s*(?P<sign>[+-])\s*(?P<amount>.+)$", re.IGNORECASE)


def parse_duration_option(text: str, *, option: str) -> float:
    try:
        value = parse_duration_s(text)
    except UnitError as exc:
        raise InputError(str(exc), field=option) from None
    if value < 1:
        raise InputError(f"must be at least 1 s, got {text!r}", field=option)
    return value


def parse_time(text: str, *, now: dt.datetime) -> dt.datetime:
    """``now``, ``now+2h``, ``-30m`` or an ISO 8601 time (``2026-01-01T00:30:00Z``; no zone means UTC)."""
    raw = text.strip()
    if raw.lower() == "now":
        return now
    match = _RELATIVE.match(raw)
    if match and (raw[0] in "+-" or raw.lower().startswith("now")):
        try:
            seconds = parse_duration_s(match["amount"])
        except UnitError as exc:
            raise InputError(str(exc), field="--at") from None
        return now + dt.timedelta(seconds=seconds if match["sign"] == "+" else -seconds)
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(
            f"cannot read {text!r} as a time (ISO 8601, 'now', 'now+2h' or '-30m')", field="--at"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def read_pem_file(path: Path, *, what: str) -> bytes:
    """A PEM file's bytes; anything that is not readable UTF-8 text is an :class:`InputError`."""
    text = read_text(path, max_bytes=MAX_PEM_BYTES)
    if not text.strip():
        raise InputError(f"{what} file is empty", file=path)
    return text.encode("utf-8")


# --- issue -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueResult:
    spiffe_id: str
    svid_path: Path
    key_path: Path
    bundle_path: Path
    not_before: dt.datetime
    not_after: dt.datetime
    serial: int
    ca_created: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "spiffe_id": self.spiffe_id,
            "svid": str(self.svid_path),
            "key": str(self.key_path),
            "bundle": str(self.bundle_path),
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "serial": format(self.serial, "x"),
            "ca_created": self.ca_created,
        }


def _load_or_create_ca(
    trust_domain: str, ca_dir: Path | None, ttl_s: float, now: dt.datetime
) -> tuple[TrustDomainCA, bool]:
    ca_ttl_s = max(86_400.0, 2 * ttl_s)
    if ca_dir is None:
        return TrustDomainCA.create(trust_domain, not_before=now, ttl_s=ca_ttl_s), True
    cert_path, key_path = ca_dir / CA_FILE, ca_dir / CA_KEY_FILE
    if cert_path.exists() or key_path.exists():
        cert = read_pem_file(cert_path, what="CA certificate")
        key = read_pem_file(key_path, what="CA key")
        return TrustDomainCA.load(cert, key, trust_domain=trust_domain, source=str(cert_path)), False
    ca = TrustDomainCA.create(trust_domain, not_before=now, ttl_s=ca_ttl_s)
    cert_pem, key_pem = ca.save_pems()
    try:
        ca_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(key_path, key_pem, mode=0o600)
        _write_atomic(cert_path, cert_pem, mode=0o644)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=ca_dir) from None
    return ca, True


def _write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
    finally:
        if fd != -1:
            os.close(fd)
    os.replace(tmp, path)


def issue_to_dir(
    *,
    trust_domain: str,
    workload_id: str,
    ttl_s: float,
    out_dir: Path,
    ca_dir: Path | None = None,
    overwrite: bool = False,
    now: dt.datetime | None = None,
) -> IssueResult:
    """Issue an X.509-SVID; write ``svid.pem``, ``svid_key.pem`` (0600) and ``bundle.pem`` to ``out_dir``.

    The CA is new (and forgotten) unless ``ca_dir`` names a directory holding, or to receive, ``ca.pem`` and
    ``ca_key.pem``. The SVID is checked with py-spiffe's ``X509Svid.parse`` and saved with ``X509Svid.save``.
    """
    td = trust_domain_name(trust_domain, field_name="--trust-domain")
    name = workload_name(td, workload_id, field_name="--id")
    now = now if now is not None else dt.datetime.now(dt.UTC)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("exists and is not a directory", file=out_dir)
    paths = [out_dir / SVID_FILE, out_dir / KEY_FILE, out_dir / BUNDLE_FILE]
    existing = [p.name for p in paths if p.exists()]
    if existing and not overwrite:
        raise InputError(f"would overwrite {', '.join(existing)} (pass --force)", file=out_dir)
    ca, created = _load_or_create_ca(td, ca_dir, ttl_s, now)
    if now < ca.not_before or now >= ca.not_after:
        raise InputError(
            f"CA is not valid now (valid {iso(ca.not_before)} to {iso(ca.not_after)})",
            file=ca_dir / CA_FILE if ca_dir else None,
        )
    issued: IssuedSvid = ca.issue_x509_svid(name.spiffe_id, not_before=now, ttl_s=ttl_s)
    try:
        svid = X509Svid.parse(issued.chain_pem(), issued.key_pem())  # py-spiffe's structural check of our output
    except PySpiffeError as exc:  # pragma: no cover - would be a bug in ca.py
        raise RuntimeError(f"issued SVID fails py-spiffe's checks: {exc}") from exc
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp_cert, tmp_key = (out_dir / f".{p.name}.tmp-{os.getpid()}" for p in paths[:2])
        try:
            svid.save(tmp_cert, tmp_key, serialization.Encoding.PEM)  # py-spiffe creates the key file 0600
            os.replace(tmp_cert, paths[0])
            os.replace(tmp_key, paths[1])
        finally:
            for tmp in (tmp_cert, tmp_key):
                tmp.unlink(missing_ok=True)
        _write_atomic(paths[2], ca.bundle_pem(), mode=0o644)
    except (OSError, PySpiffeError) as exc:
        raise InputError(f"cannot write: {getattr(exc, 'strerror', None) or exc}", file=out_dir) from None
    leaf = issued.leaf
    return IssueResult(
        name.spiffe_id,
        *paths,
        leaf.not_valid_before_utc,
        leaf.not_valid_after_utc,
        leaf.serial_number,
        created,
    )


# --- verify ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyReport:
    decision: Decision
    credential_valid: bool
    trust_domain: str
    checked_at: dt.datetime
    target: str | None
    identity: dict[str, Any] | None = field(default=None)

    @property
    def ok(self) -> bool:
        """Exit status 0: the SVID is valid and, if a target was asked, the access is allowed."""
        return self.credential_valid and (self.target is None or self.decision.allowed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.credential_valid,
            **self.decision.to_dict(),
            "target": self.target,
            "trust_domain": self.trust_domain,
            "checked_at": iso(self.checked_at),
            "identity": self.identity,
        }


def load_bundle(path: Path, trust_domain: str | None) -> X509Bundle:
    """A trust bundle PEM; its trust domain is ``trust_domain`` or read from the authorities' URI SAN."""
    data = read_pem_file(path, what="bundle")
    certs = read_pem_chain(data)
    if isinstance(certs, Decision):
        raise InputError(certs.reason, file=path)
    if trust_domain is not None:
        td = trust_domain_name(trust_domain, field_name="--trust-domain")
    else:
        found = {authority_trust_domain(c) for c in certs}
        if None in found or len(found) != 1:
            raise InputError(
                "cannot tell the bundle's trust domain from its authorities' spiffe:// URI SAN; pass --trust-domain",
                file=path,
            )
        td = str(found.pop())
    return X509Bundle.parse(TrustDomain(td), data)


def verify_files(
    cert_path: Path,
    bundle_path: Path,
    *,
    target: str | None = None,
    at: dt.datetime | None = None,
    policy: Policy | Path | None = None,
    trust_domain: str | None = None,
) -> VerifyReport:
    """Verify the SVID in ``cert_path`` against ``bundle_path`` at ``at`` (default now), then the policy."""
    at = at if at is not None else dt.datetime.now(dt.UTC)
    parsed_target = Target.parse(target) if target is not None else None
    data = read_pem_file(cert_path, what="certificate")
    chain = read_pem_chain(data)
    if isinstance(chain, Decision):
        raise InputError(chain.reason, file=cert_path)
    bundle = load_bundle(bundle_path, trust_domain)
    pol = policy if isinstance(policy, Policy) else load_policy(policy) if policy is not None else default_policy()
    td = str(bundle.trust_domain)
    verification = X509Verifier(bundle).verify_chain(chain, at)
    decision = verification.decision
    if verification.svid is not None and parsed_target is not None:
        decision = PolicyEngine(pol, td).decide(verification.svid.name, parsed_target)
    return VerifyReport(
        decision,
        verification.ok,
        td,
        at,
        str(parsed_target) if parsed_target else None,
        verification.identity_dict(),
    )
