"""``zsim validate-model``: every validation experiment, predicted against published; docs/validation.md carries
exactly the table a fresh run gives (generated, never typed in); the targets are 10 % (published) / 2 % (analytic)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.cli_helpers import run_cli
from tests.conftest import REPO, fleet_experiment
from zsim.analysis.queueing import mmc_mean_wait_s
from zsim.calibrate.markers import replace_section, section
from zsim.errors import InputError
from zsim.validate_model import COLUMNS, END, START, docs_section, experiment_files, run_validation, to_markdown

DOC = REPO / "docs" / "validation.md"


@pytest.fixture(scope="module")
def fresh() -> pd.DataFrame:
    return run_validation(REPO / "experiments" / "validation")


def test_docs_table_is_a_fresh_run(fresh: pd.DataFrame) -> None:
    assert docs_section(DOC) == to_markdown(fresh), (
        "docs/validation.md differs from a fresh run: make validate-model (zsim validate-model --markdown ...)")


def test_every_experiment_and_row_is_in_the_table(fresh: pd.DataFrame) -> None:
    from zsim import api

    files = experiment_files(REPO / "experiments" / "validation")
    assert list(fresh["experiment"].unique()) == [p.stem for p in files]
    assert len(fresh) == sum(len(api.load(p).config.validation) for p in files)
    assert list(fresh.columns) == COLUMNS


def test_error_and_target_follow_their_definitions(fresh: pd.DataFrame) -> None:
    for _, r in fresh.iterrows():
        assert r["error_pct"] == pytest.approx(100 * (r["predicted"] - r["published"]) / r["published"])
        assert r["target_pct"] == {"published": 10.0, "analytic": 2.0}[r["kind"]]
        assert r["meets_target"] == (abs(r["error_pct"]) <= r["target_pct"])
        assert math.isfinite(r["predicted"]), f"{r['experiment']}: {r['metric']} was not produced"


def _mmc_experiment() -> dict:
    lam, c = 3.2, 4
    exp = fleet_experiment(replicas=c, balancer="shared_queue", arrivals={"kind": "poisson", "rate_per_s": lam},
                           horizon={"requests": 20_000, "warmup_requests": 1_000})
    exp["replications"] = 1
    exp["validation"] = [
        {"label": "M/M/4 mean wait vs Erlang C", "metric": "inference.queue_wait_mean_s", "kind": "analytic",
         "published": mmc_mean_wait_s(c, lam, 1.0), "source": "Erlang C"},
        {"label": "a published row", "metric": "inference.queue_wait_mean_s", "published": 1.0, "source": "x"},
    ]
    return exp


def test_cli_writes_csv_and_markdown(capsys, monkeypatch, write_yaml, tmp_path) -> None:  # noqa: ANN001
    write_yaml("val/mmc.yaml", _mmc_experiment())
    doc = tmp_path / "doc.md"
    doc.write_text(f"# t\n{START}\nold\n{END}\ntail\n", encoding="utf-8")
    csv = tmp_path / "out" / "validation.csv"
    res = run_cli(capsys, monkeypatch, "validate-model", "--dir", str(tmp_path / "val"), "--out", str(csv),
                  "--markdown", str(doc), "--workers", "1")
    assert res.code == 0, res.err
    table = pd.read_csv(csv)
    assert list(table.columns) == COLUMNS
    assert table["target_pct"].tolist() == [2.0, 10.0]
    assert table["published"].iloc[0] == pytest.approx(mmc_mean_wait_s(4, 3.2, 1.0))
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# t\n") and text.endswith(f"{END}\ntail\n") and "old" not in text
    assert "M/M/4 mean wait vs Erlang C" in section(text, START, END)
    assert "analytic rows within ±2 %" in text and "published rows within ±10 %: 0 of 1" in text
    assert "analytic rows within ±2 %" in res.out


def test_cli_bad_input_exits_2(capsys, monkeypatch, tmp_path, write_yaml) -> None:  # noqa: ANN001
    res = run_cli(capsys, monkeypatch, "validate-model", "--dir", str(tmp_path / "missing"))
    assert res.code == 2 and "no such folder" in res.err
    (tmp_path / "empty").mkdir()
    res = run_cli(capsys, monkeypatch, "validate-model", "--dir", str(tmp_path / "empty"))
    assert res.code == 2 and "no validation experiments" in res.err
    write_yaml("val/mmc.yaml", _mmc_experiment())
    doc = tmp_path / "nomarkers.md"
    doc.write_text("# no markers\n", encoding="utf-8")
    res = run_cli(capsys, monkeypatch, "validate-model", "--dir", str(tmp_path / "val"), "--markdown", str(doc),
                  "--workers", "1")
    assert res.code == 2 and f"{doc}: markers" in res.err
    assert doc.read_text(encoding="utf-8") == "# no markers\n"


def test_sections_between_markers() -> None:
    text = "a\n<!-- s -->\nold\n<!-- e -->\nb\n"
    assert replace_section(text, "new\n", "<!-- s -->", "<!-- e -->") == "a\n<!-- s -->\nnew\n<!-- e -->\nb\n"
    assert section(text, "<!-- s -->", "<!-- e -->") == "old\n"
    with pytest.raises(InputError):
        replace_section("<!-- e --> <!-- s -->", "x", "<!-- s -->", "<!-- e -->")
