"""Benchmark: the real report, cold, warm and for many areas, beside the import floor.

Prints, side by side and as medians of ``--runs`` runs (at least 3), measured in the same run
so that the ratios are fair on a busy machine:

- the floor: a fresh Python importing pandas, matplotlib, seaborn and statsmodels; and
  papermill executing an empty notebook (a fresh Python, papermill and one kernel);
- one area cold: a fresh copy of the data folder and an empty user cache
  (``CDP_CACHE_DIR`` pointed at a new temporary folder), ``cdp-analysis run --area E06000044``;
- one area warm: the same again with the data copy and the cache the cold run left;
- ``--all-areas`` (every upper-tier area), or with ``--quick N`` the first N areas only
  (for development; the output says which was measured);
- peak RSS: the largest single process (``resource.getrusage(RUSAGE_CHILDREN)`` of a wrapper
  process that runs the command, so each measurement is its own), and, when psutil is
  installed, the largest total over the command's process tree sampled every 0.2 s, as a
  sum of RSS (the issue's measure: shared libraries count once per process) and, on Linux,
  of PSS, sampled each second (shared pages divided among the processes sharing them: the
  memory really used);
- ratios of each timing to the import floor, and the issue's targets.

Benchmarks are measurements, not tests: quote the medians with the load average printed
beside them. Each run is a fresh process (``python -m cdp_analysis.cli run``).

    python benchmarks/bench_pack.py [--runs 3] [--quick N] [--workers N] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AREA = "E06000044"  # Portsmouth

#: The issue's targets (2 cores, medians).
COLD_TARGET_S = 5.0
COLD_FLOOR_RATIO = 3.5
WARM_TARGET_S = 4.0
ALL_AREAS_TARGET_S = 150.0
ALL_AREAS_RSS_MB = 1024.0

_IMPORTS = "import pandas, matplotlib, seaborn, statsmodels.api"

#: Runs ``argv`` and prints, as JSON on its last stdout line, the child's exit status and
#: its peak RSS in MB (ru_maxrss is in KiB on Linux, bytes on macOS).
_WRAPPER = """import json, resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=sys.stderr).returncode
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": rc, "rss_mb": kb / (1024 * 1024 if sys.platform == "darwin" else 1024)}))
"""


class _TreeSampler(threading.Thread):
    """Largest totals over a process and its descendants: RSS (MB) sampled every 0.2 s, and
    on Linux PSS (MB) every second (each shared page divided among the processes sharing it,
    so the memory the run really takes; a sum of RSS counts shared libraries once per
    process)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self._done = pid, threading.Event()
        self.peak_mb = self.peak_pss_mb = 0.0

    def run(self) -> None:
        try:
            import psutil
        except ImportError:
            self.peak_mb = self.peak_pss_mb = float("nan")
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        pss_ok = sys.platform.startswith("linux")  # psutil has PSS on Linux only
        if not pss_ok:
            self.peak_pss_mb = float("nan")
        tick = 0
        while not self._done.is_set():
            # PSS means reading /proc/PID/smaps_rollup, which walks each process's page
            # tables and slowed a 10-area run by about a tenth when read every 0.2 s: only
            # every fifth sample (each second) reads it.
            with_pss = pss_ok and tick % 5 == 0
            tick += 1
            rss = pss = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        if with_pss:
                            info = p.memory_full_info()
                            rss, pss = rss + info.rss, pss + info.pss
                        else:
                            rss += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak_mb = max(self.peak_mb, rss / 2**20)
            if with_pss:
                self.peak_pss_mb = max(self.peak_pss_mb, pss / 2**20)
            self._done.wait(0.2)

    def stop(self) -> None:
        self._done.set()
        self.join()


