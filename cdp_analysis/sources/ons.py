"""ONS "Deaths related to drug poisoning by local authority, England and Wales" workbook -> tidy.

The workbook is read as ONS publishes it (the 2021 registrations edition is bundled in
``data/ons/``). Tables are found by their text, not by cell positions: each table sheet is
recognised by its title ("Number of deaths ... related to drug misuse, males, by local
authority ..."), its header row by the cell ``Area Codes`` with ``Area Names`` beside it, its
periods by the labels in that row (``2019–21``, or a year for the annual tables) and, in the
rate tables, its columns by the sub-headers ``Deaths``, ``Rate``, ``Lower Confidence Limit``
and ``Upper Confidence Limit`` (footnote markers such as ``Rate 1`` are ignored). A table
moved on its sheet, or sheets renamed or in another order, still load.

What is read:

* annual counts (Tables 1-2 of the 2021 edition): deaths registered in each year 1993-2021,
  indicator ids :data:`POISONING_ANNUAL` and :data:`MISUSE_ANNUAL`; ``count`` = ``value`` =
  deaths; persons only;
* 3-year rates (Tables 3-8): deaths, age-standardised mortality rate per 100,000 (2013
  European Standard Population) and its 95% limits, persons, males and females, 2001-03 to
  2019-21, indicator ids :data:`POISONING` and :data:`MISUSE`; ``count`` = deaths,
  ``value`` = rate. 99.8% limits and denominators are not published (NaN).

Published markers are kept in ``value_note``: ``:`` (rate not calculated: fewer than 10
deaths) -> :data:`NOT_CALCULATED`, with rate and limits NaN; ``u`` (rate unreliable: 10 to 19
deaths) -> :data:`UNRELIABLE`. A few cells of the 2021 edition break these rules (a ``u``
beside a ``:``, or beside a blank rate); they are kept as published and noted
:data:`UNRELIABLE_NOT_PUBLISHED`; a blank rate beside a number of deaths is noted
:data:`NOT_PUBLISHED`.

A row is produced for every area and period whose deaths cell is filled; a blank deaths cell
means ONS published nothing for that area and period (e.g. metropolitan counties and
inner/outer London in most 3-year periods). ``area_type`` follows the area code (see
:data:`AREA_TYPES`): ``England`` (E92), ``Region`` (E12), ``UTLA`` (E06, E08, E09, E10) and,
so that nothing is dropped, the other geographies of the workbook: ``District`` (E07),
``Metropolitan county`` (E11), ``Inner/Outer London`` (E13), ``Wales`` (W92), ``Welsh UA``
(W06), ``England and Wales`` (K04; annual tables only), ``Other`` for any other code.
Callers filter on ``area_type``. Area names are as published (``ENGLAND``, ``NORTH EAST``,
``Isle of Anglesey / Ynys Môn``) without surrounding spaces.

Numbers stored as text (``'12'``) are read as numbers; anything else unexpected raises
:class:`~cdp_analysis.errors.InputError` naming the file, sheet, rows (sheet row numbers) and
column (sheet column letter and header). So are a year, or a 3-year period ending, after the
current year, and 95% limits that do not bracket their rate (lower <= rate <= upper holds for
every row of the 2021 edition); an empty (0-byte) or cut-short file is named as such, with a
fix. The workbook is read with ``python-calamine`` (Rust's calamine): about 0.5 s for the 11
sheets of the 2021 edition, against about 6 s with openpyxl; it is not cached.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import tidy
from ..errors import InputError, Problem
from ..periods import parse_period

#: Indicator ids: 3-year age-standardised rates and annual counts.
POISONING = "ons_drug_poisoning"
MISUSE = "ons_drug_misuse"
POISONING_ANNUAL = "ons_drug_poisoning_annual_count"
MISUSE_ANNUAL = "ons_drug_misuse_annual_count"

#: Value notes for the published markers.
NOT_CALCULATED = "Not calculated: fewer than 10 deaths"
UNRELIABLE = "Unreliable: 10 to 19 deaths"
UNRELIABLE_NOT_PUBLISHED = "Unreliable: 10 to 19 deaths; rate not published"
NOT_PUBLISHED = "Rate not published"

#: area_type by the first three characters of the area code; any other code is OTHER_AREA_TYPE.
AREA_TYPES: dict[str, str] = {
    "E92": tidy.ENGLAND,
    "E12": tidy.REGION,
    "E06": tidy.UTLA,
    "E08": tidy.UTLA,
    "E09": tidy.UTLA,
    "E10": tidy.UTLA,
    "E07": "District",
    "E11": "Metropolitan county",
    "E13": "Inner/Outer London",
    "W92": "Wales",
    "W06": "Welsh UA",
    "K04": "England and Wales",
}
OTHER_AREA_TYPE = "Other"

AGE = "All ages"
SOURCE = "ONS, Deaths related to drug poisoning by local authority"
KIND = "ONS drug poisoning deaths workbook"
FIX = (
    "use the workbook as published by ONS ('Deaths related to drug poisoning by local "
    "authority, England and Wales', e.g. 2021localauthorities.xlsx) without editing it"
)
#: Fix for a file that is empty, damaged or cut short (a failed download or copy).
REDOWNLOAD_FIX = (
    "download the workbook again from ONS ('Deaths related to drug poisoning by local "
    "authority, England and Wales', e.g. 2021localauthorities.xlsx), or restore the bundled "
    "copy, data/ons/2021localauthorities.xlsx, from the project (a failed download or copy "
    "leaves an empty or cut-short file)"
)
#: The first bytes of every zip archive, hence of every .xlsx workbook.
ZIP_SIGNATURE = b"PK\x03\x04"

ANNUAL, RATE = "annual", "rate"
_INDICATORS = {
    (RATE, "drug poisoning"): POISONING,
    (RATE, "drug misuse"): MISUSE,
    (ANNUAL, "drug poisoning"): POISONING_ANNUAL,
    (ANNUAL, "drug misuse"): MISUSE_ANNUAL,
}
#: The tables read, in output order, with their sheet names in the 2021 edition (for messages).
TABLES: dict[tuple[str, str, str], str] = {
    (RATE, "drug poisoning", tidy.PERSONS): "Table 3",
    (RATE, "drug poisoning", tidy.MALE): "Table 4",
    (RATE, "drug poisoning", tidy.FEMALE): "Table 5",
    (RATE, "drug misuse", tidy.PERSONS): "Table 6",
    (RATE, "drug misuse", tidy.MALE): "Table 7",
    (RATE, "drug misuse", tidy.FEMALE): "Table 8",
    (ANNUAL, "drug poisoning", tidy.PERSONS): "Table 1",
    (ANNUAL, "drug misuse", tidy.PERSONS): "Table 2",
}
_SEXES = {"persons": tidy.PERSONS, "males": tidy.MALE, "females": tidy.FEMALE}
_SEX_WORDS = {v: k for k, v in _SEXES.items()}

_TITLE_RE = (
    r"^\s*number of deaths\b.*?\brelated to drug (poisoning|misuse),?\s+(persons|males|females)\b"
    r".*\bby local authorit"
)
_CODE_RE = r"^[A-Z]\d{8}$"
_END_RE = r"^(footnotes?|notes?|source)\b"
_FOOTNOTE_RE = r"(\s+\d+(\s*,\s*\d+)*)+$"
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-–—]\s*(\d{2}|\d{4})\s*$")
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*$")
#: Sub-headers of each period's columns in the rate tables (normalised text -> label).
_RATE_FIELDS = {
    "deaths": "Deaths",
    "rate": "Rate",
    "lower confidence limit": "Lower Confidence Limit",
    "upper confidence limit": "Upper Confidence Limit",
}


@dataclass(frozen=True)
class _Sheet:
    """One table sheet: its name, what it holds, and its cells (sheet row r, column c at
    ``grid[r - 1, c - 1]``)."""

    name: str
    kind: str
    measure: str
    sex: str
    grid: np.ndarray


def _describe(kind: str, measure: str, sex: str) -> str:
    head = (
        "Number of deaths and age-standardised mortality rate for deaths"
        if kind == RATE
        else "Number of deaths"
    )
    return f"'{head} related to {measure}, {_SEX_WORDS[sex]} by local authority ...'"


def _text(cells: np.ndarray) -> pd.Series:
    """Cells as strings (<NA> for empty cells), flattened."""
    return pd.Series(np.asarray(cells, dtype=object).ravel(), dtype=object).astype("string")


def _text_cells(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flat indices, values) of the cells of ``grid`` that hold text: searches that only text
    can match (titles, header names) look at these few cells, not at every number."""
    flat = np.asarray(grid, dtype=object).reshape(-1)
    idx = np.flatnonzero(np.fromiter((type(v) is str for v in flat), dtype=bool, count=flat.size))
    return idx, flat[idx]


