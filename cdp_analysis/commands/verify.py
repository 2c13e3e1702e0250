"""``cdp-analysis verify PACK``: check that a pack and its inputs are unchanged since the build."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = (
    "Check a pack against its manifest: the manifest's own SHA-256, every page, image and "
    "CSV of the pack, and every input file. Exit 0 when nothing changed."
)


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
    for label, entries in (
        ("changed", check.changed),
        ("missing", check.missing),
        ("added", check.added),
    ):
        for path, what in entries:
            print(f"{label}: {path}" + (" (input)" if what == "input" else ""))
    if check.ok:
        print(
            f"The pack and its inputs match the manifest of {args.pack} "
            f"({check.checked} files checked)."
        )
        return 0
    entries = check.changed + check.missing + check.added
    n_pack = sum(w == "pack" for _, w in entries)
    n_input = len(entries) - n_pack
    if n_pack:
        print(
            f"{n_pack} file{'s' if n_pack != 1 else ''} of the pack {'differ' if n_pack != 1 else 'differs'} from its manifest: "
            "the pack was changed after it was built. Do not use it; re-run the report."
        )
    if n_input:
        print(
            f"{n_input} input file{'s' if n_input != 1 else ''} {'differ' if n_input != 1 else 'differs'} from the manifest of "
            f"{args.pack}: re-run the report to bring it up to date."
        )
    return 1
