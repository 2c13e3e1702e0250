"""Benchmark: every episodes indicator for 32 quarters (2018/19 Q1 - 2025/26 Q4) from one
million synthetic episodes.

Target: derivation under 5 seconds on a 2-core machine. Prints the median of several runs
for the derivation alone (load excluded) and for reading, validating and deriving (load
included), with the file size and the number of episodes, clients and output rows.

    python benchmarks/bench_episodes.py [--episodes 1000000] [--runs 5] [--one-area]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from cdp_analysis import areas
from cdp_analysis.demo.episodes import write_demo_episodes
from cdp_analysis.sources import episodes

FIRST, LAST = "2018-19Q1", "2025-26Q4"
TARGET_SECONDS = 5.0
#: Episodes per distinct client in the synthetic data (re-presentations), to size it.
EPISODES_PER_CLIENT = 1.21


def run(n_episodes: int = 1_000_000, runs: int = 5, one_area: bool = False) -> dict:
    """Time load and derivation; return the medians (seconds) and sizes."""
    codes = ["E06000044"] if one_area else areas.upper_tier_codes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "episodes_bench.csv"
        t = time.perf_counter()
        write_demo_episodes(
            path, area_code=codes, n_clients=round(n_episodes / EPISODES_PER_CLIENT)
        )
        generate = time.perf_counter() - t
        size_mb = path.stat().st_size / 1e6
        loads, derives = [], []
        for _ in range(runs):
            t = time.perf_counter()
            eps = episodes.load_episodes(path)
            loads.append(time.perf_counter() - t)
            t = time.perf_counter()
            table = episodes.derive_indicators(eps, FIRST, LAST)
            derives.append(time.perf_counter() - t)
    return {
        "episodes": len(eps),
        "clients": eps["client_id"].nunique(),
        "areas": len(codes),
        "rows_out": len(table),
        "file_mb": size_mb,
        "generate_s": generate,
        "load_s": statistics.median(loads),
        "derive_s": statistics.median(derives),
        "load_and_derive_s": statistics.median(a + b for a, b in zip(loads, derives, strict=True)),
        "runs": runs,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=1_000_000, help="episodes to generate")
    p.add_argument("--runs", type=int, default=5, help="timed runs (medians are reported)")
    p.add_argument("--one-area", action="store_true", help="all episodes in Portsmouth")
    p.add_argument("--strict", action="store_true", help="exit 1 if over the target")
    args = p.parse_args(argv)
    r = run(args.episodes, args.runs, args.one_area)
    print(
        f"episodes: {r['episodes']:,} ({r['clients']:,} clients, {r['areas']} areas, "
        f"{r['file_mb']:.0f} MB CSV, generated in {r['generate_s']:.1f} s)"
    )
    print(f"quarters: {FIRST} to {LAST} (32); tidy rows out: {r['rows_out']:,}")
    print(f"median of {r['runs']} runs:")
    print(f"  derive (load excluded)          {r['derive_s']:6.2f} s")
    print(f"  load + validate                 {r['load_s']:6.2f} s")
    print(f"  load + validate + derive        {r['load_and_derive_s']:6.2f} s")
    met = r["derive_s"] < TARGET_SECONDS
    print(f"target: derive under {TARGET_SECONDS:.0f} s: {'met' if met else 'NOT met'}")
    return 0 if met or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
