"""``zsim identity issue|verify`` through the real entry point: files, output and exit codes
(0 valid and allowed, 1 invalid or denied, 2 unreadable input)."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from spiffe import SpiffeId, X509Svid

from tests.cli_helpers import CliResult, run_cli
from tests.identity.certs import TD, TestCA, flip_signature_bit, pem

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    def run(*args: str) -> CliResult:
        return run_cli(capsys, monkeypatch, *(str(a) for a in args))

    return run


@pytest.fixture
def issued(cli, tmp_path: Path) -> Path:
    out = tmp_path / "svid"
    result = cli("identity", "issue", "--trust-domain", TD, "--id", "/training/job-1", "--ttl", "1h", "--out", out)
    assert result.code == 0, result.err
    return out


def verify(cli, cert: Path, bundle: Path, *extra: str) -> CliResult:
    return cli("identity", "verify", cert, "--bundle", bundle, *extra)


# --- issue ----------------------------------------------------------------------------------------------


def test_issue_writes_svid_key_and_bundle(issued: Path) -> None:
    svid_path, key_path, bundle_path = issued / "svid.pem", issued / "svid_key.pem", issued / "bundle.pem"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    svid = X509Svid.load(svid_path, key_path, serialization.Encoding.PEM)
    assert svid.spiffe_id == SpiffeId(f"spiffe://{TD}/training/job-1")
    lifetime = svid.leaf.not_valid_after_utc - svid.leaf.not_valid_before_utc
    assert lifetime == dt.timedelta(hours=1)
    assert b"BEGIN CERTIFICATE" in bundle_path.read_bytes()
    assert not list(issued.glob(".*tmp*"))  # no temporary files left behind


def test_issue_json_output_and_refusal_to_overwrite(cli, issued: Path) -> None:
    again = cli("identity", "issue", "--trust-domain", TD, "--id", "/training/job-2", "--out", issued)
    assert again.code == 2 and "--force" in again.err
    forced = cli(
        "identity",
        "issue",
        "--trust-domain",
        TD,
        "--id",
        f"spiffe://{TD}/training/job-2",
        "--ttl",
        "30m",
        "--out",
        issued,
        "--force",
        "--format",
        "json",
    )
    assert forced.code == 0
    info = json.loads(forced.out)
    assert info["spiffe_id"] == f"spiffe://{TD}/training/job-2" and info["ca_created"] is True


def test_ca_dir_is_reused(cli, tmp_path: Path) -> None:
    args = ["identity", "issue", "--trust-domain", TD, "--ca-dir", tmp_path / "ca"]
    assert cli(*args, "--id", "/training/a", "--out", tmp_path / "a").code == 0
    assert cli(*args, "--id", "/inference/b", "--out", tmp_path / "b").code == 0
    assert stat.S_IMODE((tmp_path / "ca" / "ca_key.pem").stat().st_mode) == 0o600
    assert (tmp_path / "a" / "bundle.pem").read_bytes() == (tmp_path / "b" / "bundle.pem").read_bytes()
    assert verify(cli, tmp_path / "a" / "svid.pem", tmp_path / "b" / "bundle.pem").code == 0
    wrong = cli(
        "identity",
        "issue",
        "--trust-domain",
        "other.example",
        "--ca-dir",
        tmp_path / "ca",
        "--id",
        "/training/c",
        "--out",
        tmp_path / "c",
    )
    assert wrong.code == 2 and "trust domain" in wrong.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust-domain", "Bad Domain!", "--id", "/training/x"], "trust domain"),
        (["--trust-domain", TD, "--id", "/training/../x"], "--id"),
        (["--trust-domain", TD, "--id", "spiffe://other.example/training/x"], "not 'ai-platform'"),
        (["--trust-domain", TD, "--id", "/training/x", "--ttl", "soon"], "--ttl"),
        (["--trust-domain", TD, "--id", "/training/x", "--ttl", "0s"], "at least 1 s"),
    ],
    ids=["trust-domain", "id-path", "id-other-domain", "ttl-unit", "ttl-zero"],
)
def test_issue_bad_arguments_exit_2(cli, tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("identity", "issue", *args, "--out", tmp_path / "o")
    assert result.code == 2 and message in result.err
    assert not (tmp_path / "o").exists()


# --- verify: valid, allowed, denied -------------------------------------------------------------------------


def test_verify_valid_and_allowed(cli, issued: Path) -> None:
    result = verify(cli, issued / "svid.pem", issued / "bundle.pem", "--target", "registry")
    assert result.code == 0
    assert "decision: allow" in result.out and "permitted by policy: training -> registry" in result.out
    assert f"spiffe://{TD}/training/job-1" in result.out


def test_verify_without_target_checks_the_svid_only(cli, issued: Path) -> None:
    result = verify(cli, issued / "svid.pem", issued / "bundle.pem")
    assert result.code == 0 and "decision: valid" in result.out


def test_verify_denied_exit_1_json(cli, issued: Path) -> None:
    result = verify(cli, issued / "svid.pem", issued / "bundle.pem", "--target", "inference", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["valid"] is True and report["allowed"] is False and report["code"] == "explicit_deny"
    assert report["identity"]["component"] == "training" and report["trust_domain"] == TD


def test_verify_with_edited_policy(cli, issued: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("components:\n  training:\n    allowed_targets: [inference]\n")
    args = ("--target", "inference", "--policy", policy)
    assert verify(cli, issued / "svid.pem", issued / "bundle.pem", *args).code == 0


@pytest.mark.parametrize(("at", "code"), [("+2h", "expired"), ("now-1h", "not_yet_valid")])
def test_verify_at_another_time(cli, issued: Path, at: str, code: str) -> None:
    result = verify(cli, issued / "svid.pem", issued / "bundle.pem", "--at", at, "--format", "json")
    assert result.code == 1 and json.loads(result.out)["code"] == code


# --- verify: every bad-input case, separately -----------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


ROOT = TestCA(trust_domain=TD, valid_from=NOW - dt.timedelta(days=1), valid_until=NOW + dt.timedelta(days=30))
INVALID_CASES = {
    "no-uri-san": (
        lambda: pem(ROOT.leaf([], dns=["x.example"], not_before=NOW, not_after=NOW + dt.timedelta(1))),
        "no_uri_san",
    ),
    "two-uri-sans": (
        lambda: pem(
            ROOT.leaf([f"spiffe://{TD}/a/b", f"spiffe://{TD}/a/c"], not_before=NOW, not_after=NOW + dt.timedelta(1))
        ),
        "multiple_uri_sans",
    ),
    "non-spiffe-uri": (
        lambda: pem(ROOT.leaf(["https://ai-platform/training/x"], not_before=NOW, not_after=NOW + dt.timedelta(1))),
        "not_spiffe_id",
    ),
    "wrong-trust-domain": (
        lambda: pem(
            TestCA(trust_domain="other.example", valid_from=ROOT.valid_from, valid_until=ROOT.valid_until).leaf(
                not_before=NOW, not_after=NOW + dt.timedelta(1)
            )
        ),
        "trust_domain_mismatch",
    ),
    "expired": (lambda: pem(ROOT.leaf(not_before=NOW - dt.timedelta(2), not_after=NOW - dt.timedelta(1))), "expired"),
    "not-yet-valid": (
        lambda: pem(ROOT.leaf(not_before=NOW + dt.timedelta(1), not_after=NOW + dt.timedelta(2))),
        "not_yet_valid",
    ),
    "leaf-ca": (lambda: pem(ROOT.leaf(ca=True, not_before=NOW, not_after=NOW + dt.timedelta(1))), "leaf_is_ca"),
    "leaf-key-cert-sign": (
        lambda: pem(ROOT.leaf(key_cert_sign=True, not_before=NOW, not_after=NOW + dt.timedelta(1))),
        "leaf_key_cert_sign",
    ),
    "chain-not-to-bundle": (
        lambda: pem(
            TestCA(name="stranger", valid_from=ROOT.valid_from, valid_until=ROOT.valid_until).leaf(
                not_before=NOW, not_after=NOW + dt.timedelta(1)
            )
        ),
        "unknown_authority",
    ),
    "bad-signature": (
        lambda: pem(flip_signature_bit(ROOT.leaf(not_before=NOW, not_after=NOW + dt.timedelta(1)))),
        "bad_signature",
    ),
    "unknown-component": (
        lambda: pem(ROOT.leaf([f"spiffe://{TD}/quantum-oracle/x"], not_before=NOW, not_after=NOW + dt.timedelta(1))),
        "unknown_component",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_CASES))
def test_verify_invalid_or_denied_exit_1_with_its_reason(cli, tmp_path: Path, case: str) -> None:
    make, code = INVALID_CASES[case]
    cert = _write(tmp_path, "cert.pem", make())
    bundle = _write(tmp_path, "bundle.pem", pem(ROOT.cert))
    result = verify(cli, cert, bundle, "--target", "registry", "--format", "json")
    assert result.code == 1, result.err
    report = json.loads(result.out)
    assert report["code"] == code and report["allowed"] is False and report["reason"]


def test_tampered_issued_svid_is_a_bad_signature(cli, issued: Path) -> None:
    from cryptography import x509

    leaf = x509.load_pem_x509_certificate((issued / "svid.pem").read_bytes())
    (issued / "svid.pem").write_bytes(pem(flip_signature_bit(leaf)))
    result = verify(cli, issued / "svid.pem", issued / "bundle.pem", "--format", "json")
    assert result.code == 1 and json.loads(result.out)["code"] == "bad_signature"


UNREADABLE = {
    "missing-file": (lambda d: d / "nope.pem", "file not found"),
    "directory": (lambda d: d, "is a directory"),
    "binary-der": (lambda d: _write(d, "c.der", ROOT.cert.public_bytes(serialization.Encoding.DER)), "binary"),
    "empty": (lambda d: _write(d, "c.pem", b""), "empty"),
    "malformed-pem": (lambda d: _write(d, "c.pem", b"hello, I am not PEM\n"), "malformed PEM"),
    "bad-base64": (
        lambda d: _write(d, "c.pem", b"-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n"),
        "does not decode",
    ),
    "not-a-certificate": (
        lambda d: _write(
            d,
            "k.pem",
            ROOT.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        ),
        "not a certificate",
    ),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_certificate_exit_2(cli, tmp_path: Path, case: str) -> None:
    make, message = UNREADABLE[case]
    bundle = _write(tmp_path, "bundle.pem", pem(ROOT.cert))
    result = verify(cli, make(tmp_path), bundle)
    assert result.code == 2 and message in result.err, result.err
    assert result.out == "" and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("extra", "bundle_data", "message"),
    [
        ([], b"not a bundle", "malformed PEM"),
        ([], pem(TestCA(trust_domain=TD).leaf([])), "trust domain"),
        (["--at", "yesterday-ish"], None, "--at"),
        (["--target", "a/b"], None, "target"),
        (["--policy", "/nonexistent/policy.yaml"], None, "file not found"),
        (["--trust-domain", "BAD DOMAIN"], None, "trust domain"),
    ],
    ids=[
        "bundle-malformed",
        "bundle-without-trust-domain",
        "bad-time",
        "bad-target",
        "missing-policy",
        "bad-trust-domain",
    ],
)
def test_other_unreadable_input_exit_2(
    cli, issued: Path, tmp_path: Path, extra: list[str], bundle_data: bytes | None, message: str
) -> None:
    bundle = _write(tmp_path, "b.pem", bundle_data) if bundle_data is not None else issued / "bundle.pem"
    result = verify(cli, issued / "svid.pem", bundle, *extra)
    assert result.code == 2 and message in result.err, result.err


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_issue_to_an_unwritable_place_exit_2(cli, tmp_path: Path, where: str) -> None:
    blocker = _write(tmp_path, "blocker", b"x")
    out = blocker if where == "file" else blocker / "sub"
    result = cli("identity", "issue", "--trust-domain", TD, "--id", "/training/x", "--out", out)
    assert result.code == 2 and "blocker" in result.err and "Traceback" not in result.err
