"""Real signing and verification of small artifact folders (model_signing and ``cryptography``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.pipeline.helpers import REGISTER_ID, TD, flip_byte, make_model, make_pki
from zsim.artifacts import Reason, TrustDomainCA, sign_artifact, verify_artifact
from zsim.artifacts.cli import main as artifacts_cli
from zsim.errors import InputError

# (format, key type, signer carries a certificate)
SCHEMES = [
    ("model_signing", "ecdsa-p256", True),
    ("model_signing", "ecdsa-p256", False),
    ("native", "ecdsa-p256", True),
    ("native", "ed25519", True),
    ("native", "ed25519", False),
]


@pytest.fixture(params=SCHEMES, ids=lambda s: f"{s[0]}-{s[1]}-{'cert' if s[2] else 'key'}")
def signed(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path, Path, bool]:
    fmt, key_type, with_cert = request.param
    pki = make_pki(tmp_path / "pki", key_type)
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    cert = {"cert": pki.register["cert"], "chain": (pki.register["chain"],)} if with_cert else {}
    sign_artifact(model, bundle, key=pki.register["key"], format=fmt, **cert)  # type: ignore[arg-type]
    trust = pki.bundle if with_cert else pki.register["public_key"]
    return model, bundle, trust, with_cert


def _verify(signed: tuple[Path, Path, Path, bool], mode: str = "signature"):  # type: ignore[no-untyped-def]
    model, bundle, trust, _ = signed
    return verify_artifact(
        model,
        bundle,
        trust=trust,
        mode=mode,
        trust_domain=TD,  # type: ignore[arg-type]
        expected_signer=REGISTER_ID,
    )


def test_clean_artifact_verifies(signed: tuple[Path, Path, Path, bool]) -> None:
    result = _verify(signed)
    assert result.ok and result.reason == Reason.OK
    assert result.signer == (REGISTER_ID if signed[3] else None)
    assert _verify(signed, "hash").ok


def test_tampered_byte_is_caught(signed: tuple[Path, Path, Path, bool]) -> None:
    flip_byte(signed[0] / "model-00001-of-00002.safetensors", 30_000)
    for mode in ("signature", "hash"):
        result = _verify(signed, mode)
        assert not result.ok and result.reason == Reason.TAMPERED
        assert "model-00001-of-00002.safetensors" in result.detail


def test_extra_file_is_caught(signed: tuple[Path, Path, Path, bool]) -> None:
    (signed[0] / "tokenizer" / "added_tokens.json").write_text("{}")
    for mode in ("signature", "hash"):
        result = _verify(signed, mode)
        assert not result.ok and result.reason == Reason.EXTRA_FILE
        assert "tokenizer/added_tokens.json" in result.detail


def test_missing_file_is_caught(signed: tuple[Path, Path, Path, bool]) -> None:
    (signed[0] / "config.json").unlink()
    for mode in ("signature", "hash"):
        result = _verify(signed, mode)
        assert not result.ok and result.reason == Reason.MISSING_FILE
        assert "config.json" in result.detail


def test_truncated_file_is_tampered_not_missing(signed: tuple[Path, Path, Path, bool]) -> None:
    weights = signed[0] / "model-00002-of-00002.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    result = _verify(signed)
    assert not result.ok and result.reason == Reason.TAMPERED


@pytest.mark.parametrize("fmt", ["model_signing", "native"])
def test_signature_from_another_trust_domain_fails_with_that_reason(tmp_path: Path, fmt: str) -> None:
    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    sign_artifact(
        model,
        bundle,
        key=pki.foreign["key"],
        cert=pki.foreign["cert"],
        chain=(pki.foreign["chain"],),
        format=fmt,
    )  # type: ignore[arg-type]
    result = verify_artifact(model, bundle, trust=pki.bundle, trust_domain=TD, expected_signer=REGISTER_ID)
    assert not result.ok
    assert result.reason == Reason.WRONG_TRUST_DOMAIN
    assert "'evil.example'" in result.detail and f"'{TD}'" in result.detail
    # the real chain check ran too and rejected the foreign CA
    assert Reason.UNTRUSTED_SIGNER in {p.reason for p in result.problems}
    # digest pinning alone does not look at who signed: the bytes are intact
    assert verify_artifact(model, bundle, mode="hash").ok


@pytest.mark.parametrize("fmt", ["model_signing", "native"])
def test_forged_identity_in_the_right_trust_domain_is_untrusted(tmp_path: Path, fmt: str) -> None:
    """An attacker's own CA can put our SPIFFE ID in a certificate; the chain check refuses it."""
    pki = make_pki(tmp_path / "pki")
    forged = TrustDomainCA.create(TD).issue(REGISTER_ID).write(tmp_path / "forged", "forged")
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    sign_artifact(model, bundle, key=forged["key"], cert=forged["cert"], chain=(forged["chain"],), format=fmt)  # type: ignore[arg-type]
    result = verify_artifact(model, bundle, trust=pki.bundle, trust_domain=TD, expected_signer=REGISTER_ID)
    assert not result.ok and result.reason == Reason.UNTRUSTED_SIGNER


