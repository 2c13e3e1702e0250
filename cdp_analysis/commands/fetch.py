"""``cdp-analysis fetch``: download the plan's Fingertips indicators into the data folder.

By default it downloads every Fingertips indicator the catalogue (``data/indicators.yaml``)
names — measures with ``source: fingertips`` and any ``fingertips_id`` — plus 90244, 90245,
92447 and 92432, for upper-tier local authorities (area type 502) and England (15).

It writes, only after every answer has passed the checks of
:mod:`cdp_analysis.sources.fingertips_api` and the whole table those of
:func:`cdp_analysis.sources.fingertips.read_fingertips_csv`:

* ``<data>/fingertips/fingertips_api_<YYYY-MM-DD>.csv``: the CSV exactly as Fingertips sent
  it (one header, every request's rows), UTF-8 with a byte-order mark like a site download;
* ``<data>/fingertips/fingertips_api_<YYYY-MM-DD>.json``: where it came from (URLs, time,
  SHA-256 of the CSV, licence, indicator ids, row count).

Both files are written to temporary names and renamed into place, so a failure leaves no
partial file. A second fetch on the same day replaces that day's files. Answers are cached
for a day under ``<data>/cache/fingertips/``; ``--refresh`` downloads again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CdpError, FetchError, InputError
from ..paths import default_data_dir
from ..progress import Progress
from ..sources.api_defaults import ENGLAND_AREA_TYPE, UTLA_AREA_TYPE
from ..sources.api_defaults import FINGERTIPS_BASE_URL as DEFAULT_BASE_URL
from ..sources.api_defaults import FINGERTIPSNEXT_BASE_URL as NEXT_BASE_URL

if TYPE_CHECKING:
    import pandas as pd

# The readers and API clients (pandas, requests) are imported in main(): building the
# command line's parser for any subcommand, or --help, does not pay for them.

HELP = "Download the plan's Fingertips indicators (upper-tier LAs and England) into data/."

#: Always fetched: drug and alcohol treatment completions and deaths from drug misuse.
CORE_IDS = ("90244", "90245", "92447", "92432")
LICENCE = "Open Government Licence v3.0 (OHID Fingertips, https://fingertips.phe.org.uk/)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--indicators",
        nargs="+",
        metavar="ID",
        help="Fingertips indicator ids (default: every id in the catalogue, and "
        f"{', '.join(CORE_IDS)})",
    )
    parser.add_argument(
        "--data", type=Path, metavar="DIR", help="data folder (default: the bundled data/)"
    )
    parser.add_argument(
        "--refresh", action="store_true", help="download again even if a cached answer exists"
    )
    parser.add_argument(
        "--service",
        choices=["fingertips", "fingertipsnext"],
        default="fingertips",
        help="fingertips (the current API, default) or fingertipsnext (OHID's replacement; "
        "give its address with --base-url)",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help=f"API address (default {DEFAULT_BASE_URL} for fingertips, "
        f"{NEXT_BASE_URL} for fingertipsnext)",
    )
    parser.add_argument(
        "--child-area-type",
        type=int,
        metavar="ID",
        default=UTLA_AREA_TYPE,
        help=f"Fingertips area type id (default {UTLA_AREA_TYPE}: upper-tier LAs)",
    )
    parser.add_argument(
        "--parent-area-type",
        type=int,
        metavar="ID",
        default=ENGLAND_AREA_TYPE,
        help=f"parent area type id (default {ENGLAND_AREA_TYPE}: England)",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="save the download even if some indicators have no rows (they are listed)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="seconds to wait for each answer (120)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress on stderr (a bar on a terminal, else one line per request)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="CSV to write (default: DIR/fingertips/fingertips_api_<YYYY-MM-DD>.csv)",
    )


def catalogue_ids(data_dir: Path) -> list[str]:
    """Fingertips ids named in ``<data_dir>/indicators.yaml`` (none if it is absent)."""
    path = data_dir / "indicators.yaml"
    if not path.is_file():
        return []
    try:
        from ..plan import catalogue
    except ImportError:  # pragma: no cover - catalogue.py is part of the package
        catalogue = None
    if catalogue is not None and hasattr(catalogue, "load_indicators"):
        cat = catalogue.load_indicators(path)
        ids = [m.source_id for m in cat.measures if m.source == "fingertips"]
        ids += [m.fingertips_id for m in cat.measures if getattr(m, "fingertips_id", None)]
        return ids
    return _yaml_ids(path)


def _yaml_ids(path: Path) -> list[str]:
    """Fallback: ``fingertips_id`` keys, and ``source_id`` of ``source: fingertips``."""
    import yaml

    from .. import safe_yaml

    try:
        data = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
    except safe_yaml.YamlRefused as exc:
        raise InputError(path, f"refused: {exc.message}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not readable YAML: {safe_yaml.brief(str(exc))}") from None
    ids = []
    for m in data.get("measures", []) if isinstance(data, dict) else []:
        if not isinstance(m, dict):
            continue
        if m.get("fingertips_id"):
            ids.append(str(m["fingertips_id"]))
        if m.get("source") == "fingertips" and m.get("source_id"):
            ids.append(str(m["source_id"]))
    return ids


def main(args: argparse.Namespace) -> int:
    from ..sources.fingertips import read_fingertips_csv
    from ..sources.fingertips_api import (
        FingertipsClient,
        default_cache_dir,
        normalise_ids,
        write_atomic,
    )
    from ..sources.fingertipsnext import FingertipsNextClient

    data_dir = Path(args.data) if args.data else default_data_dir()
    ids = normalise_ids(args.indicators or [*CORE_IDS, *catalogue_ids(data_dir)])
    lookup_dir = data_dir if (data_dir / "lookups" / "areas.csv").is_file() else None
    service = getattr(args, "service", "fingertips")
    today = date.today().isoformat()
    with Progress(len(ids), "indicator", quiet=getattr(args, "quiet", False)) as progress:
        if service == "fingertipsnext":
            nxt = FingertipsNextClient(args.base_url or NEXT_BASE_URL, timeout=(15.0, args.timeout))
            text = nxt.fetch_csv(
                ids, on_indicator=lambda i, rows: progress.advance(f"{i}: {rows:,} rows")
            )
            dl = None
            urls, from_cache, retrieved = nxt.urls, [False] * len(nxt.urls), today
            source = "OHID FingertipsNext API, indicators/{indicator_id}/data"
        else:
            client = FingertipsClient(
                base_url=args.base_url or DEFAULT_BASE_URL,
                cache_dir=default_cache_dir(data_dir),
                timeout=(15.0, args.timeout),
                refresh=args.refresh,
                progress=False,  # counted by ``progress`` instead
                data_dir=lookup_dir,
            )
            dl = client.fetch_csv(
                ids,
                args.child_area_type,
                args.parent_area_type,
                allow_missing=args.allow_missing,
                on_chunk=lambda chunk, rows, hit: progress.advance(
                    _chunk_line(chunk, rows, hit), len(chunk)
                ),
            )
            text, urls, from_cache, retrieved = dl.text, dl.urls, dl.from_cache, dl.retrieved_at
            source = "OHID Fingertips API, all_data/csv/by_indicator_id"
    out = args.output or data_dir / "fingertips" / f"fingertips_api_{today}.csv"
    body = text.encode("utf-8")
    try:
        table = read_fingertips_csv(body, name=out.name, data_dir=lookup_dir)
    except InputError as exc:  # every chunk passed; the combined table should too
        raise FetchError(f"The combined download is not a valid Fingertips table:\n{exc}") from None

    got = sorted(table["indicator_id"].unique(), key=int)
    meta = {
        "source": source,
        "service": service,
        "licence": LICENCE,
        "retrieved_at": retrieved,
        "urls": urls,
        "from_cache": from_cache,
        "child_area_type_id": args.child_area_type,
        "parent_area_type_id": args.parent_area_type,
        "indicator_ids_requested": ids,
        "indicator_ids_received": got,
        "rows": len(table),
        "csv": out.name,
        "csv_sha256": hashlib.sha256(b"\xef\xbb\xbf" + body).hexdigest(),
    }
    side = out.with_suffix(".json")
    try:
        write_atomic(out, b"\xef\xbb\xbf" + body)
        write_atomic(side, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        raise CdpError(f"Could not write {out}: {exc}") from None

    print(f"Wrote {out} ({len(table):,} rows) and {side.name}.")
    print(_summary(table))
    if dl is not None and dl.missing:
        print(f"No rows for: {', '.join(dl.missing)} (left out; --allow-missing was given).")
    return 0


def _chunk_line(ids: list[str], rows: int, from_cache: bool) -> str:
    """The progress line of one request (up to 100 indicators)."""
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f"{shown}: {rows:,} rows{' (from cache)' if from_cache else ''}"


def _summary(table: pd.DataFrame) -> str:
    """One line per indicator: areas, periods, latest period."""
    import pandas as pd

    g = table.groupby("indicator_id", sort=False)
    s = pd.DataFrame(
        {
            "areas": g["area_code"].nunique(),
            "periods": g["period_label"].nunique(),
            "first": g["period_start"].min().dt.date,
            "last": g["period_end"].max().dt.date,
        }
    )
    s = s.loc[sorted(s.index, key=int)]
    return "\n".join(
        f"  {i}: {r.areas} areas, {r.periods} periods, {r.first} to {r.last}"
        for i, r in s.iterrows()
    )
