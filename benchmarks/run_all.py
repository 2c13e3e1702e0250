"""Run every benchmark (`make benchmark`). Each prints medians of several runs and ratios.

Benchmarks are measurements, not tests: run them on a quiet machine and quote the medians.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = ["bench_stats", "bench_episodes", "bench_report"]


def main() -> int:
    worst = 0
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            print(f"== {name}: not present, skipped")
            continue
        print(f"== {name}")
        worst = max(worst, int(module.main([]) or 0))
    return worst


if __name__ == "__main__":
    sys.exit(main())