@pytest.mark.parametrize("fmt", ["model_signing", "native"])
def test_other_stage_of_the_same_domain_may_not_sign_models(tmp_path: Path, fmt: str) -> None:
    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    sign_artifact(
        model, bundle, key=pki.train["key"], cert=pki.train["cert"], chain=(pki.train["chain"],), format=fmt
    )  # type: ignore[arg-type]
    result = verify_artifact(model, bundle, trust=pki.bundle, trust_domain=TD, expected_signer=REGISTER_ID)
    assert not result.ok and result.reason == Reason.WRONG_SIGNER


@pytest.mark.parametrize("fmt", ["model_signing", "native"])
def test_wrong_key_is_a_bad_signature(tmp_path: Path, fmt: str) -> None:
    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    sign_artifact(model, bundle, key=pki.foreign["key"], format=fmt)  # type: ignore[arg-type]
    result = verify_artifact(model, bundle, trust=pki.register["public_key"])
    assert not result.ok and result.reason == Reason.BAD_SIGNATURE


def test_edited_statement_breaks_the_signature(tmp_path: Path) -> None:
    import base64

    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    sign_artifact(model, bundle, key=pki.register["key"], cert=pki.register["cert"], format="native")
    flip_byte(model / "config.json", 3)
    env = json.loads(bundle.read_text())
    statement = json.loads(base64.b64decode(env["payload"]))
    from zsim.artifacts.manifest import hash_tree

    statement["files"]["config.json"] = hash_tree(model)["config.json"].to_json()  # re-pin the tampered file
    env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    bundle.write_text(json.dumps(env))
    result = verify_artifact(model, bundle, trust=pki.bundle, trust_domain=TD)
    assert not result.ok and result.reason == Reason.BAD_SIGNATURE
    assert verify_artifact(
        model, bundle, mode="hash"
    ).ok  # what a compromised registry digest would let through


def test_missing_inputs_are_input_errors(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    with pytest.raises(InputError, match="signing key not found"):
        sign_artifact(model, tmp_path / "m.sig", key=tmp_path / "nope.key")
    with pytest.raises(InputError, match="signature bundle not found"):
        verify_artifact(model, tmp_path / "nope.sig", trust=pki.bundle)
    sign_artifact(model, tmp_path / "m.sig", key=pki.register["key"])
    with pytest.raises(InputError, match="trust bundle not found"):
        verify_artifact(model, tmp_path / "m.sig", trust=tmp_path / "nope.pem")
    with pytest.raises(InputError, match="needs a trust bundle"):
        verify_artifact(model, tmp_path / "m.sig")
    with pytest.raises(InputError, match="artifact folder not found"):
        verify_artifact(tmp_path / "no-model", tmp_path / "m.sig", trust=pki.bundle)
    ed = make_pki(tmp_path / "ed", "ed25519")
    with pytest.raises(InputError, match="elliptic-curve keys only"):
        sign_artifact(model, tmp_path / "e.sig", key=ed.register["key"], format="model_signing")


def test_symlink_in_the_folder_is_refused(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    (model / "link.bin").symlink_to(tmp_path / "pki" / "register.key")
    with pytest.raises(InputError, match="symbolic link"):
        sign_artifact(model, tmp_path / "m.sig", key=pki.register["key"], format="native")


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "id"
    assert artifacts_cli(["identity", REGISTER_ID, "--out", str(out)]) == 0
    model = make_model(tmp_path / "model")
    sig = tmp_path / "model.sig"
    signer = [
        "--key",
        str(out / "signer.key"),
        "--cert",
        str(out / "signer.crt"),
        "--chain",
        str(out / "signer.chain.pem"),
    ]
    assert artifacts_cli(["sign", str(model), *signer, "--signature", str(sig)]) == 0
    verify = [
        "verify",
        str(model),
        "--signature",
        str(sig),
        "--trust",
        str(out / "trust-bundle.pem"),
        "--trust-domain",
        TD,
        "--signer",
        REGISTER_ID,
    ]
    assert artifacts_cli(verify) == 0
    flip_byte(model / "model-00002-of-00002.safetensors")
    assert artifacts_cli(verify) == 1
    assert "FAILED tampered" in capsys.readouterr().err
    assert (
        artifacts_cli(["sign", str(model), "--key", str(tmp_path / "none.key"), "--signature", str(sig)]) == 2
    )
    assert "signing key not found" in capsys.readouterr().err
    assert (
        artifacts_cli(
            [
                "verify",
                str(model),
                "--signature",
                str(tmp_path / "none.sig"),
                "--trust",
                str(out / "trust-bundle.pem"),
            ]
        )
        == 2
    )
    assert "signature bundle not found" in capsys.readouterr().err


def test_cli_process_exits_2_on_a_missing_key(tmp_path: Path) -> None:
    model = make_model(tmp_path / "model")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "zsim.artifacts",
            "sign",
            str(model),
            "--key",
            str(tmp_path / "k.pem"),
            "--signature",
            str(tmp_path / "m.sig"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path / 'k.pem'}: signing key not found"
