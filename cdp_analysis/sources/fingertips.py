"""Fingertips (OHID) CSV exports -> the tidy indicator table.

Two readers:

* :func:`read_fingertips_csv` reads a Fingertips "all data" CSV as downloaded from the site or
  from the API (``/api/all_data/csv/by_indicator_id``): 27 columns, UTF-8 (with or without a
  byte-order mark). Columns are found **by name, never by position**; the order may change.
* :func:`read_compiled_extract` reads ``data/fingertips/fingertips_psychty_walkthrough_2020_
  extract.csv``, a third-party compilation of January 2020 Fingertips values (see its
  ``PROVENANCE.md``).

Columns of a Fingertips export
------------------------------
Read (required): ``Indicator ID``, ``Area Code``, ``Area Name``, ``Area Type``, ``Sex``,
``Age``, ``Category Type``, ``Category``, ``Time period``, ``Value``, ``Lower CI 95.0 limit``,
``Upper CI 95.0 limit``, ``Lower CI 99.8 limit``, ``Upper CI 99.8 limit``, ``Count``,
``Denominator``, ``Value note``. Read when present: ``Time period range`` (``1y``, ``3y``,
``12m``, ``1q``...; it decides whether a quarter label is the quarter alone or the rolling
12 months ending there, and is checked against the label's length).

Ignored on purpose (they are derived or presentational, and their names change with the
parent area type, e.g. ``Compared to Regions (statistical) value or percentiles``):
``Indicator Name``, ``Parent Code``, ``Parent Name``, ``Recent Trend``, every ``Compared to
...`` column, ``Column not used``, ``Time period Sortable``, ``New data``, and any column
not named above. The project computes comparisons and trends itself (``cdp_analysis.stats``).

Mapping to the tidy table
-------------------------
* ``indicator_id`` = the Indicator ID as text (``"90245"``).
* ``area_type``: ``England`` -> ``England``; ``Region`` / ``Regions (statistical)`` ->
  ``Region``; upper-tier local authorities (``UA``, ``County``, ``Counties & UAs (from Apr
  2023)``, ``Upper tier local authorities (post 4/23)`` and the other area type 102/202/302/
  402/502 names) -> ``UTLA``. Any other area type (``District``, ``CCG``, ``ICBs``...) is kept
  with its own Fingertips name, so nothing is lost; the assessments use only the three above.
* ``sex`` and ``age`` as published (``Persons``, ``18+ yrs``).
* ``category`` = ``"<Category Type>: <Category>"`` (e.g. ``"County & UA deprivation deciles
  in England (IMD2019, 4/23 geography): Most deprived decile"``), the Category alone when
  there is no type, ``""`` when the row has no category.
* ``period_start``/``period_end`` from :func:`cdp_analysis.periods.parse_period`.
* ``value_note`` as published. ``source`` = ``"Fingertips (OHID) <file name>"``; but a row whose
  ``Value note`` contains "synthetic demo data" gets ``"synthetic demo data (<file name>)"``
  (the project's own demo files mark themselves this way; real Fingertips notes such as
  "Value is modelled or synthetic estimate" are not demo data).

Checks (all problems are collected, then raised together as one
:class:`~cdp_analysis.errors.InputError` with CSV line numbers, header = line 1): the file is
UTF-8 and not empty; required columns are present (a column differing only in case or spacing
is named as the likely rename); no row is short of fields (a truncated file); the ID, area,
sex, age and period fields are not empty; Indicator ID is a whole number; Value, limits, Count
and Denominator are numbers or empty; counts and denominators are not negative; count is not
above denominator; the 95% and 99.8% limits bracket the value; the time period parses, matches
its range and has ended by today; no two rows share indicator, area, sex, age, category and
period; England, region and upper-tier area codes are in ``data/lookups/areas.csv`` (or are
former/new upper-tier codes listed in :data:`BOUNDARY_CHANGE_CODES`) with the same area type.
Other geographies are not checked against the lookup. Line numbers assume no line break inside
a quoted field (Fingertips exports have none).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from .. import areas, tidy
from ..errors import InputError, Problem
from ..periods import parse_period
from ..text_files import decode_utf8
from . import schemas

KIND = "Fingertips CSV export"
COMPILED_KIND = "compiled Fingertips extract"

#: Fingertips export column -> tidy column, for every column the reader needs.
COLUMNS: dict[str, str] = {
    "Indicator ID": "indicator_id",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "period_label",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_95",
    "Upper CI 95.0 limit": "upper_95",
    "Lower CI 99.8 limit": "lower_99_8",
    "Upper CI 99.8 limit": "upper_99_8",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
}
#: Read when present.
RANGE_COLUMN = "Time period range"

#: English upper-tier local authority codes that are valid in Fingertips data but absent from
#: the May 2022 area lookup, or present there but since retired: code -> (name, what happened).
#: Source: ONS Code History Database / local government reorganisation orders.
BOUNDARY_CHANGE_CODES: dict[str, tuple[str, str]] = {
    "E06000048": ("Northumberland", "replaced by E06000057 (boundary change, April 2013)"),
    "E08000020": ("Gateshead", "replaced by E08000037 (boundary change, April 2013)"),
    "E06000028": ("Bournemouth", "merged into E06000058 (April 2019)"),
    "E06000029": ("Poole", "merged into E06000058 (April 2019)"),
    "E10000009": ("Dorset", "county replaced by unitary E06000059 (April 2019)"),
    "E10000002": ("Buckinghamshire", "county replaced by unitary E06000060 (April 2020)"),
    "E10000021": ("Northamptonshire", "split into E06000061 and E06000062 (April 2021)"),
    "E10000006": ("Cumbria", "split into E06000063 and E06000064 (April 2023)"),
    "E10000023": ("North Yorkshire", "county replaced by unitary E06000065 (April 2023)"),
    "E10000027": ("Somerset", "county replaced by unitary E06000066 (April 2023)"),
    "E06000063": ("Cumberland", "new unitary from April 2023"),
    "E06000064": ("Westmorland and Furness", "new unitary from April 2023"),
    "E06000065": ("North Yorkshire", "new unitary from April 2023"),
    "E06000066": ("Somerset", "new unitary from April 2023"),
}

_NUMERIC = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "count", "denominator"]
_NOT_EMPTY = ["indicator_id", "area_code", "area_name", "area_type", "sex", "age", "period_label"]
_CHECKED_TYPES = [tidy.ENGLAND, tidy.REGION, tidy.UTLA]

_REGION_RE = re.compile(r"^(region|regions \(statistical\)|government office regions?)$")
_UTLA_RE = re.compile(
    r"^(ua|county|unitary authorit(y|ies)|counties (&|and) uas\b.*"
    r"|upper[ -]tier local authorit(y|ies)\b.*|county (&|and) ua\b.*)$"
)
_RANGE_RE = re.compile(r"^\s*(\d+)\s*([ymq])\s*$", re.IGNORECASE)
_MONTHS_PER_UNIT = {"y": 12, "m": 1, "q": 3}

_UTF8_FIX = (
    "re-save it as UTF-8: in Excel use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; "
    "in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'; or download the "
    "file from Fingertips again (downloads are UTF-8) rather than editing it"
)


# --------------------------------------------------------------------------- public API


def read_fingertips_csv(
    path_or_buffer: str | Path | bytes | IO[bytes] | IO[str],
    *,
    name: str | None = None,
    data_dir: str | Path | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Read a Fingertips CSV export and return it as a validated tidy table.

    ``path_or_buffer`` is a path, the file's bytes, or an open binary or text stream.
    ``name`` is the file name shown in messages and in ``source`` (default: the path's file
    name). ``data_dir`` is the folder holding ``lookups/areas.csv`` (default: the bundled
    ``data/``). ``today`` is the date after which a period counts as in the future (default:
    today). Raises :class:`InputError` listing every problem found.
    """
    raw, file, label = _load(path_or_buffer, name)
    text = _decode(raw, file, KIND)
    table = _parse(text, file, KIND)
    _require_columns(table.columns, list(COLUMNS), file, KIND)

    df = _strip(table[list(COLUMNS)].rename(columns=COLUMNS))
    df["period_range"] = (
        _strip(table[[RANGE_COLUMN]])[RANGE_COLUMN] if RANGE_COLUMN in table else ""
    )
    df["area_type"] = map_area_type(df["area_type"])
    has_cat = df["category"] != ""
    with_type = df["category_type"] != ""
    df["category"] = np.where(
        has_cat & with_type,
        df["category_type"] + ": " + df["category"],
        np.where(has_cat, df["category"], ""),
    )
    synthetic = df["value_note"].str.contains(tidy.SYNTHETIC, case=False, regex=False)
    df["source"] = np.where(synthetic, f"{tidy.SYNTHETIC} ({label})", f"Fingertips (OHID) {label}")

    names = {tidy_col: src for src, tidy_col in COLUMNS.items()} | {"period_range": RANGE_COLUMN}
    out = _validate(df, file, KIND, names, data_dir=data_dir, today=today)
    return _with_edition(out, label)