def _norm(cells: np.ndarray) -> np.ndarray:
    """Header text lower-cased, spaces collapsed, trailing footnote markers ('Rate 1') removed;
    '' for empty cells. Same shape as ``cells``."""
    cells = np.asarray(cells, dtype=object)
    text = (
        _text(cells)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
        .str.lower()
        .str.replace(_FOOTNOTE_RE, "", regex=True)
        .fillna("")
    )
    return text.to_numpy(dtype=object).reshape(cells.shape)


def column_letter(col1: int) -> str:
    """Sheet column letter of a 1-based column number: 1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while col1 > 0:
        col1, rem = divmod(col1 - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col(col0: int, header: str | None = None) -> str:
    """Sheet column letter of a 0-based column, with its header: 'F (2019-21 Rate)'."""
    letter = column_letter(col0 + 1)
    return f"{letter} ({header})" if header else letter


def _fail(path: Path, problems: Problem | list[Problem]) -> InputError:
    return InputError(path, problems, kind=KIND, fix=FIX)


def _problem(sheet: _Sheet, message: str, rows0=None, column=None, expected=None) -> Problem:
    """A problem in ``sheet``; ``rows0`` are 0-based grid rows (shown as sheet rows)."""
    rows = None if rows0 is None else [int(r) + 1 for r in np.atleast_1d(rows0)]
    return Problem(f"sheet '{sheet.name}': {message}", rows=rows, column=column, expected=expected)


# ---------------------------------------------------------------------------------------------
# Reading the file and recognising its tables


def _open(path: Path):
    """The workbook opened with calamine; InputError when missing, empty, damaged or not .xlsx.

    The zip container is opened first (reading its central directory, a few milliseconds), so
    a file that is not a zip archive, or is cut short, is named as such whatever calamine says.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    if not path.is_file():
        raise _fail(path, Problem("file not found", expected="an .xlsx workbook"))
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "the file is empty (0 bytes)", kind=KIND, fix=REDOWNLOAD_FIX)
    try:
        with zipfile.ZipFile(path) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                raise ValueError("no xl/workbook.xml in the archive: not an .xlsx workbook")
        return CalamineWorkbook.from_path(str(path))
    except (zipfile.BadZipFile, CalamineError, KeyError, ValueError, OSError) as exc:
        with path.open("rb") as fh:
            zipped = fh.read(4) == ZIP_SIGNATURE
        if zipped:  # an .xlsx is a zip archive: this one starts as one but cannot be read
            raise InputError(
                path,
                Problem(
                    f"not a readable Excel workbook: the .xlsx file ({size:,} bytes) is damaged "
                    f"or truncated ({type(exc).__name__}: {exc})",
                    expected="a complete .xlsx workbook",
                ),
                kind=KIND,
                fix=REDOWNLOAD_FIX,
            ) from None
        raise _fail(
            path,
            Problem(
                f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                expected="an .xlsx workbook (editions before 2020 were .xls: open the file in "
                "Excel or LibreOffice and save it as .xlsx)",
            ),
        ) from None


