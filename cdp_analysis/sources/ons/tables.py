"""The ONS tables read into tidy rows: annual counts (Tables 1-2) and 3-year rates (3-8).

The workbook's layout and what is read are described in :mod:`cdp_analysis.sources.ons`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ... import tidy
from ...errors import InputError
from ...periods import parse_period
from .cells import block_values, check_rates
from .fields import (
    _INDICATORS,
    _PERIOD_RE,
    _RATE_FIELDS,
    _TITLE_RE,
    _YEAR_RE,
    AGE,
    ANNUAL,
    NOT_CALCULATED,
    NOT_PUBLISHED,
    RATE,
    SOURCE,
    UNRELIABLE,
    UNRELIABLE_NOT_PUBLISHED,
    ZIP_SIGNATURE,
)
from .workbook import (
    _area_types,
    _col,
    _data_rows,
    _fail,
    _grid,
    _header,
    _names,
    _norm,
    _problem,
    _read_sheets,
    _Sheet,
    _text,
)


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
    blocks = {"deaths": (year_cols, labels, "deaths")}
    deaths, _, blank = block_values(path, sheet, rows, blocks)["deaths"]
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

    whats = {"deaths": "deaths", "rate": "rate", "lower": "rate", "upper": "rate", "flag": "flag"}
    blocks = {
        key: (cols[key], [f"{lab} {heads[key]}" for lab in labels], what)
        for key, what in whats.items()
    }
    values = block_values(path, sheet, rows, blocks)
    check_rates(path, sheet, rows, cols, labels, values)
    deaths, _, no_deaths = values["deaths"]
    rate, rate_mark, rate_blank = values["rate"]
    lower, upper, flag = values["lower"][0], values["upper"][0], values["flag"][1]
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
