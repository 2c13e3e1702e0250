"""Areas: England, regions and upper-tier local authorities (Fingertips area type 502).

The lookup ``data/lookups/areas.csv`` lists the 152 English upper-tier local authorities
(counties, unitary authorities, metropolitan districts, London boroughs) on the May 2022
boundaries used by the bundled ONS edition, with their region. Comparator areas default to the
other upper-tier authorities of the same region; ``data/lookups/comparators.csv`` can name a
different list for an area (e.g. CIPFA nearest neighbours), and callers can pass their own.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path

import pandas as pd

from .errors import CdpError, InputError, Problem
from .paths import default_data_dir
from .text_files import decode_utf8
from .tidy import ENGLAND, REGION, UTLA

LOOKUP_COLUMNS = ["area_code", "area_name", "area_type", "parent_code", "parent_name"]


KIND = "area lookup"
FIX = (
    "restore data/lookups/areas.csv from the project, or keep its columns "
    f"({', '.join(LOOKUP_COLUMNS)}), UTF-8 text and one row per area"
)
_CODE_RE = r"^[EWSNK]\d{8}$"


@cache
def _read_lookup(path: Path) -> pd.DataFrame:
    """Read and check the area lookup; InputError naming rows, column and fix otherwise."""
    if not path.is_file():
        raise InputError(path, "the area lookup is missing", kind=KIND, fix=FIX)
    text = decode_utf8(path.read_bytes(), path, KIND, empty_fix=FIX)
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in LOOKUP_COLUMNS if c not in header]
    if missing:
        extra = [h for h in header if h not in LOOKUP_COLUMNS]
        found = f"; found instead: {', '.join(repr(h) for h in extra)}" if extra else ""
        raise InputError(
            path,
            Problem(
                f"column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(c) for c in missing)} missing{found}",
                rows=[1], expected=f"columns {', '.join(LOOKUP_COLUMNS)}",
            ),
            kind=KIND, fix=FIX,
        )  # fmt: skip
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if r]
    if not body:
        raise InputError(
            path, Problem("the file has a header but no areas", rows=[1]), kind=KIND, fix=FIX
        )
    problems = []
    short = [n for n, r in body if len(r) != len(header)]
    if short:
        problems.append(
            Problem(
                "fewer fields than the header (the file may be truncated)"
                if all(len(r) < len(header) for n, r in body if n in short)
                else "a different number of fields from the header",
                rows=short, expected=f"{len(header)} fields",
            )
        )  # fmt: skip
        raise InputError(path, problems, kind=KIND, fix=FIX)
    df = pd.DataFrame([r for _, r in body], columns=header).map(str.strip)
    df.index = [n for n, _ in body]
    for col in LOOKUP_COLUMNS:
        blank = df[col].eq("")
        if col in {"parent_code", "parent_name"}:
            blank &= df["area_type"].ne(ENGLAND)
        if blank.any():
            problems.append(
                Problem("empty", rows=df.index[blank].tolist(), column=col, expected="a value")
            )
    bad_code = df["area_code"].ne("") & ~df["area_code"].str.match(_CODE_RE)
    if bad_code.any():
        problems.append(
            Problem(
                "not a GSS area code", rows=df.index[bad_code].tolist(), column="area_code",
                expected="9 characters such as E06000044",
            )
        )  # fmt: skip
    bad = ~df["area_type"].isin([ENGLAND, REGION, UTLA])
    if bad.any():
        problems.append(
            Problem(
                "unknown area type", rows=df.index[bad].tolist(), column="area_type",
                expected=f"one of {ENGLAND}, {REGION}, {UTLA}",
            )
        )  # fmt: skip
    dup = df["area_code"].ne("") & df["area_code"].duplicated(keep=False)
    if dup.any():
        problems.append(
            Problem(
                "duplicate area code", rows=df.index[dup].tolist(), column="area_code",
                expected="each area listed once",
            )
        )  # fmt: skip
    if problems:
        raise InputError(path, problems, kind=KIND, fix=FIX)
    return df.reset_index(drop=True)


def lookup(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The area lookup table (a copy)."""
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return _read_lookup((base / "lookups" / "areas.csv").resolve()).copy()


def upper_tier_codes(data_dir: str | Path | None = None) -> list[str]:
    """Codes of every English upper-tier local authority in the lookup, in lookup order,
    except old codes whose figures are carried to a new code (``area_changes.csv``: e.g.
    North Yorkshire county E10000023, now E06000065). A split area (Cumbria) stays: its
    figures cover the periods before its successors existed."""
    df = lookup(data_dir)
    gone = set(_superseded(data_dir))
    return [c for c in df.loc[df["area_type"] == UTLA, "area_code"] if c not in gone]


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
    gone = set(_superseded(data_dir))
    return [c for c in same["area_code"] if c != code and c not in gone]


