"""Benchmark: the report runner, as ``cdp-analysis run`` (a fresh process each time).

Targets on a 2-core machine: one area's full pack (5 notebooks, HTML, index) in under 10 s
wall; every English upper-tier local authority (152 areas) in under 10 minutes. Prints the
median wall time of several runs of one area's pack, the median for a sample of N areas
extrapolated to all areas (or, with ``--all-areas``, the full run), and the ratio of wall
time to the notebooks' own cell time (nbclient's timings, from each pack's manifest): the
runner's overhead. ``--baseline`` also times one notebook run the usual way, papermill with
a fresh kernel, for comparison. Exits 1 when a target is missed.

Without ``--notebooks`` it runs five stand-in notebooks written to a temporary folder, each
importing pandas, seaborn and statsmodels, fitting a small Poisson GLM and showing one
figure with alt text and one table, like the report's notebooks; give ``--notebooks
notebooks --data data`` to time the real report.

    python benchmarks/bench_report.py [--runs 3] [--areas 6] [--all-areas] [--workers N]
        [--notebooks DIR --data DIR] [--baseline]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ONE_AREA_TARGET = 10.0
ALL_AREAS_TARGET = 600.0
QUARTER = "2025-26Q4"

_PARAMS = 'area_code = "E06000044"\nquarter = "2025-26Q4"\ndata_dir = ""\ntargets_file = ""'
_CODE = """import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import statsmodels.api as sm
from IPython.display import HTML, display

rng = np.random.default_rng(int(area_code[1:]) + {i})
df = pd.DataFrame({{"quarter": np.arange(12), "count": rng.poisson(50, 12)}})
fit = sm.GLM(df["count"], sm.add_constant(df["quarter"]), family=sm.families.Poisson()).fit()
fig, ax = plt.subplots(figsize=(5, 3))
sns.lineplot(data=df, x="quarter", y="count", ax=ax, marker="o")
ax.set_title("Section {i}: counts by quarter")
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=72, metadata={{"Software": None}})
plt.close(fig)
png = base64.b64encode(buf.getvalue()).decode()
display(HTML(f'<figure><img src="data:image/png;base64,{{png}}" alt="Line chart of counts '
             f'by quarter for {{area_code}}"><figcaption>Counts by quarter</figcaption></figure>'))
df.assign(fitted=fit.fittedvalues.round(1))"""


def write_standin_notebooks(folder: Path, n: int = 5) -> Path:
    """``n`` notebooks shaped like the report's (parameters cell, heading, figure, table)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        params = new_code_cell(_PARAMS)
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(
            cells=[
                new_markdown_cell(f"# Section {i}\n\nWhat this section shows."),
                params,
                new_code_cell(_CODE.format(i=i)),
                new_markdown_cell("Interpretation in a sentence."),
            ],
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },  # fmt: skip
        )
        for j, c in enumerate(nb.cells):
            c.id = f"c{j}"
        nbformat.write(nb, folder / f"{i:02d}_section.ipynb")
    return folder


def _cli(args: list[str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", "run", *args], capture_output=True, text=True
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"cdp-analysis run failed:\n{proc.stdout}\n{proc.stderr}")
    return wall


def _cell_seconds(out: Path) -> float:
    total = 0.0
    for m in out.glob(f"*/{QUARTER}/manifest.json"):
        total += sum(n["seconds"]["cells"] for n in json.loads(m.read_text())["notebooks"])
    return total


def time_packs(codes, common, runs, tmp: Path) -> tuple[float, float]:
    """Median wall time for packs of ``codes``, and the median ratio wall / cell time."""
    walls, ratios = [], []
    for r in range(runs):
        out = tmp / f"out-{'all' if codes is None else len(codes)}-{r}"
        area_args = ["--all-areas"] if codes is None else [a for c in codes for a in ("--area", c)]
        wall = _cli([*area_args, *common, "--out", str(out)])
        walls.append(wall)
        ratios.append(wall / max(_cell_seconds(out), 1e-9))
    return statistics.median(walls), statistics.median(ratios)


def time_fresh_kernel(notebook: Path, data: Path, targets: Path, runs: int, tmp: Path) -> float:
    """Median seconds for papermill to run one notebook with its own fresh kernel."""
    import papermill

    times = []
    for r in range(runs):
        t = time.perf_counter()
        papermill.execute_notebook(
            str(notebook), str(tmp / f"fresh-{r}.ipynb"), progress_bar=False,
            parameters={"area_code": "E06000044", "quarter": QUARTER,
                        "data_dir": str(data), "targets_file": str(targets)},
        )  # fmt: skip
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    p.add_argument("--areas", type=int, default=6, help="areas in the sample extrapolated")
    p.add_argument("--all-areas", action="store_true", help="time the full 152-area run")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--notebooks", type=Path, default=None)
    p.add_argument("--data", type=Path, default=None)
    p.add_argument("--baseline", action="store_true", help="also time papermill, fresh kernel")
    args = p.parse_args(argv)

    from cdp_analysis.areas import upper_tier_codes

    all_codes = upper_tier_codes()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        notebooks = args.notebooks or write_standin_notebooks(tmp / "notebooks")
        data = args.data
        if data is None:
            data = tmp / "data"
            data.mkdir()
            (data / "targets.yaml").write_text("targets: []\n")
        targets = data / "targets.yaml"
        common = ["--quarter", QUARTER, "--notebooks", str(notebooks), "--data", str(data)]
        if args.workers:
            common += ["--workers", str(args.workers)]
        n_nb = len(list(Path(notebooks).glob("*.ipynb")))

        one, one_ratio = time_packs(["E06000044"], common, args.runs, tmp)
        print(f"one area ({n_nb} notebooks): median {one:.2f} s wall over {args.runs} runs "
              f"(target < {ONE_AREA_TARGET:.0f} s); wall / cell time = {one_ratio:.1f}")  # fmt: skip
        ok = one < ONE_AREA_TARGET

        if args.all_areas:
            full, ratio = time_packs(None, common, 1, tmp)
            label = f"all {len(all_codes)} areas: {full:.1f} s wall"
        else:
            n = max(2, min(args.areas, len(all_codes)))
            sample, ratio = time_packs(all_codes[:n], common, args.runs, tmp)
            # one area's time plus the marginal cost of each further area
            full = one + (sample - one) * (len(all_codes) - 1) / (n - 1)
            label = (f"{n} areas: median {sample:.1f} s wall; extrapolated to all "
                     f"{len(all_codes)} areas: {full:.0f} s")  # fmt: skip
        print(f"{label} (target < {ALL_AREAS_TARGET:.0f} s); wall / cell time = {ratio:.1f}")
        ok = ok and full < ALL_AREAS_TARGET

        if args.baseline:
            first = sorted(Path(notebooks).glob("*.ipynb"))[0]
            fresh = time_fresh_kernel(first, data, targets, args.runs, tmp)
            print(f"baseline: one notebook with papermill and a fresh kernel: median "
                  f"{fresh:.2f} s (x{n_nb} notebooks = {fresh * n_nb:.1f} s, no HTML)")  # fmt: skip
    print("within targets" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
