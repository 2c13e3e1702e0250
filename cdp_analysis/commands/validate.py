"""``cdp-analysis validate PATH...``: check input files before a report is built."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import default_data_dir

HELP = (
    "Check data files (or whole folders) the project reads: says which kind each file was "
    "taken for and exactly what to fix. Exit 0 when every file is valid."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, help="files or folders to check (default: the data folder)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data folder holding lookups/ and indicators.yaml (default: the bundled data/)",
    )


def main(args: argparse.Namespace) -> int:
    from ..validation import validate_paths  # pandas: only when something is checked

    data_dir = args.data or default_data_dir()
    paths = args.paths or [data_dir]
    results = validate_paths(paths, data_dir)
    bad = 0
    for r in results:
        if r.skipped:
            continue
        if r.ok:
            print(f"ok      {r.path}  [{r.kind}]")
            for note in r.notes:
                print(f"    note: {note}")
        else:
            bad += 1
            kind = f"  [taken for: {r.kind}]" if r.kind else ""
            print(f"INVALID {r.path}{kind}\n{_indent(r.message)}", file=sys.stdout)
    checked = sum(not r.skipped for r in results)
    if not checked:
        print("No data files found to check.", file=sys.stderr)
        return 2
    print(
        f"{checked - bad} of {checked} files valid." + (" Fix the problems above." if bad else "")
    )
    return 1 if bad else 0


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