_DOWNLOAD_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _with_edition(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Real rows' ``source`` naming the indicator, the edition (the latest period the file
    gives for it: Fingertips files carry no publication date) and, for a dated download
    (``fingertips_api_<YYYY-MM-DD>.csv``), the download date: e.g. ``Fingertips (OHID)
    92432, data to 2022 - 24 (fingertips_api_2026-12-07.csv, downloaded 2026-12-07)``."""
    if df.empty:
        return df
    real = ~tidy.is_synthetic(df["source"])
    if not real.any():
        return df
    latest = df.loc[real].sort_values("period_end").groupby("indicator_id")["period_label"].last()
    m = _DOWNLOAD_RE.search(label)
    where = f"{label}, downloaded {m[1]}" if m and label.startswith("fingertips_api_") else label
    df.loc[real, "source"] = (
        "Fingertips (OHID) " + df.loc[real, "indicator_id"] + ", data to "
        + df.loc[real, "indicator_id"].map(latest) + f" ({where})"
    )  # fmt: skip
    return df


def looks_like_fingertips_csv(path: str | Path) -> bool:
    """True when the file's header looks like a Fingertips export (a cheap sniff: the first
    line holds ``Indicator ID``, ``Area Code``, ``Time period`` and ``Value``, compared
    ignoring case and spacing so that a damaged export is still recognised and then
    explained by :func:`read_fingertips_csv`)."""
    header = {_norm(c) for c in _sniff_header(path)}
    return {"indicatorid", "areacode", "timeperiod", "value"} <= header


#: Columns of the compiled extract -> tidy columns.
COMPILED_COLUMNS: dict[str, str] = {
    "indicator_id": "indicator_id",
    "time_period": "period_label",
    "area_name": "area_name",
    "area_code_added_by_compiler": "area_code",
    "value": "value",
    "lower_ci_95": "lower_95",
    "upper_ci_95": "upper_95",
    "count": "count",
    "denominator": "denominator",
}

#: Sex and age of the indicators in the compiled extract (from the Fingertips indicator
#: definitions; the extract does not carry them).
COMPILED_BREAKDOWNS: dict[str, tuple[str, str]] = {
    "90245": (tidy.PERSONS, "18+ yrs"),  # Successful completion of drug treatment - non-opiate
    "91414": (tidy.PERSONS, "All ages"),  # Admission episodes for alcohol-related conditions
}


#: Area codes the compiler left empty, by area name (the county council area of
#: Northamptonshire, abolished April 2021; see :data:`BOUNDARY_CHANGE_CODES`).
COMPILED_MISSING_CODES: dict[str, str] = {"Northamptonshire": "E10000021"}


def read_compiled_extract(
    path: str | Path,
    *,
    data_dir: str | Path | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Read the compiled January 2020 Fingertips extract and return a validated tidy table.

    ``area_type`` comes from the area lookup (and :data:`BOUNDARY_CHANGE_CODES`). The one
    empty ``area_code_added_by_compiler`` (Northamptonshire, a county abolished in 2021) is
    filled from :data:`COMPILED_MISSING_CODES` by exact area name; any other empty code is an
    error. Sex and age come from :data:`COMPILED_BREAKDOWNS`.
    """
    raw, file, label = _load(path, None)
    text = _decode(raw, file, COMPILED_KIND)
    table = _parse(text, file, COMPILED_KIND)
    _require_columns(table.columns, list(COMPILED_COLUMNS), file, COMPILED_KIND)

    df = _strip(table[list(COMPILED_COLUMNS)].rename(columns=COMPILED_COLUMNS))
    fill = (df["area_code"] == "") & df["area_name"].isin(COMPILED_MISSING_CODES)
    df.loc[fill, "area_code"] = df.loc[fill, "area_name"].map(COMPILED_MISSING_CODES)

    df["area_type"] = df["area_code"].map(known_area_codes(data_dir))
    unknown = df["area_type"].isna() & (df["area_code"] != "")
    df["area_type"] = df["area_type"].fillna("")

    known_ind = df["indicator_id"].isin(COMPILED_BREAKDOWNS)
    df["sex"] = df["indicator_id"].map({k: v[0] for k, v in COMPILED_BREAKDOWNS.items()})
    df["age"] = df["indicator_id"].map({k: v[1] for k, v in COMPILED_BREAKDOWNS.items()})
    df[["sex", "age"]] = df[["sex", "age"]].fillna("")
    df["category"] = ""
    df["value_note"] = ""
    df["period_range"] = ""
    df["source"] = f"Fingertips (OHID), January 2020 snapshot ({label})"

    names = {tidy_col: src for src, tidy_col in COMPILED_COLUMNS.items()}
    problems = []
    if unknown.any():
        problems.append(
            Problem(
                "area code not in the area lookup: "
                + ", ".join(sorted(df.loc[unknown, "area_code"].unique())[:10]),
                rows=df.index[unknown].tolist(),
                column="area_code_added_by_compiler",
                expected="a code in data/lookups/areas.csv",
            )
        )
    if not known_ind.all():
        problems.append(
            Problem(
                "indicator not expected in this extract",
                rows=df.index[~known_ind].tolist(),
                column="indicator_id",
                expected=f"one of {sorted(COMPILED_BREAKDOWNS)}",
            )
        )
    return _validate(
        df, file, COMPILED_KIND, names, data_dir=data_dir, today=today, extra=problems,
        check_areas=False,
    )  # fmt: skip


