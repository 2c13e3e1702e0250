"""``cdp-analysis run``: execute the report notebooks and publish each area's HTML pack."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..paths import default_data_dir, default_output_dir, notebooks_dir

HELP = "Run the report notebooks and publish each area's quarterly HTML pack."

DEFAULT_AREA = "E06000044"  # Portsmouth, the partnership the project started with


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--area",
        action="extend",
        nargs="+",
        metavar="CODE",
        help=f"upper-tier local authority code(s) (default {DEFAULT_AREA})",
    )
    where.add_argument(
        "--all-areas",
        action="store_true",
        help="every English upper-tier local authority in the area lookup",
    )
    parser.add_argument(
        "--quarter",
        default="latest",
        help="reporting quarter, e.g. 2025-26Q4, or 'latest' in the data (default latest)",
    )
    parser.add_argument(
        "--data", type=Path, default=None, metavar="DIR", help="data folder (default data/)"
    )
    parser.add_argument(
        "--targets",
        type=Path,
        default=None,
        metavar="FILE",
        help="targets file (default DATA/targets.yaml)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output folder (default outputs/)"
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        metavar="DIR",
        help="report notebooks folder (default notebooks/)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes, each with one warm kernel (default: min(2, CPU count))",
    )
    parser.add_argument(
        "--comparators",
        action="extend",
        nargs="+",
        metavar="CODE",
        help="comparator areas for the 'similar areas' charts and ranks (default: the other "
        "upper-tier LAs of the area's region, or data/lookups/comparators.csv)",
    )
    parser.add_argument(
        "--zip", action="store_true", help="also write <quarter>.zip beside each pack, for email"
    )


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it."""
    try:
        return (
            os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
        )
    except ValueError:  # another drive on Windows
        return str(path)


def _stop_on_sigterm() -> None:
    """Treat SIGTERM (a cancelled CI job, ``kill``) like Ctrl-C, so the run stops its workers
    and removes its unfinished build folders; published packs are never touched."""
    import signal
    import threading

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if hasattr(signal, "SIGTERM") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def main(args: argparse.Namespace) -> int:
    from ..errors import CdpError
    from ..report import RunOptions, run
    from ..report.runner import area_codes

    if args.workers is not None and args.workers < 1:
        raise CdpError("--workers must be 1 or more.")
    data = args.data or default_data_dir()
    options = RunOptions(
        areas=area_codes(
            args.area or ([] if args.all_areas else [DEFAULT_AREA]), args.all_areas, data
        ),
        quarter=args.quarter,
        data_dir=data,
        targets_file=args.targets or (data / "targets.yaml"),
        out_dir=args.out or default_output_dir(),
        notebooks_dir=args.notebooks or notebooks_dir(),
        workers=args.workers,
        zip=args.zip,
        comparators=args.comparators,
    )
    _stop_on_sigterm()
    result = run(options)
    for p in result.packs:
        if not p.ok:
            names = ", ".join(f.name for f in p.failures)
            print(
                f"{p.area_code}: {len(p.failures)} section(s) could not be produced: {names}",
                file=sys.stderr,
            )
    if len(result.packs) == 1:
        p = result.packs[0]
        state = "Pack written" if p.ok else "Pack written, INCOMPLETE"
        print(f"{state}: {_shown(p.index)}")
        if p.zip_path:
            print(f"Zip written: {_shown(p.zip_path)}")
    else:
        bad = [p for p in result.packs if not p.ok]
        where = _shown(Path(options.out_dir).resolve())
        print(
            f"Packs written: {len(result.packs)} areas ({len(bad)} incomplete) in {where}, "
            f"e.g. {_shown(result.packs[0].index)} ({result.seconds:.0f} s)"
        )
    return 0 if result.ok else 1