# ------------------------------------------------------------------ boundary changes (April 2023)

#: Columns of ``data/lookups/area_changes.csv``: one row per (old code, new code) pair.
#: ``old_figures`` says what happens to figures published on the old code: ``carried`` (the
#: area kept its boundary, or changed it only slightly: its figures are shown under the new
#: code) or ``none`` (the area was split or merged: the old figures cover a different area,
#: and age-standardised rates cannot be split, so the new area has no figure before its
#: creation).
CHANGE_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "changed", "change",
                  "old_figures"]  # fmt: skip
CHANGES_KIND = "area changes lookup"


@cache
def _read_changes(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    text = decode_utf8(
        path.read_bytes(),
        path,
        CHANGES_KIND,
        empty_fix="restore data/lookups/area_changes.csv from the project",
    )
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in CHANGE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            path,
            Problem(f"column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                    "missing", rows=[1], expected=f"columns {', '.join(CHANGE_COLUMNS)}"),
            kind=CHANGES_KIND, fix="restore data/lookups/area_changes.csv from the project",
        )  # fmt: skip
    bad = ~df["old_figures"].isin(["carried", "none"])
    if bad.any():
        raise InputError(
            path,
            Problem("not 'carried' or 'none'", rows=(df.index[bad] + 2).tolist(),
                    column="old_figures", expected="carried or none"),
            kind=CHANGES_KIND, fix="say whether figures on the old code carry to the new one",
        )  # fmt: skip
    return df[CHANGE_COLUMNS]


def changes(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The documented mapping from old area codes to new ones (``area_changes.csv``; empty
    when the data folder has none)."""
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return _read_changes((base / "lookups" / "area_changes.csv").resolve()).copy()


def _superseded(data_dir: str | Path | None = None) -> list[str]:
    """Old codes whose figures are carried to a new code (they have no rows of their own)."""
    ch = changes(data_dir)
    return ch.loc[ch["old_figures"] == "carried", "old_code"].tolist()


def created_codes(data_dir: str | Path | None = None) -> list[str]:
    """Codes of areas created by a boundary change (not on the May 2022 boundaries)."""
    return list(dict.fromkeys(changes(data_dir)["new_code"]))


def map_to_current(table: pd.DataFrame, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Rows of a tidy table on old codes whose figures carry over (``old_figures`` =
    ``carried``), moved to the new code and name; every other row unchanged. E.g. the ONS
    2021 edition's North Yorkshire county (E10000023) becomes the unitary E06000065, and
    Barnsley E08000016 becomes E08000038. Cumbria (E10000006) stays as it is: it was split."""
    ch = changes(data_dir)
    carried = ch[ch["old_figures"] == "carried"]
    if carried.empty or table.empty:
        return table
    new_code = dict(zip(carried["old_code"], carried["new_code"], strict=True))
    new_name = dict(zip(carried["old_code"], carried["new_name"], strict=True))
    hit = table["area_code"].isin(new_code)
    if not hit.any():
        return table
    out = table.copy()
    out.loc[hit, "area_name"] = out.loc[hit, "area_code"].map(new_name)
    out.loc[hit, "area_code"] = out.loc[hit, "area_code"].map(new_code)
    return out


def history_note(code: str, data_dir: str | Path | None = None) -> str:
    """One sentence on how a new or recoded area relates to the old codes, or "".

    e.g. "Cumberland (E06000063) was created on 1 April 2023 (Cumbria county abolished; ...).
    Figures published for Cumbria (E10000006) on the earlier boundaries cover a different
    area and cannot be split, so there is no figure for Cumberland before its creation."
    """
    ch = changes(data_dir)
    rows = ch[ch["new_code"] == code]
    if rows.empty:
        old = ch[ch["old_code"] == code]
        if old.empty:
            return ""
        r = old.iloc[0]
        successors = ", ".join(
            f"{n} ({c})" for n, c in zip(old["new_name"], old["new_code"], strict=True)
        )
        return (
            f"{r['old_name']} ({code}) was replaced on {_date_words(r['changed'])} by "
            f"{successors}: its figures cover the boundaries before then."
        )
    r = rows.iloc[0]
    when = _date_words(r["changed"])
    olds = ", ".join(f"{n} ({c})" for n, c in zip(rows["old_name"], rows["old_code"], strict=True))
    if (rows["old_figures"] == "carried").all():
        return (
            f"{r['new_name']} ({code}) took this code on {when} ({r['change']}): figures "
            f"published for {olds} before then are shown under the new code."
        )
    return (
        f"{r['new_name']} ({code}) was created on {when} ({r['change']}). Figures published "
        f"for {olds} on the earlier boundaries cover a different area and cannot be split "
        f"(rates are age-standardised), so there is no figure for {r['new_name']} before "
        "its creation."
    )


def _date_words(iso: str) -> str:
    d = pd.Timestamp(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"