def looks_like_compiled_extract(path: str | Path) -> bool:
    """True when the file's header is that of the compiled January 2020 extract."""
    header = set(_sniff_header(path))
    return {"area_code_added_by_compiler", "indicator_id", "time_period", "value"} <= header


def map_area_type(area_type: pd.Series) -> pd.Series:
    """Fingertips area type names -> ``England``, ``Region``, ``UTLA``; others unchanged."""
    codes, names = pd.factorize(area_type.fillna("").str.strip())  # a few distinct names
    names = pd.Series(names, dtype=str)
    key = names.str.lower().str.replace(r"\s+", " ", regex=True)
    out = names.mask(key == "england", tidy.ENGLAND)
    out = out.mask(key.str.match(_REGION_RE), tidy.REGION)
    out = out.mask(key.str.match(_UTLA_RE), tidy.UTLA)
    return pd.Series(out.to_numpy()[codes], index=area_type.index, dtype=str)


def known_area_codes(data_dir: str | Path | None = None) -> pd.Series:
    """Area type of every code accepted for England/Region/UTLA rows, indexed by code: the
    area lookup plus :data:`BOUNDARY_CHANGE_CODES` (all upper-tier)."""
    lookup = areas.lookup(data_dir).set_index("area_code")["area_type"]
    extra = pd.Series(tidy.UTLA, index=list(BOUNDARY_CHANGE_CODES))
    return pd.concat([lookup, extra[~extra.index.isin(lookup.index)]])


