"""Smoke test of benchmarks/bench_stats.py on a small size (speed is not judged here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_stats.py"


def _module():
    spec = importlib.util.spec_from_file_location("bench_stats", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_and_references_agree(capsys):
    bench = _module()
    results = bench.run(rows=3_800, sample=380, repeats=1)
    assert [r["method"] for r in results] == ["wilson_ci", "byar_ci", "dsr_grouped"]
    assert all(r["results_agree"] for r in results)
    table = bench.format_table(results, 1)
    assert "scaled linearly" in table and "dsr_grouped" in table
