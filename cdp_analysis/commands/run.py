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
        "--plan",
        "--targets",
        dest="targets",
        type=Path,
        default=None,
        metavar="FILE",
        help="plans file, e.g. one written by 'plan new' (default DATA/targets.yaml; an area "
        "with no plan there, nor in DATA/plans/CODE.yaml, is compared with England only)",
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
        "--jobs",
        "--workers",
        dest="workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes building at once, each with one warm kernel; the areas' "
        "notebooks are shared among them (default: the number of usable CPUs; 1: one "
        "notebook at a time)",
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
        "--quiet",
        action="store_true",
        help="no progress on stderr (a bar on a terminal, else one line per finished area); "
        "warnings and the final line are still printed",
    )
    parser.add_argument(
        "--zip", action="store_true", help="also write <quarter>.zip beside each pack, for email"
    )
    parser.add_argument(
        "--summary-json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write a JSON summary of the run for a scheduler: per area built, "
        "incomplete or not built, why, pack path, verify result, timings (written even "
        "when the run stops on an error)",
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
        raise CdpError("--jobs must be 1 or more.")
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
        quiet=args.quiet,
        comparators=args.comparators,
    )
    _stop_on_sigterm()
    if args.summary_json is not None:
        return _run_with_summary(options, args.summary_json, args.quarter)
    return _report(run(options), options)


def _run_with_summary(options, path: Path, quarter: str) -> int:
    """:func:`run` and :func:`_report`, then the summary JSON (:mod:`..report.summary`),
    also when the run stops on an error or is interrupted."""
    import time

    from ..errors import CdpError
    from ..report import run
    from ..report import summary as run_summary
    from ..report.runner import RunRecord

    started, t0 = run_summary.now(), time.perf_counter()
    result, error, code = None, None, 2
    record = RunRecord()  # what was published before an error or interrupt
    try:
        result = run(options, record=record)
        code = _report(result, options)
    except CdpError as exc:
        error = str(exc)
        raise
    except KeyboardInterrupt:
        error, code = "interrupted", 130
        raise
    except Exception as exc:  # an internal error: the traceback follows, exit status 1
        error, code = f"internal error: {type(exc).__name__}: {exc}", 1
        raise
    finally:
        run_summary.write(
            path,
            run_summary.build(
                areas=options.areas,
                quarter_requested=quarter,
                started=started,
                seconds=time.perf_counter() - t0,
                result=result,
                record=record,
                error=error,
                exit_code=code,
                area_names=_names(options, record),
            ),
        )
    return code


def _names(options, record) -> dict[str, str]:
    """Area names for the summary of a run that stopped before it looked them up itself
    (codes not in the lookup get none)."""
    missing = [c for c in options.areas if c not in record.names]
    if not missing:
        return {}
    from ..areas import area
    from ..report.runner import lookup_base

    base, names = lookup_base(Path(options.data_dir)), {}
    for code in missing:
        try:
            names[code] = area(code, base)["area_name"]
        except Exception:  # an unknown code, an unreadable lookup: the summary still gets written
            pass
    return names


def _report(result, options) -> int:
    """Print what was written; the exit status (0 all packs complete, 1 any incomplete)."""
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