# --------------------------------------------------------------------------- reading


def _load(src, name: str | None) -> tuple[bytes | str, Path | None, str]:
    """Bytes (or text, for a text stream), the file for messages, and the display name."""
    if isinstance(src, str | Path):
        path = Path(src)
        if not path.is_file():
            raise InputError(path, "file not found", fix="check the path")
        return path.read_bytes(), path, name or path.name
    label = name or getattr(src, "name", None) or "Fingertips CSV"
    label = Path(str(label)).name
    if isinstance(src, bytes | bytearray):
        return bytes(src), Path(label), label
    data = src.read()
    return data, Path(label), label


def _decode(raw: bytes | str, file: Path | None, kind: str) -> str:
    return decode_utf8(
        raw, file, kind, utf8_fix=_UTF8_FIX,
        empty_fix="download the data again; an empty file usually means a failed download",
    )  # fmt: skip


def _parse(text: str, file: Path | None, kind: str) -> pd.DataFrame:
    """All fields as text, indexed by CSV line number. Blank lines are skipped (their line
    numbers are kept for the rows after them); rows with too few or too many fields and
    repeated column names are errors."""
    fix = "download the file again; it may be truncated or edited by hand"
    try:
        # Fields per row (the csv module runs in C): the pandas C reader pads a short row
        # with "" like an empty field, so a truncated row is only visible here.
        fields = np.fromiter(map(len, csv.reader(io.StringIO(text))), dtype=np.int64)
        header = [h.strip() for h in next(csv.reader(io.StringIO(text)))]
    except csv.Error as exc:
        raise InputError(
            file, f"the file is not a well-formed CSV table: {exc}", kind=kind, fix=fix
        ) from None
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError(
            file, Problem(f"repeated column names {dup}", rows=[1]), kind=kind,
            fix="give every column a distinct name (download the file again if it is an export)",
        )  # fmt: skip
    rows = fields[1:]
    lines = np.arange(2, len(rows) + 2)
    problems = []
    for mask, what in ((rows > len(header), "more"), ((rows > 0) & (rows < len(header)), "fewer")):
        if mask.any():
            problems.append(
                Problem(
                    f"row has {what} fields than the header"
                    + (" (the file may be truncated)" if what == "fewer" else ""),
                    rows=lines[mask].tolist(),
                    expected=f"{len(header)} fields",
                )
            )
    if problems:
        raise InputError(file, problems, kind=kind, fix=fix)
    if not (rows > 0).any():
        raise InputError(
            file,
            "the file has a header but no data rows",
            kind=kind,
            fix="download the data again; check the indicator has data for the area type",
        )
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True,
            header=0, names=header,
        )  # fmt: skip
    except (pd.errors.ParserError, csv.Error) as exc:  # pragma: no cover - caught above
        raise InputError(
            file, f"the file is not a well-formed CSV table: {exc}", kind=kind, fix=fix
        ) from None
    if len(table) != int((rows > 0).sum()):  # pragma: no cover - readers disagree
        raise InputError(file, "the file's rows could not be counted reliably", kind=kind, fix=fix)
    table.index = lines[rows > 0]
    return table


