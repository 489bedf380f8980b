"""The CLI (``zsim attack``, ``attack-matrix``, ``attack-validate``, ``list campaigns``), the experiment
integration and the attack × tier report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import simpy
import yaml

from tests.attacks.helpers import TOPOLOGY, seeds, tier
from tests.cli_helpers import run_cli
from zsim.attacks import report
from zsim.attacks.loader import LIBRARY_IDS
from zsim.attacks.runner import ablation, attack_matrix, load_platform, run_campaign, run_campaigns
from zsim.attacks.workload import AttackConfig, AttackWorkload
from zsim.config.topology import load_topology
from zsim.engine.workload import RunContext
from zsim.errors import InputError

KEYS = {"success_rate", "ci_low", "ci_high", "trials", "ttc_median_s", "blast_radius_mean", "detected_rate"}


def test_attack_json(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(capsys, monkeypatch, "attack", "credential-replay", "--topology", str(TOPOLOGY), "--tier", "strict",
                "--trials", "2000", "--seed", "3", "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert set(data) >= KEYS and data["trials"] == 2000 and data["tier"] == "strict"
    assert data["ci_low"] <= data["success_rate"] <= data["ci_high"]
    # the same call through the API gives the same numbers (the CLI holds no logic)
    api = run_campaign("credential-replay", load_platform(TOPOLOGY), tier("strict"), seeds(3), 2000)
    assert api.metrics["success_rate"] == data["success_rate"]
    table = run_cli(capsys, monkeypatch, "attack", "escape-to-host", "-t", str(TOPOLOGY), "-n", "500")
    assert table.code == 0 and "success rate" in table.out


def test_list_campaigns_prints_every_id(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(capsys, monkeypatch, "list", "campaigns")
    assert r.code == 0
    for cid in LIBRARY_IDS:
        assert cid in r.out


@pytest.mark.parametrize(("args", "text"), [
    (["attack", "no-such-campaign", "-t", str(TOPOLOGY)], "unknown campaign"),
    (["attack", "escape-to-host", "-t", str(TOPOLOGY), "--tier", "imaginary"], "unknown tier"),
    (["attack", "escape-to-host", "-t", str(TOPOLOGY), "--format", "xml"], "unknown format"),
    (["attack", "escape-to-host", "-t", "missing.yaml"], "not found"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, monkeypatch, args, text) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(capsys, monkeypatch, *args)
    assert r.code == 2 and text in r.err and "Traceback" not in r.err


def test_attack_validate(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"id": "x", "title": "t", "entry": {"foothold": {}}, "goal": "g",
                                   "steps": [{"id": "a", "technique": "T1078", "requires": ["ghost"],
                                              "yields": ["g"]}]}))
    r = run_cli(capsys, monkeypatch, "attack-validate", str(bad))
    assert r.code == 2 and "steps[0].requires" in r.err and "dangling" in r.err
    good = Path(__file__).resolve().parents[2] / "zsim" / "data" / "campaigns" / "exfiltration.yaml"
    r = run_cli(capsys, monkeypatch, "attack-validate", str(good), "--topology", str(TOPOLOGY))
    assert r.code == 0 and "ok" in r.out


def test_matrix_table_heatmap_and_cli(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    platform = load_platform(TOPOLOGY)
    tiers = {name: tier(name) for name in ("none", "baseline", "strict")}
    results = attack_matrix(platform, tiers, campaigns=["lateral-training-to-inference", "data-poisoning"],
                            trials=1000, seed=4)
    text = report.matrix_table(results)
    assert text.splitlines()[0].split("|")[2].strip() == "none"
    assert "lateral-training-to-inference" in text and "[" in text
    paths = report.heatmap(results, tmp_path / "heat")
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in paths[1].read_text()
    r = run_cli(capsys, monkeypatch, "attack-matrix", "-t", str(TOPOLOGY), "--campaign", "escape-to-host",
                "--tier", "none", "--tier", "strict", "-n", "500", "--out", str(tmp_path / "m"), "--format", "json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert [(row["campaign"], row["tier"]) for row in rows] == [("escape-to-host", "none"),
                                                                ("escape-to-host", "strict")]
    assert (tmp_path / "m.png").exists() and (tmp_path / "m.svg").exists()


def test_run_campaigns_and_the_attack_workload() -> None:
    platform = load_platform(TOPOLOGY)
    metrics = run_campaigns(["credential-replay", "revoked-access"], platform, tier("strict"), seeds(), 1000)
    assert "attack.credential-replay.success_rate" in metrics and "attack.revoked-access.detected_rate" in metrics
    assert all(k.startswith("attack.") and k.count(".") >= 2 for k in metrics)
    topo = load_topology(TOPOLOGY)
    ctx = RunContext(topology=topo, controls=tier("strict"), seeds=seeds())
    model = AttackWorkload(AttackConfig(campaigns=["credential-replay", "revoked-access"], trials=1000), ctx)
    model.check(topo)
    model.start(simpy.Environment())
    assert {f"attack.{k}": v for k, v in model.metrics().items()} == metrics
    with pytest.raises(InputError, match="unknown campaign"):
        AttackWorkload(AttackConfig(campaigns=["nope"]), ctx).check(topo)
    assert math.isnan(run_campaign("lateral-training-to-inference", platform, tier("strict"), seeds(), 200)
                      .metrics["ttc_median_s"])


def test_ablation_shows_network_controls_buy_nothing_against_data_poisoning(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    deltas = ablation(load_platform(TOPOLOGY), tier("strict"), campaigns=["data-poisoning", "exfiltration"],
                      trials=2000, seed=2)
    for control in ("network_policy", "mtls", "authz"):
        assert deltas[("data-poisoning", control)] == 0.0
    assert deltas[("exfiltration", "network_policy")] > 0.3  # direct egress reopens
    assert deltas[("data-poisoning", "monitoring")] > 0
    assert "network_policy" in report.ablation_table(deltas)
    r = run_cli(capsys, monkeypatch, "attack-matrix", "-t", str(TOPOLOGY), "--tier", "strict", "--campaign",
                "data-poisoning", "-n", "500", "--ablate")
    assert r.code == 0 and "switched off" in r.out and "network_policy" in r.out