def _grid(sheet, nrows: int | None = None) -> np.ndarray:
    """Every cell of a calamine sheet as a 2-D object array, positions as on the sheet (the
    range is padded from cell A1), with the values openpyxl gives: ``None`` for an empty cell
    and ``int`` for a whole number (calamine gives ``''`` and ``float``)."""
    rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
    width = max((len(r) for r in rows), default=0)
    grid = np.full((len(rows), width), None, dtype=object)
    for i, r in enumerate(rows):
        grid[i, : len(r)] = r
    flat = grid.reshape(-1)
    flat[flat == ""] = None
    is_float = np.fromiter((type(v) is float for v in flat), dtype=bool, count=flat.size)
    idx = np.flatnonzero(is_float)
    if idx.size:
        vals = flat[idx].astype(float)
        whole = np.isfinite(vals) & (vals == np.round(vals))
        flat[idx[whole]] = [int(v) for v in vals[whole]]
    return grid


def _classify(grid: np.ndarray) -> tuple[str, str, str] | None:
    """(kind, measure, sex) when the sheet's title names one table, else None (a contents
    sheet lists several titles; other sheets none)."""
    text = _text(_text_cells(grid)[1])  # numbers and empty cells cannot be titles
    found = text.str.extract(_TITLE_RE, flags=re.IGNORECASE | re.DOTALL).dropna()
    if found.empty:
        return None
    titles = text[found.index].str.lower()
    kinds = np.where(titles.str.contains("age-standardised"), RATE, ANNUAL)
    keys = {
        (k, f"drug {m.lower()}", _SEXES[s.lower()])
        for k, m, s in zip(kinds, found[0], found[1], strict=True)
    }
    return keys.pop() if len(keys) == 1 else None