def _require_columns(found, required: list[str], file: Path | None, kind: str) -> None:
    found = [str(c) for c in found]
    missing = [c for c in required if c not in found]
    if not missing:
        return
    by_norm = {_norm(c): c for c in found}
    problems = []
    for col in missing:
        hint = by_norm.get(_norm(col))
        if hint is not None:
            msg = (
                f"column '{col}' is missing; '{hint}' looks like the same column renamed "
                "(it differs only in case or spacing)"
            )
        else:
            close = difflib.get_close_matches(col, found, n=1, cutoff=0.8)
            msg = f"column '{col}' is missing" + (
                f"; '{close[0]}' may be the same column renamed" if close else ""
            )
        problems.append(Problem(msg, rows=[1]))
    problems.append(Problem(f"columns found: {found}"))
    raise InputError(
        file,
        problems,
        kind=kind,
        fix=f"restore the original column names; the reader needs {required}",
    )


def _sniff_header(path: str | Path) -> list[str]:
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return []
    text = head.decode("utf-8-sig", errors="replace").splitlines()
    if not text:
        return []
    try:
        return [c.strip() for c in next(csv.reader([text[0]]))]
    except (csv.Error, StopIteration):
        return []


def _strip(df: pd.DataFrame) -> pd.DataFrame:
    """Every column with surrounding spaces removed (each distinct value stripped once)."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        codes, uniques = pd.factorize(df[col].fillna(""))
        out[col] = pd.Series(uniques, dtype=str).str.strip().to_numpy()[codes]
    return out.astype(str)


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


# --------------------------------------------------------------------------- validation


def _parse_one(label: str, rng: str) -> tuple[pd.Timestamp, pd.Timestamp, bool, bool]:
    """(start, end, unparseable, range mismatch) for one distinct period."""
    try:
        start, end = parse_period(label, rng or None)
    except ValueError:
        return pd.NaT, pd.NaT, True, False
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    m = _RANGE_RE.match(rng or "")
    mismatch = bool(rng.strip()) and (
        m is None or int(m[1]) * _MONTHS_PER_UNIT[m[2].lower()] != months
    )
    return pd.Timestamp(start), pd.Timestamp(end), False, mismatch


def _periods(df: pd.DataFrame) -> pd.DataFrame:
    """Columns period_start, period_end, bad (unparseable), mismatch (range), per row."""
    pairs = df[["period_label", "period_range"]].drop_duplicates()
    parsed = [_parse_one(lbl, rng) for lbl, rng in pairs.itertuples(index=False)]
    pairs[["period_start", "period_end", "bad", "mismatch"]] = pd.DataFrame(
        parsed, index=pairs.index, columns=["period_start", "period_end", "bad", "mismatch"]
    )
    merged = df[["period_label", "period_range"]].merge(
        pairs, on=["period_label", "period_range"], how="left"
    )
    merged.index = df.index
    return merged


def _rules(names: Mapping[str, str], today: date, known: pd.Series | None) -> list[schemas.Rule]:
    """The row checks of a Fingertips export or compiled extract, in the order they are
    reported (see the module docstring). ``known``: area code -> area type of the lookup, or
    None when areas are not checked."""
    rule, num = schemas.Rule, schemas.numbers
    rules = [
        rule("empty value", lambda s: s != "", col, expected="a value on every row")
        for col in _NOT_EMPTY
    ]
    rules.append(
        rule("Indicator ID is not a whole number",
             lambda s: (s == "") | s.str.fullmatch(r"\d+").fillna(False), "indicator_id",
             expected="a Fingertips indicator number")
    )  # fmt: skip
    rules += [
        rule("not a number", schemas.is_number_or_empty, col, expected="a number or an empty cell")
        for col in _NUMERIC
    ]
    rules += [
        rule("negative number", lambda s: ~(num(s) < 0), col, expected="0 or more")
        for col in ("count", "denominator")
    ]
    if "count" in names and "denominator" in names:
        rules.append(
            rule("Count is larger than Denominator",
                 lambda d: ~(num(d["count"]) > num(d["denominator"])), name="count",
                 expected="Count <= Denominator")
        )  # fmt: skip
    for lo, hi, level in (("lower_95", "upper_95", "95%"), ("lower_99_8", "upper_99_8", "99.8%")):
        if lo in names and hi in names:
            rules.append(
                rule(f"Value is outside its {level} confidence limits",
                     lambda d, lo=lo, hi=hi: ~((num(d[lo]) > num(d["value"]))
                                               | (num(d["value"]) > num(d[hi]))),
                     name="value", expected=f"{names[lo]} <= Value <= {names[hi]}")
            )  # fmt: skip
    rules += [
        rule("time period not recognised", lambda d: ~d["_period_bad"], name="period_label",
             expected="e.g. 2017, 2022 - 24, 2024/25 or 2024/25 Q3"),
        rule("time period range does not match the time period", lambda d: ~d["_period_mismatch"],
             name="period_range",
             expected="a range equal to the period's length, e.g. 1y for 2017, 3y for 2022 - 24, "
             "12m for a rolling 2024/25 Q3"),
        rule(f"period ends after today ({today})",
             lambda d: ~(d["period_end"] > pd.Timestamp(today)), name="period_label",
             expected="a period that has ended"),
        rule("duplicate rows: same indicator, area, sex, age, category and time period",
             lambda d: ~(d.duplicated(tidy.KEY, keep=False) & ~d["_period_bad"])),
    ]  # fmt: skip
    if known is not None:
        checked = lambda d: d["area_type"].isin(_CHECKED_TYPES) & (d["area_code"] != "")  # noqa: E731
        rules += [
            rule("area code not in the area lookup",
                 lambda d: ~(checked(d) & d["area_code"].map(known).isna()), name="area_code",
                 expected="an English area code listed in data/lookups/areas.csv",
                 detail=_unknown_codes),
            rule("area type does not match the area lookup",
                 lambda d: ~(checked(d) & d["area_code"].map(known).notna()
                             & (d["area_code"].map(known) != d["area_type"])),
                 name="area_type", expected="the type the area lookup gives the code"),
        ]  # fmt: skip
    return rules


def _unknown_codes(failed: pd.DataFrame) -> str:
    codes = sorted(failed["area_code"].unique())
    shown = ", ".join(codes[:10]) + (f" and {len(codes) - 10} more" if len(codes) > 10 else "")
    return f"area code not in the area lookup: {shown}"


def _validate(
    df: pd.DataFrame,
    file: Path | None,
    kind: str,
    names: Mapping[str, str],
    *,
    data_dir: str | Path | None,
    today: date | None,
    extra: list[Problem] | None = None,
    check_areas: bool = True,
) -> pd.DataFrame:
    """Check a frame with tidy column names (index = CSV line numbers) against the kind's
    schema (:mod:`.schemas`); return the tidy table."""
    today = today or date.today()
    per = _periods(df)
    df["_period_bad"], df["_period_mismatch"] = (
        per["bad"].astype(bool),
        per["mismatch"].astype(bool),
    )
    df["period_start"], df["period_end"] = per["period_start"], per["period_end"]
    known = known_area_codes(data_dir) if check_areas else None
    present = {k: v for k, v in names.items() if k in df}
    problems = list(extra or []) + schemas.problems(df, _rules(present, today, known), present)
    if problems:
        raise InputError(
            file, problems, kind=kind,
            fix="correct the rows named above, or download the data again if the file "
            "should be an unedited export",
        )  # fmt: skip
    for col in _NUMERIC:
        if col in df:
            df[col] = schemas.numbers(df[col])
    return tidy.conform(df.drop(columns=["_period_bad", "_period_mismatch"]))
