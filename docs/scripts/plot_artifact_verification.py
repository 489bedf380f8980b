"""Plot deploy time against model size per verification mode, from experiments/artifact-verification.yaml.

Runs the experiment in process (no run folder), then draws two panels: the median replica deploy time, and
what verification adds to it relative to the ``none`` tier (paired: the same warm-up draws in every tier).

    .venv/bin/python docs/scripts/plot_artifact_verification.py [--out docs/img/artifact_verification.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from zsim import api  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = REPO / "experiments" / "artifact-verification.yaml"
OUT = REPO / "docs" / "img" / "artifact_verification.png"
METRIC = "pipeline.deploy_time_p50_s"


def plot(experiment: Path = EXPERIMENT, out: Path = OUT, replications: int | None = None) -> Path:
    result = api.run(api.load(experiment, replications=replications), write=False, workers=1)
    mean = result.summary.set_index(["tier", "point", "metric"])["mean"]
    sizes = sorted((p.workloads["pipeline"].model_bytes, p.label) for p in result.experiment.points)  # type: ignore[attr-defined]
    x = [s / 1e9 for s, _ in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), dpi=100)
    base = [mean[("none", label, METRIC)] for _, label in sizes]
    markers = "osx^v+D"
    for i, tier in enumerate(result.experiment.tiers):
        y = [mean[(tier.name, label, METRIC)] for _, label in sizes]
        look = {
            "linestyle": "--" if "overlap" in tier.name else "-",
            "marker": markers[i % len(markers)],
            "ms": 4,
            "color": f"C{i}",
            "label": tier.name,
        }
        left.plot(x, y, **look)
        if tier.name != "none":
            right.plot(x, [a - b for a, b in zip(y, base, strict=True)], **look)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="model size (GB)",
        ylabel="replica deploy time, p50 (s)",
        title="deploy time",
    )
    right.set(
        xscale="log",
        yscale="log",
        xlabel="model size (GB)",
        ylabel="added by verification (s)",
        title="verification overhead (vs none)",
    )
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle(f"{experiment.name}: median over replicas, mean over replications", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", type=Path, default=EXPERIMENT)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--reps", type=int, default=None, help="replications (default: the file's)")
    args = parser.parse_args(argv)
    print(plot(args.experiment, args.out, args.reps))


if __name__ == "__main__":
    main()