def _read_sheets(path: Path) -> dict[tuple[str, str, str], _Sheet]:
    wb = _open(path)
    try:
        grids = {name: _grid(wb.get_sheet_by_name(name)) for name in wb.sheet_names}
    except Exception as exc:  # calamine raises several types on damaged parts of a workbook
        raise InputError(
            path,
            f"the workbook could not be read: it may be damaged or truncated "
            f"({type(exc).__name__}: {exc})",
            kind=KIND,
            fix=REDOWNLOAD_FIX,
        ) from None
    finally:
        wb.close()
    names = list(grids)
    found: dict[tuple[str, str, str], list[_Sheet]] = {}
    for name, grid in grids.items():
        key = _classify(grid)
        if key in TABLES:
            found.setdefault(key, []).append(_Sheet(name, *key, grid))
    problems = []
    for key, usual in TABLES.items():
        got = found.get(key, [])
        if not got:
            problems.append(
                Problem(
                    f"no sheet holds the table {_describe(*key)} (sheet '{usual}' in the 2021 "
                    f"edition); sheets found: {', '.join(repr(n) for n in names) or 'none'}",
                    expected=f"a sheet titled {_describe(*key)}",
                )
            )
        elif len(got) > 1:
            problems.append(
                Problem(
                    f"sheets {', '.join(repr(s.name) for s in got)} all hold the table "
                    f"{_describe(*key)}",
                    expected="exactly one such sheet",
                )
            )
    if problems:
        raise _fail(path, problems)
    return {key: found[key][0] for key in TABLES}


def _header(path: Path, sheet: _Sheet) -> tuple[int, int]:
    """(row, column), 0-based, of the 'Area Codes' header cell, with 'Area Names' beside it."""
    idx, cells = _text_cells(sheet.grid)  # a number or an empty cell is never 'Area Codes'
    at = idx[_norm(cells) == "area codes"]
    hits = np.column_stack(np.unravel_index(at, sheet.grid.shape))
    expected = "a header row 'Area Codes', 'Area Names', then " + (
        "the years (2021, 2020, ...)" if sheet.kind == ANNUAL else "3-year periods ('2019–21', ...)"
    )
    if len(hits) != 1:
        where = ", ".join(f"{_col(c)}{r + 1}" for r, c in hits)
        message = (
            "no header cell 'Area Codes' found"
            if len(hits) == 0
            else f"several 'Area Codes' header cells ({where})"
        )
        raise _fail(path, _problem(sheet, message, expected=expected))
    r, c = (int(x) for x in hits[0])
    beside = _norm(sheet.grid[r, c + 1 : c + 2])[0] if c + 1 < sheet.grid.shape[1] else ""
    if beside != "area names":
        raise _fail(
            path,
            _problem(
                sheet,
                f"the header right of 'Area Codes' is '{sheet.grid[r, c + 1] or ''}'"
                if beside
                else "no 'Area Names' header right of 'Area Codes'",
                r,
                _col(c + 1),
                expected,
            ),
        )
    return r, c


