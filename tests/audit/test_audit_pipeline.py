"""Pipeline run-folder audit: the seed's checks, path escapes that are never read, and model-signing bundles
(signed here with a fresh EC key through ``model_signing``) whose extra, missing and changed files are reported."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import model_signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import zsim.audit.pipeline as pipeline_mod
import zsim.audit.signing as signing_mod
from zsim.audit import audit_pipeline
from zsim.audit.signing import Verifier
from zsim.errors import InputError


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def meta(path: Path, stage: str, artifacts: list[dict]) -> None:
    write(path, json.dumps({"stage": stage, "output_artifacts": artifacts}))


def found(report) -> list[tuple[str, str | None]]:  # noqa: ANN001
    return sorted((f.check_id, f.name) for f in report.findings)


def test_seed_checks(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write(run / "train" / "model.bin", b"weights")
    write(run / "train" / "tokenizer.json", b"{}")
    write(run / "eval" / "report.json", b"ok")
    meta(
        run / "train" / "metadata.json",
        "train",
        [
            {"path": "train/model.bin", "sha256": sha(b"weights"), "signature": "sig-by-ci"},  # clean
            {"path": "train/tokenizer.json", "hash": "sha256:" + sha(b"{}").upper(), "signature": "x"},  # clean
            {"path": "train/model.bin", "sha256": sha(b"other"), "signature": "x"},  # mismatch
            {"path": "train/gone.bin", "sha256": sha(b"x"), "signature": "x"},  # missing
            {"path": "train/model.bin"},  # neither hash nor signature
        ],
    )
    meta(run / "eval" / "artifact_info.json", "eval", [{"path": "report.json", "sha256": sha(b"ok")}])  # stage-relative
    write(run / "train" / ".env", "HF_TOKEN=hf_x")
    write(run / "eval" / "secrets.yaml", "password: x")
    write(run / "broken" / "metadata.json", "{not json")
    report = audit_pipeline(run)
    assert found(report) == [
        ("ZT-PIPE-001", "train/model.bin"),
        ("ZT-PIPE-002", "report.json"),
        ("ZT-PIPE-002", "train/model.bin"),
        ("ZT-PIPE-003", "train/model.bin"),
        ("ZT-PIPE-004", "eval/secrets.yaml"),
        ("ZT-PIPE-004", "train/.env"),
        ("ZT-PIPE-006", "train/gone.bin"),
        ("ZT-PIPE-007", None),
    ]
    sev = {f.check_id: f.severity.value for f in report.findings}
    assert (sev["ZT-PIPE-001"], sev["ZT-PIPE-002"], sev["ZT-PIPE-003"], sev["ZT-PIPE-004"]) == (
        "HIGH",
        "MEDIUM",
        "CRITICAL",
        "HIGH",
    )
    assert report.summary["hashes_verified"] == 3
    assert report.summary["metadata_files"] == 3


def test_escaping_paths_are_reported_and_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = write(tmp_path / "outside" / "weights.bin", b"not yours")
    run = tmp_path / "run"
    write(run / "stage" / "ok.bin", b"ok")
    os.symlink(outside, run / "stage" / "link.bin")
    os.symlink(outside.parent, run / "stage" / "linkdir")
    meta(
        run / "stage" / "metadata.json",
        "stage",
        [
            {"path": "../outside/weights.bin", "sha256": sha(b"not yours"), "signature": "s"},
            {"path": str(outside), "sha256": sha(b"not yours"), "signature": "s"},
            {"path": "stage/link.bin", "sha256": sha(b"not yours"), "signature": "s"},
            {"path": "stage/linkdir/weights.bin", "sha256": sha(b"not yours"), "signature": "s"},
            {"path": "stage/../stage/ok.bin", "sha256": sha(b"ok"), "signature": "../outside/weights.bin"},
        ],
    )
    opened: list[Path] = []
    real_open = pipeline_mod.open_confined

    def spy(path: Path):  # noqa: ANN202
        opened.append(Path(path))
        return real_open(path)

    monkeypatch.setattr(pipeline_mod, "open_confined", spy)
    monkeypatch.setattr(signing_mod, "open_confined", spy)
    report = audit_pipeline(run)
    escapes = [f for f in report.findings if f.check_id == "ZT-PIPE-005"]
    assert len(escapes) == 5  # four artifact paths and one signature path
    assert any("uses '..'" in f.message for f in escapes)
    assert any("absolute path" in f.message for f in escapes)
    assert sum("symlink that leads out" in f.message for f in escapes) == 2
    root = run.resolve()
    assert opened and all(p.resolve().is_relative_to(root) for p in opened)
    assert [f.check_id for f in report.findings if f.check_id == "ZT-IN-003"] == ["ZT-IN-003", "ZT-IN-003"]


def test_missing_run_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run folder not found"):
        audit_pipeline(tmp_path / "nope")
    write(tmp_path / "file", "x")
    with pytest.raises(InputError, match="not a folder"):
        audit_pipeline(tmp_path / "file")


# --- model signing ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    out = []
    for name in ("signer", "stranger"):
        key = ec.generate_private_key(ec.SECP256R1())
        priv, pub = d / f"{name}.pem", d / f"{name}.pub"
        priv.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        pub.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        out += [priv, pub]
    return out[0], out[1], out[3]  # signer private, signer public, stranger public


def signed_run(tmp_path: Path, private_key: Path, *, sig_inside: bool = False) -> Path:
    run = tmp_path / "run"
    model = run / "train" / "model"
    write(model / "weights.safetensors", b"w" * 1000)
    write(model / "config.json", b'{"layers": 2}')
    write(model / "tokenizer.json", b"{}")
    sig = (model / "model.sig") if sig_inside else (run / "train" / "model.sig")
    cfg = model_signing.signing.Config().use_elliptic_key_signer(private_key=private_key)
    if sig_inside:
        cfg.set_hashing_config(model_signing.hashing.Config().set_ignored_paths(paths=["model.sig"]))
    cfg.sign(model, sig)
    if not sig_inside:
        meta(run / "train" / "metadata.json", "train", [{"path": "train/model", "signature": "train/model.sig"}])
    return run


def sig_findings(report) -> list[tuple[str, str]]:  # noqa: ANN001
    return sorted(
        (f.check_id, f.message.split(": ", 2)[-1])
        for f in report.findings
        if f.check_id in {"ZT-PIPE-005", "ZT-PIPE-008", "ZT-PIPE-009", "ZT-PIPE-010", "ZT-PIPE-011", "ZT-PIPE-012"}
    )


def test_signed_model_verifies_with_the_right_key(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    run = signed_run(tmp_path, keys[0])
    report = audit_pipeline(run, verifier=Verifier(public_key=keys[1]))
    assert sig_findings(report) == []
    assert report.summary["bundles"] == {"verified": 1}
    assert [f.check_id for f in report.findings] == ["ZT-PIPE-001"]  # the folder has no single hash


def test_extra_missing_and_changed_files_are_each_reported(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    run = signed_run(tmp_path, keys[0])
    model = run / "train" / "model"
    (model / "weights.safetensors").write_bytes(b"poisoned")
    (model / "tokenizer.json").unlink()
    write(model / "extra.pkl", b"cos\nsystem\n")
    for verifier in (Verifier(public_key=keys[1]), Verifier()):
        report = audit_pipeline(run, verifier=verifier)
        got = sig_findings(report)
        assert ("ZT-PIPE-009", "extra file extra.pkl not covered by the signature") in got
        assert ("ZT-PIPE-010", "signed file tokenizer.json is missing") in got
        assert any(c == "ZT-PIPE-011" and m.startswith("weights.safetensors changed since signing") for c, m in got)
        assert len(got) == (3 if verifier.has_key else 4)
    assert report.summary["bundles"] == {"unverified": 1}


def test_without_a_key_the_signer_is_unknown(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    report = audit_pipeline(signed_run(tmp_path, keys[0]))
    assert sig_findings(report) == [
        ("ZT-PIPE-012", "signature not verified (no --public-key or --certificate); files match the manifest")
    ]


def test_wrong_key_or_broken_bundle_is_invalid(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    run = signed_run(tmp_path, keys[0])
    report = audit_pipeline(run, verifier=Verifier(public_key=keys[2]))
    ((check, message),) = sig_findings(report)
    assert check == "ZT-PIPE-008" and "Key mismatch" in message
    bundle = run / "train" / "model.sig"
    doc = json.loads(bundle.read_text())
    doc["dsseEnvelope"]["payload"] = "bm90LWpzb24="  # base64 of "not-json"
    bundle.write_text(json.dumps(doc))
    ((check, message),) = sig_findings(audit_pipeline(run))
    assert check == "ZT-PIPE-008" and "malformed model-signing bundle" in message


def test_loose_bundle_inside_the_model_is_found_and_excluded(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    run = signed_run(tmp_path, keys[0], sig_inside=True)
    report = audit_pipeline(run, verifier=Verifier(public_key=keys[1]))
    assert report.findings == []
    assert report.summary["bundles"] == {"verified": 1}


def test_symlink_out_of_a_signed_model_is_not_hashed(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    run = signed_run(tmp_path, keys[0])
    secret = write(tmp_path / "elsewhere" / "id_rsa", b"key")
    os.symlink(secret, run / "train" / "model" / "weights2.safetensors")
    report = audit_pipeline(run, verifier=Verifier(public_key=keys[1]))
    got = sig_findings(report)
    assert [c for c, _ in got] == ["ZT-PIPE-005"]
    assert "weights2.safetensors" in got[0][1]
