"""Benchmark: vectorised statistics against straightforward per-row references.

Times, on one million rows, :func:`cdp_analysis.stats.wilson_ci`,
:func:`cdp_analysis.stats.byar_ci` and :func:`cdp_analysis.stats.dsr_grouped` (52,631
groups x 19 age bands), against per-row references:

* Wilson: ``statsmodels.stats.proportion.proportion_confint(method="wilson")`` per row;
* Byar/exact: per row, ``scipy.stats.chi2.ppf`` below 10 events, Byar's formula with
  ``scipy.stats.norm.ppf`` from 10;
* DSR: per group, numpy sums over its 19 rows and the per-row Byar/exact reference for the
  total count.

The per-row references are timed on a sample (20,000 rows by default) and scaled linearly
to one million rows (the output says so); the sample's results are also checked against
the vectorised ones. Each timing is the median of several runs (5 by default). The
vectorised code must be at least 50 times faster.

Run: ``python benchmarks/bench_stats.py [--rows N] [--sample N] [--repeats N]``.
``main(argv)`` prints the table and returns 0 when every speed-up is >= 50, else 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm
from statsmodels.stats.proportion import proportion_confint

from cdp_analysis.stats import ESP2013, byar_ci, dsr_grouped, wilson_ci

REQUIRED_SPEEDUP = 50.0
BANDS = len(ESP2013)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall-clock seconds of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- per-row references ------------------------------------------------------------------


def wilson_per_row(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = np.empty((len(x), 2))
    for i in range(len(x)):
        out[i] = proportion_confint(x[i], n[i], alpha=0.05, method="wilson")
    return out


def byar_one(x: float, confidence: float = 0.95) -> tuple[float, float]:
    alpha = 1 - confidence
    if x < 10:
        lower = 0.0 if x == 0 else chi2.ppf(alpha / 2, 2 * x) / 2
        return lower, chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    z = norm.ppf(1 - alpha / 2)
    return (
        x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3,
        (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3,
    )


def byar_per_row(x: np.ndarray) -> np.ndarray:
    out = np.empty((len(x), 2))
    for i in range(len(x)):
        out[i] = byar_one(x[i])
    return out


def dsr_per_group(df: pd.DataFrame) -> np.ndarray:
    weights = ESP2013.to_numpy()
    out = []
    for _, g in df.groupby(["area", "sex"], sort=False):
        x = g["count"].to_numpy(float)
        n = g["pop"].to_numpy(float)
        total = x.sum()
        value = (x * weights / n).sum() / weights.sum() * 100_000
        var = (x * (weights / n) ** 2).sum() / weights.sum() ** 2
        lo, up = byar_one(total)
        spread = np.sqrt(var / total) * 100_000
        if total < 10:
            out.append((np.nan, np.nan, np.nan))
        else:
            out.append((value, value + spread * (lo - total), value + spread * (up - total)))
    return np.array(out)


# --- data --------------------------------------------------------------------------------


def make_data(rows: int, seed: int = 2026) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 5000, rows).astype(float)
    x = rng.binomial(n.astype(int), rng.uniform(0.01, 0.9, rows)).astype(float)
    # counts for Byar: a third below 10 (exact method), the rest up to thousands
    counts = np.where(
        rng.random(rows) < 1 / 3, rng.integers(0, 10, rows), rng.integers(10, 5000, rows)
    ).astype(float)
    groups = rows // BANDS
    pops = rng.integers(500, 20_000, groups * BANDS).astype(float)
    dsr_df = pd.DataFrame(
        {
            "area": np.repeat(np.arange(groups) // 2, BANDS),
            "sex": np.repeat(np.arange(groups) % 2, BANDS),
            "count": rng.poisson(pops * 0.002).astype(float),
            "pop": pops,
        }
    )
    return {"x": x, "n": n, "counts": counts, "dsr": dsr_df, "groups": groups}


# --- the benchmark -----------------------------------------------------------------------


def run(rows: int = 1_000_000, sample: int = 20_000, repeats: int = 5) -> list[dict[str, object]]:
    """Time each method; return one dict per method (seconds, speed-up, agreement)."""
    data = make_data(rows)
    x, n, counts, dsr_df = data["x"], data["n"], data["counts"], data["dsr"]
    results = []

    # Wilson
    fast = median_time(lambda: wilson_ci(x, n), repeats)
    s = slice(0, sample)
    slow = median_time(lambda: wilson_per_row(x[s], n[s]), repeats)
    lo, up = wilson_ci(x[s], n[s])
    agree = np.allclose(
        np.column_stack([lo, up]), wilson_per_row(x[s], n[s]), rtol=1e-9, atol=1e-15
    )
    results.append(_row("wilson_ci", rows, fast, slow, sample, rows, agree))

    # Byar / exact
    fast = median_time(lambda: byar_ci(counts), repeats)
    slow = median_time(lambda: byar_per_row(counts[s]), repeats)
    lo, up = byar_ci(counts[s])
    agree = np.allclose(np.column_stack([lo, up]), byar_per_row(counts[s]), rtol=1e-9)
    results.append(_row("byar_ci", rows, fast, slow, sample, rows, agree))

    # DSR, grouped
    fast = median_time(lambda: dsr_grouped(dsr_df, ["area", "sex"], "count", "pop"), repeats)
    sample_groups = max(1, sample // BANDS)
    sub = dsr_df.iloc[: sample_groups * BANDS]
    slow = median_time(lambda: dsr_per_group(sub), repeats)
    mine = dsr_grouped(sub, ["area", "sex"], "count", "pop")[
        ["value", "lower_95", "upper_95"]
    ].to_numpy()
    agree = np.allclose(mine, dsr_per_group(sub), rtol=1e-9, equal_nan=True)
    results.append(_row("dsr_grouped", len(dsr_df), fast, slow, len(sub), len(dsr_df), agree))
    return results


def _row(name, rows, fast, slow_sample, sample_rows, target_rows, agree) -> dict[str, object]:
    slow = slow_sample * target_rows / sample_rows  # per-row loop: linear in rows
    return {
        "method": name,
        "rows": rows,
        "vectorised_s": fast,
        "per_row_sample_rows": sample_rows,
        "per_row_sample_s": slow_sample,
        "per_row_scaled_s": slow,
        "speedup": slow / fast,
        "results_agree": bool(agree),
    }


def format_table(results: list[dict[str, object]], repeats: int) -> str:
    lines = [
        f"cdp_analysis.stats benchmark (median of {repeats} runs each)",
        "Per-row references are timed on a sample and scaled linearly to the full row count.",
        "",
        f"{'method':<12} {'rows':>9} {'vectorised s':>13} {'per-row sample':>22} "
        f"{'per-row scaled s':>17} {'speed-up':>9} {'agree':>6}",
    ]
    for r in results:
        sample = f"{r['per_row_sample_s']:.3f}s/{r['per_row_sample_rows']:,}"
        lines.append(
            f"{r['method']:<12} {r['rows']:>9,} {r['vectorised_s']:>13.4f} {sample:>22} "
            f"{r['per_row_scaled_s']:>17.1f} {r['speedup']:>8.0f}x {('yes' if r['results_agree'] else 'NO'):>6}"
        )
    ok = all(r["speedup"] >= REQUIRED_SPEEDUP and r["results_agree"] for r in results)
    lines.append("")
    lines.append(
        f"{'PASS' if ok else 'FAIL'}: every method at least {REQUIRED_SPEEDUP:.0f}x faster than its per-row "
        "reference, with the same results"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table; 0 when every speed-up is >= 50 and results agree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    results = run(args.rows, args.sample, args.repeats)
    print(format_table(results, args.repeats))
    ok = all(r["speedup"] >= REQUIRED_SPEEDUP and r["results_agree"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
