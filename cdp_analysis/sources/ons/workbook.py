"""Opening an ONS workbook and finding its tables: sheets by title, header rows, area rows.

Cells are addressed as on the sheet (row r, column c at ``grid[r - 1, c - 1]``); problems name
sheet rows and column letters with their headers.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError, Problem
from .fields import (
    _CODE_RE,
    _END_RE,
    _FOOTNOTE_RE,
    _SEX_WORDS,
    _SEXES,
    _TITLE_RE,
    ANNUAL,
    AREA_TYPES,
    FIX,
    KIND,
    OTHER_AREA_TYPE,
    RATE,
    REDOWNLOAD_FIX,
    TABLES,
    ZIP_SIGNATURE,
)


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
