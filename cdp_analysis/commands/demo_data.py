"""``cdp-analysis demo-data``: regenerate the labelled synthetic demo data set."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = (
    "Write the synthetic demo data (Fingertips-format completions, local measures and "
    "record-level episodes for Portsmouth) into data/demo/ or --out. Deterministic: the files "
    "are byte-identical on every run with the same numpy version. Every row is labelled synthetic demo data."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=None,
        help="folder to write into (default: data/demo/ in the data folder)",
    )
    parser.add_argument(
        "--area",
        metavar="CODE",
        default=None,
        help="upper-tier local authority the local and record-level demo data are for "
        "(default: E06000044, Portsmouth)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed (default: the fixed seed of the bundled demo set)",
    )


def main(args: argparse.Namespace) -> int:
    from cdp_analysis.demo.generate import DEMO_AREA, SEED, generate

    written = generate(
        args.out, area_code=args.area or DEMO_AREA, seed=SEED if args.seed is None else args.seed
    )
    for path in written:
        print(f"wrote {path}")
    return 0
