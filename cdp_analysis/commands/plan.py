"""``cdp-analysis plan new --area CODE``: write a plan file to fill in, from the catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CdpError

HELP = (
    "Plans: 'plan new --area CODE' writes a commented plan file from the measures catalogue "
    "(priorities, objectives, one target per measure to fill in) that loads as it is."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="plan_command", metavar="ACTION")
    sub.required = True
    new = sub.add_parser("new", help="write a plan file to fill in for one area")
    new.add_argument("--area", required=True, metavar="CODE", help="area code, e.g. E10000014")
    new.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="file to write (default: plan_CODE.yaml in the current folder; never overwritten)",
    )
    new.add_argument(
        "--data", type=Path, default=None, metavar="DIR", help="data folder (default data/)"
    )


def main(args: argparse.Namespace) -> int:
    from ..areas import area
    from ..paths import default_data_dir
    from ..plan.catalogue import INDICATORS_FILE, load_indicators
    from ..plan.template import plan_template

    data_dir = args.data or default_data_dir()
    row = area(args.area, data_dir)
    out = args.out or Path(f"plan_{args.area}.yaml")
    if out.exists():
        raise CdpError(f"{out} already exists: give another --out, or move the file away first.")
    text = plan_template(args.area, row["area_name"], load_indicators(data_dir / INDICATORS_FILE))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stdout)
    print(f"Next: fill it in, then 'cdp-analysis validate {out}' and "
          f"'cdp-analysis run --area {args.area} --plan {out}'.")  # fmt: skip
    return 0