def _data_rows(
    path: Path, sheet: _Sheet, start: int, code_col: int, value_cols: list[int]
) -> np.ndarray:
    """0-based rows holding areas, from ``start`` down to the footnotes (or the sheet's end).

    A row with no area code is skipped only when it holds no number (the published sheets have
    blank spacer rows, one with stray ':' markers); any other text in the code column is an
    error."""
    grid = sheet.grid
    codes = _text(grid[start:, code_col]).str.strip()
    ends = codes.str.match(_END_RE, case=False).fillna(False).to_numpy(dtype=bool)
    stop = start + (int(np.argmax(ends)) if ends.any() else len(codes))
    codes = codes.iloc[: stop - start].reset_index(drop=True)
    rows = np.arange(start, stop)
    is_code = codes.str.match(_CODE_RE).fillna(False).to_numpy(dtype=bool)
    blank = (codes.isna() | (codes == "")).to_numpy(dtype=bool)
    column = _col(code_col, "Area Codes")
    problems = []
    odd = ~is_code & ~blank
    if odd.any():
        shown = ", ".join(repr(v) for v in codes[odd].unique()[:5])
        problems.append(
            _problem(
                sheet,
                f"text that is not an area code: {shown}",
                rows[odd],
                column,
                "a 9-character GSS code such as E06000044, or a blank spacer row",
            )
        )
    if blank.any():
        spacer = rows[blank]
        cells = pd.Series(grid[np.ix_(spacer, value_cols)].ravel(), dtype=object)
        nums = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        has_num = ~np.isnan(nums).reshape(len(spacer), len(value_cols)).all(axis=1)
        if has_num.any():
            problems.append(
                _problem(
                    sheet,
                    "numbers in a row with no area code",
                    spacer[has_num],
                    column,
                    "an area code in every row that holds numbers",
                )
            )
    data = rows[is_code]
    if len(data) == 0:
        problems.append(
            _problem(sheet, "no area rows below the header", start, column, "rows of areas")
        )
    dup = codes[is_code].duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        problems.append(
            _problem(sheet, "area code listed more than once", data[dup], column, "each once")
        )
    if problems:
        raise _fail(path, problems)
    return data


def _names(path: Path, sheet: _Sheet, rows: np.ndarray, name_cols: list[int]) -> np.ndarray:
    """Area names: the first filled name column (the sheets indent names by area level)."""
    block = sheet.grid[np.ix_(rows, name_cols)]
    first = pd.Series(pd.NA, index=range(len(rows)), dtype="string")
    for j in reversed(range(block.shape[1])):  # the leftmost filled column wins
        col = pd.Series(block[:, j], dtype=object).astype("string").str.strip()
        filled = col.notna() & (col != "")
        first = first.mask(filled.to_numpy(dtype=bool), col)
    if first.isna().any():
        column = ", ".join(_col(c) for c in name_cols) + " (Area Names)"
        raise _fail(
            path,
            _problem(
                sheet,
                "area code with no area name",
                rows[first.isna().to_numpy()],
                column,
                "the area's name",
            ),
        )
    return first.to_numpy(dtype=object)


def _area_types(codes: np.ndarray) -> np.ndarray:
    return pd.Series(codes).str[:3].map(AREA_TYPES).fillna(OTHER_AREA_TYPE).to_numpy(dtype=object)


# ---------------------------------------------------------------------------------------------
# Cell values