def measure(argv: list[str], env: dict | None = None) -> dict:
    """Wall seconds, peak single-process RSS, peak process-tree RSS and PSS (MB) of ``argv``."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    sampler = _TreeSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    sampler.stop()
    try:
        info = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SystemExit(f"benchmark wrapper failed for {argv}:\n{out}\n{err}") from None
    if info["rc"] != 0:
        raise SystemExit(f"command failed (exit {info['rc']}): {' '.join(argv)}\n{err[-3000:]}")
    return {
        "wall": wall,
        "rss_mb": info["rss_mb"],
        "tree_mb": sampler.peak_mb,
        "pss_mb": sampler.peak_pss_mb,
    }


def _empty_notebook(folder: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell("")],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nb.cells[0].id = "c0"
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cdp_analysis.cli", "run", *args]


def _median(rows: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"
    except OSError:
        return "load average unknown"


def bench(runs: int, quick: int | None, workers: int | None, data: Path, tmp: Path) -> dict:
    """Every measurement, ``runs`` times each, interleaved so that load affects all alike."""
    from cdp_analysis.areas import upper_tier_codes

    codes = upper_tier_codes()
    many = ["--all-areas"] if quick is None else [a for c in codes[:quick] for a in ("--area", c)]
    extra = ["--workers", str(workers)] if workers else []
    empty = _empty_notebook(tmp)
    rows: dict[str, list[dict]] = {k: [] for k in ("imports", "papermill", "cold", "warm", "all")}
    for r in range(runs):
        print(f"run {r + 1}/{runs} ({_load()})", file=sys.stderr, flush=True)
        rows["imports"].append(measure([sys.executable, "-c", _IMPORTS]))
        rows["papermill"].append(
            measure(
                [
                    sys.executable,
                    "-m",
                    "papermill",
                    "-k",
                    "python3",
                    "--no-progress-bar",
                    str(empty),
                    str(tmp / f"empty-out-{r}.ipynb"),
                ]
            )  # fmt: skip
        )
        copy = tmp / f"data-{r}"
        shutil.copytree(data, copy)
        env = {**os.environ, "CDP_CACHE_DIR": str(tmp / f"cache-{r}")}
        one = ["--area", AREA, "--quarter", "latest", "--data", str(copy), *extra]
        rows["cold"].append(measure(_cli(*one, "--out", str(tmp / f"cold-{r}")), env))
        rows["warm"].append(measure(_cli(*one, "--out", str(tmp / f"warm-{r}")), env))
        out = tmp / f"all-{r}"
        rows["all"].append(
            measure(
                _cli(*many, "--quarter", "latest", "--data", str(copy), *extra, "--out", str(out)),
                env,
            )  # fmt: skip
        )
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(copy, ignore_errors=True)
    result = {k: _median(v) for k, v in rows.items()}
    result["n_all"] = len(codes) if quick is None else min(quick, len(codes))
    result["n_codes"] = len(codes)
    result["runs"] = runs
    return result


def report(r: dict, quick: int | None) -> bool:
    """Print the table and the targets; True when every target is met."""
    floor = r["imports"]["wall"]
    label_all = (
        f"--all-areas ({r['n_all']} areas)"
        if quick is None
        else f"--quick: first {r['n_all']} of {r['n_codes']} areas"
    )
    print(f"medians of {r['runs']} runs, {_load()} at the end")
    print(f"{'measurement':44} {'wall s':>8} {'x floor':>8} {'peak RSS MB':>12} {'tree MB':>8} "
          f"{'tree PSS':>8}")  # fmt: skip
    for key, label in [
        ("imports", "floor: import pandas/matplotlib/seaborn/sm"),
        ("papermill", "floor: papermill, empty notebook"),
        ("cold", f"one area cold ({AREA})"),
        ("warm", f"one area warm ({AREA})"),
        ("all", label_all),
    ]:
        m = r[key]
        print(f"{label:44} {m['wall']:8.2f} {m['wall'] / floor:8.2f} "
              f"{m['rss_mb']:12.0f} {m['tree_mb']:8.0f} {m['pss_mb']:8.0f}")  # fmt: skip
    checks = [
        ("one area cold", r["cold"]["wall"] <= COLD_TARGET_S, f"<= {COLD_TARGET_S:.1f} s"),
        ("cold / import floor", r["cold"]["wall"] / floor <= COLD_FLOOR_RATIO,
         f"<= {COLD_FLOOR_RATIO}x"),
        ("one area warm", r["warm"]["wall"] <= WARM_TARGET_S, f"<= {WARM_TARGET_S:.1f} s"),
    ]  # fmt: skip
    if quick is None:
        checks += [
            ("--all-areas", r["all"]["wall"] <= ALL_AREAS_TARGET_S,
             f"<= {ALL_AREAS_TARGET_S:.0f} s"),
            ("--all-areas peak RSS (process tree)", r["all"]["tree_mb"] <= ALL_AREAS_RSS_MB,
             f"<= {ALL_AREAS_RSS_MB:.0f} MB"),
        ]  # fmt: skip
    else:
        per_area = r["all"]["wall"] / max(r["n_all"], 1)
        print(f"--quick: {per_area:.2f} s per area; x{r['n_codes']} areas = "
              f"{per_area * r['n_codes']:.0f} s (a rough extrapolation, not the target figure)")  # fmt: skip
    for name, ok, target in checks:
        print(f"  {name:38} {'met' if ok else 'MISSED':7} (target {target})")
    if quick is None:  # for information: the target above is judged on the RSS sum
        pss = r["all"]["pss_mb"]
        print(
            f"  {'(--all-areas tree PSS, not the target)':38} {pss:7.0f} MB "
            f"({'within' if pss <= ALL_AREAS_RSS_MB else 'over'} {ALL_AREAS_RSS_MB:.0f} MB)"
        )
    return all(ok for _, ok, _ in checks)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="runs per measurement (median; >= 3)")
    p.add_argument("--quick", type=int, default=None, metavar="N",
                   help="instead of --all-areas, only the first N areas (development)")  # fmt: skip
    p.add_argument("--workers", type=int, default=None, help="passed to cdp-analysis run")
    p.add_argument("--data", type=Path, default=REPO / "data", help="data folder to copy")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    if args.runs < 3:
        p.error("--runs must be 3 or more (medians of at least 3 runs)")
    with tempfile.TemporaryDirectory(prefix="cdp-bench-") as tmp:
        result = bench(args.runs, args.quick, args.workers, args.data, Path(tmp))
    ok = report(result, args.quick)
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
