"""``cdp-analysis verify PACK``: check that a pack's input files are unchanged."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Check a pack's recorded input fingerprints (SHA-256) against the files now."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pack", type=Path, help="pack folder, e.g. outputs/E06000044/2025-26Q4")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="check this data folder instead of the one recorded (e.g. on another machine)",
    )


def main(args: argparse.Namespace) -> int:
    from ..report.manifest import verify

    check = verify(args.pack, args.data)
    for label, paths in (
        ("changed", check.changed),
        ("missing", check.missing),
        ("added", check.added),
    ):
        for p in paths:
            print(f"{label}: {p}")
    if check.ok:
        print(f"Inputs match the manifest of {args.pack} ({check.checked} files checked).")
        return 0
    n = len(check.changed) + len(check.missing) + len(check.added)
    print(
        f"{n} input file{'s' if n != 1 else ''} differ from the manifest of {args.pack}: "
        "re-run the report to bring it up to date."
    )
    return 1