def _values(
    path: Path,
    sheet: _Sheet,
    rows: np.ndarray,
    cols: list[int],
    headers: list[str],
    what: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a block of cells (rows x periods) -> (numbers, markers, blank).

    ``what`` is ``"deaths"`` (whole numbers >= 0), ``"rate"`` (numbers >= 0 or ':') or
    ``"flag"`` ('u' only). Markers are returned upper-cased ('' elsewhere); anything else
    raises InputError naming the cells."""
    raw = sheet.grid[np.ix_(rows, cols)]
    cells = pd.Series(raw.ravel(), dtype=object)
    text = pd.Series([None if v is None else str(v).strip().upper() for v in cells], dtype=object)
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    nums = pd.to_numeric(cells.where(~blank), errors="coerce").to_numpy(dtype=float)
    is_num = ~np.isnan(nums) & ~text.isin(["TRUE", "FALSE"]).fillna(False).to_numpy(dtype=bool)
    allowed = {"deaths": [], "rate": [":"], "flag": ["U"]}[what]
    is_marker = text.isin(allowed).fillna(False).to_numpy(dtype=bool)
    bad = ~(blank | is_num | is_marker)
    if what == "flag":
        bad |= is_num
        expected = "'u' (unreliable) or blank"
    elif what == "deaths":
        bad |= is_num & ((nums < 0) | (nums != np.round(nums)))
        expected = "a whole number of deaths, or blank"
    else:
        bad |= is_num & (nums < 0)
        expected = "a number, ':' (not calculated) or blank"
    if bad.any():
        bad2 = bad.reshape(raw.shape)
        problems = []
        for j in np.flatnonzero(bad2.any(axis=0)):  # one problem per bad column
            hit = bad2[:, j]
            shown = ", ".join(repr(v) for v in pd.unique(raw[hit, j])[:3])
            problems.append(
                _problem(
                    sheet,
                    f"unexpected value {shown}",
                    rows[hit],
                    _col(cols[j], headers[j]),
                    expected,
                )
            )
        raise _fail(path, problems)
    markers = np.where(is_marker, text.fillna("").to_numpy(dtype=object), "")
    return nums.reshape(raw.shape), markers.reshape(raw.shape), blank.reshape(raw.shape)


def _dates(
    path: Path,
    sheet: _Sheet,
    labels: list[str],
    cols: list[int],
    row: int,
    years: int,
    this_year: int,
):
    """Start and end dates of each period label; each must span ``years`` calendar years and
    end by ``this_year`` (no deaths are registered in a year that has not begun)."""
    starts, ends, problems = [], [], []
    for label, col in zip(labels, cols, strict=True):
        try:
            start, end = parse_period(label)
        except ValueError as exc:
            problems.append(_problem(sheet, str(exc), row, _col(col)))
            continue
        if end.year - start.year + 1 != years:
            problems.append(
                _problem(
                    sheet,
                    f"period '{label}' is not {years} year{'s' if years > 1 else ''}",
                    row,
                    _col(col),
                    "3-year periods such as '2019–21'" if years == 3 else "single years",
                )
            )
        elif end.year > this_year:
            what = f"year {label}" if years == 1 else f"period '{label}' ends in {end.year}, which"
            problems.append(
                _problem(
                    sheet,
                    f"{what} is after the current year ({this_year}): no deaths are "
                    "registered in it yet",
                    row,
                    _col(col),
                    f"registration years up to {this_year}"
                    if years == 1
                    else f"3-year periods ending in {this_year} or earlier",
                )
            )
        starts.append(pd.Timestamp(start))
        ends.append(pd.Timestamp(end))
    if problems:
        raise _fail(path, problems)
    return np.array(starts, dtype="datetime64[ns]"), np.array(ends, dtype="datetime64[ns]")


def _frame(sheet: _Sheet, rows, code_col, names, labels, starts, ends, **values) -> pd.DataFrame:
    """The long table of one sheet: one row per area row x period (row-major)."""
    codes = sheet.grid[rows, code_col].astype(str)
    n_per = len(labels)
    return pd.DataFrame(
        {
            "indicator_id": _INDICATORS[(sheet.kind, sheet.measure)],
            "area_code": np.repeat(codes, n_per),
            "area_name": np.repeat(names, n_per),
            "area_type": np.repeat(_area_types(codes), n_per),
            "sex": sheet.sex,
            "age": AGE,
            "category": "",
            "period_label": np.tile(np.array(labels, dtype=object), len(rows)),
            "period_start": np.tile(starts, len(rows)),
            "period_end": np.tile(ends, len(rows)),
            **{k: np.asarray(v).ravel() if np.ndim(v) else v for k, v in values.items()},
            "sheet": sheet.name,
        }
    )


# ---------------------------------------------------------------------------------------------
# The two kinds of table


def _year_label(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer() and 1900 <= value <= 2200:
        return str(int(value))
    if isinstance(value, str) and _YEAR_RE.match(value):
        return value.strip()
    return None


def _annual(path: Path, sheet: _Sheet, this_year: int) -> pd.DataFrame:
    """Tables 1-2: deaths registered in each year."""
    hr, cc = _header(path, sheet)
    header = sheet.grid[hr]
    labels = [_year_label(v) for v in header]
    year_cols = [c for c in range(cc + 2, len(header)) if labels[c] is not None]
    problems = []
    if not year_cols:
        problems.append(
            _problem(sheet, "no years in the header row", hr, None, "years (2021, 2020, ...)")
        )
    else:
        norm = _norm(header)
        for c in range(year_cols[0], len(header)):
            if labels[c] is None and norm[c]:
                problems.append(
                    _problem(sheet, f"unexpected header '{header[c]}'", hr, _col(c), "a year")
                )
    labels = [labels[c] for c in year_cols]
    if len(set(labels)) != len(labels):
        problems.append(
            _problem(sheet, "a year appears twice in the header", hr, None, "each once")
        )
    if problems:
        raise _fail(path, problems)
    starts, ends = _dates(path, sheet, labels, year_cols, hr, years=1, this_year=this_year)
    rows = _data_rows(path, sheet, hr + 1, cc, year_cols)
    names = _names(path, sheet, rows, list(range(cc + 1, year_cols[0])))
    deaths, _, blank = _values(path, sheet, rows, year_cols, labels, "deaths")
    out = _frame(
        sheet, rows, cc, names, labels, starts, ends, count=deaths, value=deaths, value_note=""
    )
    return out[~blank.ravel()]


def _rate_columns(path: Path, sheet: _Sheet, hr: int, cc: int):
    """Period labels and, for each field, the column of each period, from the two header rows
    (periods above; 'Deaths', 'Rate', an unlabelled marker column, the two limits below)."""
    top = sheet.grid[hr]
    sub = _norm(sheet.grid[hr + 1]) if hr + 1 < sheet.grid.shape[0] else np.array([""] * len(top))
    top_norm = _norm(top)
    starts = [c for c in range(cc + 2, len(top)) if top_norm[c]]
    problems, labels = [], []
    if not starts:
        problems.append(
            _problem(sheet, "no periods in the header row", hr, None, "periods such as '2019–21'")
        )
    cols: dict[str, list[int]] = {"deaths": [], "rate": [], "flag": [], "lower": [], "upper": []}
    expected = (
        "under each period the sub-headers 'Deaths', 'Rate', an unlabelled marker column, "
        "'Lower Confidence Limit', 'Upper Confidence Limit'"
    )
    for i, c in enumerate(starts):
        m = _PERIOD_RE.match(str(top[c]))
        if not m:
            problems.append(
                _problem(
                    sheet,
                    f"unexpected header '{top[c]}'",
                    hr,
                    _col(c),
                    "a period such as '2019–21'",
                )
            )
            continue
        label = f"{m.group(1)}-{m.group(2)}"
        end = starts[i + 1] if i + 1 < len(starts) else len(sub)
        found = {f: [j for j in range(c, end) if sub[j] == f] for f in _RATE_FIELDS}
        missing = [_RATE_FIELDS[f] for f, js in found.items() if len(js) != 1]
        if missing:
            shown = ", ".join(f"'{m}'" for m in missing)
            problems.append(
                _problem(
                    sheet,
                    f"period '{top[c]}' has no single column headed {shown}",
                    hr + 1,
                    _col(c),
                    expected,
                )
            )
            continue
        deaths, rate, lower, upper = (found[f][0] for f in _RATE_FIELDS)
        flag = rate + 1
        if not deaths < rate < flag < lower < upper or sub[flag]:
            problems.append(
                _problem(
                    sheet,
                    f"period '{top[c]}': columns not in the published order",
                    hr + 1,
                    _col(c),
                    expected,
                )
            )
            continue
        labels.append(label)
        for key, col in zip(cols, (deaths, rate, flag, lower, upper), strict=True):
            cols[key].append(col)
    if len(set(labels)) != len(labels):
        problems.append(
            _problem(sheet, "a period appears twice in the header", hr, None, "each once")
        )
    if problems:
        raise _fail(path, problems)
    return labels, cols


def _check_limits(path, sheet, rows, cols, labels, rate, lower, upper) -> None:
    """Each published 95% interval holds its rate: lower <= rate <= upper (every row of the
    2021 edition does). Arrays are (area row x period); blank and ':' cells (NaN) are not
    compared."""
    problems = []
    for key, bad, what in [
        ("lower", lower > rate, "lower 95% limit above the rate"),
        ("upper", upper < rate, "upper 95% limit below the rate"),
    ]:
        limit = lower if key == "lower" else upper
        for j in np.flatnonzero(bad.any(axis=0)):  # one problem per period
            i = np.flatnonzero(bad[:, j])
            problems.append(
                _problem(
                    sheet,
                    f"{what} (e.g. {limit[i[0], j]:g} beside a rate of {rate[i[0], j]:g})",
                    rows[i],
                    _col(cols[key][j], f"{labels[j]} {key.capitalize()}"),
                    "lower limit <= rate <= upper limit, as ONS publishes them",
                )
            )
    if problems:
        raise _fail(path, problems)


def _rates(path: Path, sheet: _Sheet, this_year: int) -> pd.DataFrame:
    """Tables 3-8: 3-year deaths, age-standardised rate per 100,000 and its 95% limits."""
    hr, cc = _header(path, sheet)
    labels, cols = _rate_columns(path, sheet, hr, cc)
    starts, ends = _dates(path, sheet, labels, cols["deaths"], hr, years=3, this_year=this_year)
    value_cols = sorted(c for key in ("deaths", "rate", "lower", "upper") for c in cols[key])
    rows = _data_rows(path, sheet, hr + 2, cc, value_cols)
    names = _names(path, sheet, rows, list(range(cc + 1, min(cols["deaths"]))))
    heads = {
        "deaths": "Deaths",
        "rate": "Rate",
        "flag": "marker",
        "lower": "Lower",
        "upper": "Upper",
    }

    def parse(key: str, what: str):
        hdrs = [f"{lab} {heads[key]}" for lab in labels]
        return _values(path, sheet, rows, cols[key], hdrs, what)

    deaths, _, no_deaths = parse("deaths", "deaths")
    rate, rate_mark, rate_blank = parse("rate", "rate")
    lower, _, lower_blank = parse("lower", "rate")
    upper, _, upper_blank = parse("upper", "rate")
    _, flag, _ = parse("flag", "flag")

    # A rate, limit or marker without deaths would be lost: refuse it.
    filled = ~(rate_blank & lower_blank & upper_blank) | (flag != "")
    orphan = no_deaths & filled
    if orphan.any():
        r, p = np.nonzero(orphan)
        raise _fail(
            path,
            _problem(
                sheet,
                "a rate, limit or marker with no number of deaths",
                rows[r],
                _col(cols["deaths"][p[0]], f"{labels[p[0]]} Deaths"),
                "the number of deaths beside every published rate",
            ),
        )
    _check_limits(path, sheet, rows, cols, labels, rate, lower, upper)
    unreliable = flag == "U"
    note = np.select(
        [unreliable & ((rate_mark == ":") | rate_blank), unreliable, rate_mark == ":", rate_blank],
        [UNRELIABLE_NOT_PUBLISHED, UNRELIABLE, NOT_CALCULATED, NOT_PUBLISHED],
        default="",
    )
    out = _frame(
        sheet,
        rows,
        cc,
        names,
        labels,
        starts,
        ends,
        count=deaths,
        value=rate,
        lower_95=lower,
        upper_95=upper,
        value_note=note.astype(object),
    )
    return out[~no_deaths.ravel()]


# ---------------------------------------------------------------------------------------------
# Public API


def _load(path: str | Path, kinds: tuple[str, ...], today: date | None) -> pd.DataFrame:
    path = Path(path)
    this_year = (today or date.today()).year
    sheets = _read_sheets(path)
    frames, problems = [], []
    for sheet in sheets.values():
        if sheet.kind not in kinds:
            continue
        try:
            frames.append((_annual if sheet.kind == ANNUAL else _rates)(path, sheet, this_year))
        except InputError as exc:  # report every sheet's problems at once
            problems.extend(exc.problems)
    if problems:
        raise _fail(path, problems)
    out = pd.concat(frames, ignore_index=True)
    edition = f"{out['period_end'].max().year} registrations"
    out["source"] = f"{SOURCE}, {edition} ({path.name}, " + out["sheet"] + ")"
    return tidy.conform(out)


def load_workbook(path: str | Path, *, today: date | None = None) -> pd.DataFrame:
    """Every table of the workbook as one tidy table: the 3-year rates (Tables 3-8), then the
    annual counts (Tables 1-2), each in the workbook's area order, latest period first.

    ``today`` (default: the current date) sets the current year: a year, or a 3-year period
    ending, after it is refused."""
    return _load(path, (RATE, ANNUAL), today)


def load_asmr(path: str | Path, *, today: date | None = None) -> pd.DataFrame:
    """The 3-year deaths and age-standardised rates (Tables 3-8) as a tidy table."""
    return _load(path, (RATE,), today)


def load_annual(path: str | Path, *, today: date | None = None) -> pd.DataFrame:
    """The annual counts of deaths (Tables 1-2) as a tidy table."""
    return _load(path, (ANNUAL,), today)


def looks_like_ons_workbook(path: str | Path) -> bool:
    """True when ``path`` is an xlsx workbook whose sheets carry the ONS drug poisoning deaths
    table titles. Cheap (reads the top 15 x 15 cells of each sheet) and never raises."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            if fh.read(4) != ZIP_SIGNATURE:
                return False
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
    except Exception:  # unreadable means "not this workbook"
        return False
    try:
        for name in wb.sheet_names[:30]:
            top = _grid(wb.get_sheet_by_name(name), nrows=15)[:, :15]
            if (
                top.size
                and _text(top)
                .str.match(_TITLE_RE, flags=re.IGNORECASE | re.DOTALL)
                .fillna(False)
                .any()
            ):
                return True
        return False
    except Exception:  # a damaged sheet means "not this workbook", not a crash
        return False
    finally:
        wb.close()
