"""Areas: England, regions and upper-tier local authorities (Fingertips area type 502).

The lookup ``data/lookups/areas.csv`` lists the 152 English upper-tier local authorities
(counties, unitary authorities, metropolitan districts, London boroughs) on the May 2022
boundaries used by the bundled ONS edition, with their region. Comparator areas default to the
other upper-tier authorities of the same region; ``data/lookups/comparators.csv`` can name a
different list for an area (e.g. CIPFA nearest neighbours), and callers can pass their own.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from .errors import CdpError, InputError, Problem
from .paths import default_data_dir
from .tidy import ENGLAND, ENGLAND_CODE, REGION, UTLA

LOOKUP_COLUMNS = ["area_code", "area_name", "area_type", "parent_code", "parent_name"]


@cache
def _read_lookup(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "the area lookup is missing", fix="restore data/lookups/areas.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in LOOKUP_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            path, Problem(f"missing columns {missing}", expected=f"columns {LOOKUP_COLUMNS}")
        )
    bad = ~df["area_type"].isin([ENGLAND, REGION, UTLA])
    if bad.any():
        raise InputError(
            path,
            Problem(
                "unknown area type",
                rows=(df.index[bad] + 2).tolist(),
                column="area_type",
                expected=f"one of {ENGLAND}, {REGION}, {UTLA}",
            ),
        )
    dup = df["area_code"].duplicated(keep=False)
    if dup.any():
        raise InputError(
            path,
            Problem("duplicate area code", rows=(df.index[dup] + 2).tolist(), column="area_code"),
        )
    return df


def lookup(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The area lookup table (a copy)."""
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return _read_lookup((base / "lookups" / "areas.csv").resolve()).copy()


def upper_tier_codes(data_dir: str | Path | None = None) -> list[str]:
    """Codes of every English upper-tier local authority in the lookup, in lookup order."""
    df = lookup(data_dir)
    return df.loc[df["area_type"] == UTLA, "area_code"].tolist()


def area(code: str, data_dir: str | Path | None = None) -> dict[str, str]:
    """One area's row as a dict; CdpError naming close matches when the code is unknown."""
    df = lookup(data_dir)
    hit = df[df["area_code"] == code]
    if hit.empty:
        by_name = df[df["area_name"].str.lower() == str(code).lower()]
        hint = (
            f" Did you mean {by_name.iloc[0]['area_code']} ({by_name.iloc[0]['area_name']})?"
            if not by_name.empty
            else " Area codes look like E06000044 (Portsmouth); see data/lookups/areas.csv."
        )
        raise CdpError(f"Unknown area code '{code}'.{hint}")
    return hit.iloc[0].to_dict()


def comparators(
    code: str, data_dir: str | Path | None = None, override: list[str] | None = None
) -> list[str]:
    """Comparator areas for ``code``: ``override`` if given, else the comparators file's
    list for the area if it has one, else the other upper-tier LAs of the same region."""
    if override:
        for c in override:
            area(c, data_dir)
        return [c for c in override if c != code]
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    comp_file = base / "lookups" / "comparators.csv"
    if comp_file.is_file():
        comp = pd.read_csv(comp_file, dtype=str, keep_default_na=False)
        listed = comp.loc[comp["area_code"] == code, "comparator_code"].tolist()
        if listed:
            return listed
    me = area(code, data_dir)
    df = lookup(data_dir)
    same = df[(df["area_type"] == UTLA) & (df["parent_code"] == me["parent_code"])]
    return [c for c in same["area_code"] if c != code]


def england_code() -> str:
    return ENGLAND_CODE
