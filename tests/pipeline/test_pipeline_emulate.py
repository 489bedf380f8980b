"""Emulate mode: a real folder stands in for the model; the simulated boundaries follow the real checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_helpers import run_cli
from tests.pipeline.helpers import TD, TENANT, Pki, context, controls, flip_byte, make_model, make_pki, run
from zsim.artifacts import Reason, sign_artifact
from zsim.errors import InputError
from zsim.platform.registry import RegistrySpec

N = 4
REGISTRY = RegistrySpec(storage_capacity_bytes=10e12, used_bytes=1e12)


def _config(emulate: dict[str, Any], stages: list[str] | None = None) -> dict[str, Any]:
    return {
        "model_bytes": "140 GB",
        "trust_domain": TD,
        "tenant": TENANT,
        "stages": stages or ["register", "deploy"],
        "deploy": {"replicas": N, "max_unavailable": 2},
        "emulate": emulate,
    }


def _signed(tmp_path: Path, signer: str = "register", fmt: str = "model_signing") -> tuple[Pki, Path, Path]:
    pki = make_pki(tmp_path / "pki")
    model = make_model(tmp_path / "model")
    bundle = tmp_path / "model.sig"
    ident = getattr(pki, signer)
    sign_artifact(model, bundle, key=ident["key"], cert=ident["cert"], chain=(ident["chain"],), format=fmt)  # type: ignore[arg-type]
    return pki, model, bundle


def _run(tmp_path: Path, emulate: dict[str, Any], **tier: Any):  # type: ignore[no-untyped-def]
    ctx = context(tier=controls(**tier), registry=REGISTRY, base_dir=tmp_path)
    return run(_config(emulate), ctx), ctx


@pytest.mark.parametrize("fmt", ["model_signing", "native"])
def test_clean_signed_artifact_deploys(tmp_path: Path, fmt: str) -> None:
    pki, _, _ = _signed(tmp_path, fmt=fmt)
    emulate = {"artifact_dir": "model", "signature": "model.sig", "trust": "pki/bundle.pem"}  # relative paths
    model, ctx = _run(tmp_path, emulate, register="signature", deploy="signature", load="hash")
    m = model.metrics()
    assert m["completed"] == 1 and m["replicas_updated"] == N and m["verify_failures"] == 0
    assert m["emulate_checks_run"] == 3  # once per boundary: register, deploy, load
    assert not ctx.warnings


def test_tampered_artifact_is_rejected_at_deploy_and_the_rollout_halts(tmp_path: Path) -> None:
    pki, model_dir, bundle = _signed(tmp_path)
    flip_byte(model_dir / "model-00001-of-00002.safetensors")
    emulate = {"artifact_dir": str(model_dir), "signature": str(bundle), "trust": str(pki.bundle)}
    model, ctx = _run(tmp_path, emulate, deploy="signature")
    m = model.metrics()
    assert m["completed"] == 0 and m["deploy_rejected"] == 1 and m["verify_failures"] == 1
    assert m["replicas_updated"] == 0
    boundary, result = model.rejections[0]
    assert boundary == "deploy" and result.reason == Reason.TAMPERED
    assert any("deploy check rejected the artifact: tampered" in w for w in ctx.warnings)
    # only the first wave went down; they came back on the old model; the rest never left service
    assert sorted(r for r, _, _ in model.unavailability) == [0, 1]
    assert all(up > down for _, down, up in model.unavailability)


@pytest.mark.parametrize("mode", ["signature", "hash"])
def test_foreign_trust_domain_signature(tmp_path: Path, mode: str) -> None:
    pki, model_dir, bundle = _signed(tmp_path, signer="foreign")
    emulate = {"artifact_dir": str(model_dir), "signature": str(bundle), "trust": str(pki.bundle)}
    model, ctx = _run(tmp_path, emulate, deploy=mode)
    m = model.metrics()
    if mode == "hash":  # digest pinning cannot tell who signed: the intact bytes deploy
        assert m["completed"] == 1 and m["replicas_updated"] == N
        return
    assert m["deploy_rejected"] == 1 and m["replicas_updated"] == 0
    assert model.rejections[0][1].reason == Reason.WRONG_TRUST_DOMAIN
    assert any("wrong_trust_domain" in w and "evil.example" in w for w in ctx.warnings)


def test_register_stage_signs_for_real(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    make_model(tmp_path / "model")
    reg = pki.register
    emulate = {
        "artifact_dir": "model",
        "signature": "out/model.sig",
        "sign": True,
        "signing_key": str(reg["key"]),
        "signing_cert": str(reg["cert"]),
        "chain": [str(reg["chain"])],
        "trust": str(pki.bundle),
    }
    (tmp_path / "out").mkdir()
    model, _ = _run(tmp_path, emulate, register="signature", deploy="signature")
    assert (tmp_path / "out" / "model.sig").is_file()
    assert model.metrics()["replicas_updated"] == N


def test_registry_rejects_a_model_signed_by_another_domain(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    make_model(tmp_path / "model")
    f = pki.foreign
    emulate = {
        "artifact_dir": "model",
        "signature": "model.sig",
        "sign": True,
        "signing_key": str(f["key"]),
        "signing_cert": str(f["cert"]),
        "chain": [str(f["chain"])],
        "trust": str(pki.bundle),
    }
    model, _ = _run(tmp_path, emulate, register="signature", deploy="signature")
    m = model.metrics()
    assert model.rejections[0][0] == "register"
    assert model.rejections[0][1].reason == Reason.WRONG_TRUST_DOMAIN
    assert "stage_deploy_time_s" not in m and model.unavailability == []
    assert m["registry_used_bytes"] == REGISTRY.used_bytes  # the upload was refused and deleted


def test_missing_signing_key_or_bundle_is_an_input_error(tmp_path: Path) -> None:
    pki, model_dir, bundle = _signed(tmp_path)
    with pytest.raises(InputError) as err:
        _run(
            tmp_path,
            {
                "artifact_dir": str(model_dir),
                "signature": str(bundle),
                "sign": True,
                "signing_key": str(tmp_path / "missing.key"),
                "trust": str(pki.bundle),
            },
            deploy="signature",
        )
    assert err.value.field == "workloads.pipeline.emulate.signing_key"
    assert "signing key not found" in str(err.value)
    with pytest.raises(InputError) as err:
        _run(
            tmp_path,
            {
                "artifact_dir": str(model_dir),
                "signature": str(tmp_path / "missing.sig"),
                "trust": str(pki.bundle),
            },
            deploy="signature",
        )
    assert err.value.field == "workloads.pipeline.emulate.signature"
    assert "signature bundle not found" in str(err.value)
    with pytest.raises(InputError, match="needs a trust bundle"):
        _run(tmp_path, {"artifact_dir": str(model_dir), "signature": str(bundle)}, deploy="signature")


@pytest.mark.parametrize("missing", ["signing_key", "signature"])
def test_missing_key_or_bundle_exits_2(
    tmp_path: Path, missing: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pki, model_dir, bundle = _signed(tmp_path)
    emulate: dict[str, Any] = {"artifact_dir": "model", "signature": "model.sig", "trust": "pki/bundle.pem"}
    if missing == "signing_key":
        emulate.update(sign=True, signing_key="pki/no-such.key")
    else:
        emulate["signature"] = "no-such.sig"
    exp = tmp_path / "emulate.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "emulate",
                "tiers": [{"name": "signed", "controls": {"artifact_verification": {"deploy": "signature"}}}],
                "workloads": {"pipeline": _config(emulate, ["deploy"])},
            }
        )
    )
    result = run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(tmp_path / "run"))
    assert result.code == 2
    assert f"workloads.pipeline.emulate.{missing}" in result.err and "not found" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "run").exists()
