"""The cell checks of an ONS table, as pandera rules: values, then rates against their limits.

A table's value block (area rows x period columns) is checked as one frame indexed by sheet
row, one column per sheet column (named by letter and header, as messages show it), with a
:class:`~cdp_analysis.schemas.Rule` per column; validation is lazy, so every bad
column of every block is reported at once. Once the values parse, a second frame of the
parsed numbers checks that each rate has its deaths and lies within its 95% limits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import schemas
from .workbook import _col, _fail, _Sheet

#: What each kind of cell may hold besides a number, and what a person is told is expected.
_MARKERS = {"deaths": [], "rate": [":"], "flag": ["U"]}
_EXPECTED = {
    "deaths": "a whole number of deaths, or blank",
    "rate": "a number, ':' (not calculated) or blank",
    "flag": "'u' (unreliable) or blank",
}


def _parse(raw: np.ndarray, what: str) -> tuple[np.ndarray, ...]:
    """(numbers, markers upper-cased with '' elsewhere, blank, allowed) of a block of raw
    cells, each the block's shape: one vectorised pass over all its cells."""
    cells = pd.Series(raw.ravel(), dtype=object)
    text = pd.Series([None if v is None else str(v).strip().upper() for v in cells], dtype=object)
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    nums = pd.to_numeric(cells.where(~blank), errors="coerce").to_numpy(dtype=float)
    is_num = ~np.isnan(nums) & ~text.isin(["TRUE", "FALSE"]).fillna(False).to_numpy(dtype=bool)
    is_marker = text.isin(_MARKERS[what]).fillna(False).to_numpy(dtype=bool)
    bad = ~(blank | is_num | is_marker)
    if what == "flag":
        bad |= is_num
    elif what == "deaths":
        bad |= is_num & ((nums < 0) | (nums != np.round(nums)))
    else:
        bad |= is_num & (nums < 0)
    markers = np.where(is_marker, text.fillna("").to_numpy(dtype=object), "")
    return tuple(a.reshape(raw.shape) for a in (nums, markers, blank, ~bad))


def _unexpected(sheet: _Sheet, column: str):
    def message(d: pd.DataFrame) -> str:
        shown = ", ".join(repr(v) for v in pd.unique(d[column].to_numpy(dtype=object))[:3])
        return f"sheet '{sheet.name}': unexpected value {shown}"

    return message


def block_values(
    path: Path, sheet: _Sheet, rows: np.ndarray, blocks: dict[str, tuple[list[int], list[str], str]]
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Check and parse value blocks of ``sheet``: ``blocks`` maps a name to (0-based columns,
    their headers, what the cells hold: ``"deaths"``, ``"rate"`` or ``"flag"``). Returns, per
    block, (numbers, markers upper-cased with '' elsewhere, blank), each rows x columns.
    Raises InputError naming every column with a cell that is not allowed.

    The frame checked holds each sheet column's raw cells (for the message) and whether each
    cell is allowed (``ok <column>``), parsed once per block."""
    index = pd.Index(np.asarray(rows) + 1, name="sheet row")
    columns, rules, out = {}, [], {}
    for key, (cols, headers, what) in blocks.items():
        raw = sheet.grid[np.ix_(rows, cols)]
        nums, markers, blank, allowed = _parse(raw, what)
        out[key] = nums, markers, blank
        for j, (c, head) in enumerate(zip(cols, headers, strict=True)):
            name = _col(c, head)
            columns[name] = pd.Series(raw[:, j], index=index, dtype=object)
            columns[f"ok {name}"] = allowed[:, j]
            rules.append(
                schemas.Rule(f"sheet '{sheet.name}': unexpected value",
                             lambda d, name=name: d[f"ok {name}"], name=name,
                             expected=_EXPECTED[what], detail=_unexpected(sheet, name))
            )  # fmt: skip
    _raise(path, pd.DataFrame(columns, index=index), rules)
    return out


def check_rates(path: Path, sheet: _Sheet, rows: np.ndarray, cols: dict, labels: list[str],
                values: dict) -> None:  # fmt: skip
    """Refuse a rate, limit or marker with no number of deaths beside it (it would be lost),
    and 95% limits that do not hold their rate (lower <= rate <= upper holds for every row of
    the 2021 edition). ``values`` is :func:`block_values`' result for the rate tables' blocks;
    blank and ':' cells (NaN) are not compared."""
    deaths_blank = values["deaths"][2]
    rate, _, rate_blank = values["rate"]
    lower, _, lower_blank = values["lower"]
    upper, _, upper_blank = values["upper"]
    flag = values["flag"][1]
    orphan = deaths_blank & (~(rate_blank & lower_blank & upper_blank) | (flag != ""))
    columns, rules = {}, []
    for j, label in enumerate(labels):
        columns[f"orphan {j}"] = orphan[:, j]
        rules.append(
            schemas.Rule(f"sheet '{sheet.name}': a rate, limit or marker with no number of deaths",
                         lambda d, j=j: ~d[f"orphan {j}"],
                         name=_col(cols["deaths"][j], f"{label} Deaths"),
                         expected="the number of deaths beside every published rate")
        )  # fmt: skip
    index = pd.Index(np.asarray(rows) + 1, name="sheet row")
    if orphan.any():  # the limits are not compared until every rate has its deaths
        _raise(path, pd.DataFrame(columns, index=index), rules)
    for key, limit, what in [
        ("lower", lower, "lower 95% limit above the rate"),
        ("upper", upper, "upper 95% limit below the rate"),
    ]:
        for j, label in enumerate(labels):
            columns[f"{key} {j}"], columns[f"rate {j}"] = limit[:, j], rate[:, j]
            outside = (lambda d, k=key, j=j: ~(d[f"{k} {j}"] > d[f"rate {j}"])) if key == "lower" \
                else (lambda d, k=key, j=j: ~(d[f"{k} {j}"] < d[f"rate {j}"]))  # fmt: skip
            rules.append(
                schemas.Rule(what, outside, name=_col(cols[key][j], f"{label} {key.capitalize()}"),
                             expected="lower limit <= rate <= upper limit, as ONS publishes them",
                             detail=_limit_message(sheet, what, key, j))
            )  # fmt: skip
    _raise(path, pd.DataFrame(columns, index=index), rules)


def _limit_message(sheet: _Sheet, what: str, key: str, j: int):
    def message(d: pd.DataFrame) -> str:
        first = d.iloc[0]
        return (
            f"sheet '{sheet.name}': {what} (e.g. {first[f'{key} {j}']:g} beside a rate of "
            f"{first[f'rate {j}']:g})"
        )

    return message


def _raise(path: Path, frame: pd.DataFrame, rules: list) -> None:
    problems = schemas.problems(frame, rules)
    if problems:
        raise _fail(path, problems)
