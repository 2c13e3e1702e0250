"""The ``cdp-analysis`` command line.

Subcommands: ``run`` (the quarterly pack), ``validate`` (check input files), ``fetch``
(download Fingertips indicators), ``demo-data`` (regenerate the synthetic demo set) and
``verify`` (re-check a pack's input hashes) and ``plan new`` (a plan file to fill in). Problems the user can fix are printed as one
clear message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import CdpError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cdp-analysis",
        description="Quarterly Combating Drugs Partnership reports from published and local data.",
    )
    p.add_argument("--version", action="version", version=f"cdp-analysis {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in _COMMANDS.items():
        mod = __import__(f"cdp_analysis.{module}", fromlist=["add_arguments"])
        sp = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(sp)
        sp.set_defaults(_handler=mod.main)
    return p


#: Each subcommand lives in a module exposing HELP, add_arguments(parser) and main(args) -> int.
_COMMANDS: dict[str, str] = {
    "run": "commands.run",
    "verify": "commands.verify",
    "validate": "commands.validate",
    "fetch": "commands.fetch",
    "demo-data": "commands.demo_data",
    "plan": "commands.plan",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args._handler(args) or 0)
    except CdpError as exc:
        print(f"cdp-analysis {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cdp-analysis {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
