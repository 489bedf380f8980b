"""A cost profile with an unknown control, an unknown or non-cost key, or a negative cost: exit 2 with the file and
field named, from ``zsim validate`` and from ``zsim run`` (which then writes nothing). The default profile
validates, and running with it changes nothing."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_cli
from tests.conftest import fleet_experiment
from zsim import api
from zsim.calibrate.default_profile import PATH as DEFAULT_PROFILE

BAD = [
    ({"nosuch": {"x_s": 1}}, "nosuch: unknown control"),
    ({"mtls": {"handshake_s": 1e-3}}, "mtls.handshake_s: not a cost field of mtls"),
    ({"mtls": {"mode": "strict"}}, "mtls.mode: not a cost field of mtls"),
    ({"mtls": {"full_handshake_cpu_s": -1e-3}}, "mtls.full_handshake_cpu_s: costs must be >= 0"),
    ({"tokens": {"validate_s": "-2 us"}}, "tokens.validate_s: costs must be >= 0"),
    ({"authz": {"eval_latency": {"median": -1e-6, "p99": 1e-4}}}, "authz.eval_latency: costs must be >= 0"),
    ({"mtls": ["aes_gcm_Bps"]}, "mtls: expected a mapping of cost fields"),
]


@pytest.mark.parametrize(("profile", "message"), BAD[1:], ids=["key", "non-cost", "negative", "negative-quantity",
                                                              "negative-quantile", "not-a-mapping"])
def test_validate_rejects_bad_profiles(capsys, monkeypatch, write_yaml, profile, message) -> None:  # noqa: ANN001
    path = write_yaml("costs.yaml", profile)
    res = run_cli(capsys, monkeypatch, "validate", str(path))
    assert res.code == 2
    assert f"{path}: {message}" in res.err
    assert "Traceback" not in res.err


def test_validate_cannot_tell_a_file_of_unknown_controls_and_says_so(capsys, monkeypatch, write_yaml) -> None:  # noqa: ANN001
    # zsim validate recognises a cost profile by its control names; `costs:` in an experiment names the key (above)
    path = write_yaml("costs.yaml", {"nosuch": {"x_s": 1}})
    res = run_cli(capsys, monkeypatch, "validate", str(path))
    assert res.code == 2 and f"{path}: cannot tell what kind of file this is" in res.err


@pytest.mark.parametrize(("profile", "message"), BAD[:4], ids=["control", "key", "non-cost", "negative"])
def test_run_with_a_bad_profile_exits_2_and_writes_nothing(capsys, monkeypatch, write_yaml, tmp_path,  # noqa: ANN001
                                                           profile, message) -> None:
    costs = write_yaml("costs.yaml", profile)
    exp = write_yaml("exp.yaml", {**fleet_experiment(), "costs": "costs.yaml"})
    out = tmp_path / "run"
    res = run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(out))
    assert res.code == 2
    assert f"{costs}: {message}" in res.err
    assert not out.exists()


def test_default_profile_validates(capsys, monkeypatch) -> None:  # noqa: ANN001
    res = run_cli(capsys, monkeypatch, "validate", str(DEFAULT_PROFILE))
    assert res.code == 0 and "ok (cost profile)" in res.out


def test_running_with_the_default_profile_changes_nothing(write_yaml) -> None:  # noqa: ANN001
    base = {**fleet_experiment(horizon={"requests": 4000, "warmup_requests": 200}), "replications": 1,
            "tiers": ["none", "strict"]}
    plain = api.run(api.load(write_yaml("a.yaml", base)), write=False, workers=1)
    with_default = api.run(api.load(write_yaml("b.yaml", {**base, "costs": str(DEFAULT_PROFILE)})), write=False,
                           workers=1)
    assert plain.summary["mean"].tolist() == with_default.summary["mean"].tolist()
