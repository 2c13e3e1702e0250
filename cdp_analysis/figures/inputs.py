"""Checks on what chart functions are given: bad input raises InputError, never a bad chart."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..errors import InputError, Problem
from ..tidy import ENGLAND, ENGLAND_CODE, is_synthetic

BREAKDOWN = ["sex", "age", "category"]


def require_columns(df: pd.DataFrame, columns: Iterable[str], where: str, fix: str = "") -> None:
    """Raise InputError listing every required column missing from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            None, f"expected a pandas DataFrame, got {type(df).__name__}", kind=f"{where} data"
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            None,
            [
                Problem("column missing", column=c, expected="a column of that name")
                for c in missing
            ],
            kind=f"{where} data",
            fix=fix
            or "pass the tidy indicator table (cdp_analysis.tidy.COLUMNS) or the frame "
            "documented in the function's docstring",
        )


def single_value(df: pd.DataFrame, column: str, where: str, fix: str) -> str:
    """The one value of ``column`` in ``df``; InputError when there are several."""
    values = pd.unique(df[column].astype(str))
    if len(values) > 1:
        rows = df.index[df[column].astype(str) != values[0]].tolist()
        raise InputError(
            None,
            Problem(
                f"{len(values)} different values ({', '.join(map(str, values[:5]))}) where one "
                "chart needs one",
                rows=rows,
                column=column,
                expected="a single value",
            ),
            kind=f"{where} data",
            fix=fix,
        )
    return str(values[0]) if len(values) else ""


def no_rows(where: str, what: str, column: str, expected: str, fix: str) -> InputError:
    """InputError for a selection that found nothing."""
    return InputError(
        None,
        Problem(f"no rows for {what}", column=column, expected=expected),
        kind=f"{where} data",
        fix=fix,
    )


def no_duplicates(df: pd.DataFrame, columns: list[str], where: str, fix: str) -> None:
    """InputError listing the rows (frame index labels) that repeat ``columns``."""
    dup = df.duplicated(columns, keep=False)
    if dup.any():
        raise InputError(
            None,
            Problem(
                "rows repeat the same " + " / ".join(columns) + " (index labels listed)",
                rows=df.index[dup].tolist(),
                column=columns[-1],
                expected="one row each",
            ),
            kind=f"{where} data",
            fix=fix,
        )


def same_breakdown(df: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``df`` with the sex/age/category of ``like`` (columns absent are ignored)."""
    cols = [c for c in BREAKDOWN if c in df.columns and c in like.columns]
    if not cols or like.empty:
        return df
    keys = pd.MultiIndex.from_frame(like[cols].astype(str).drop_duplicates())
    return df[pd.MultiIndex.from_frame(df[cols].astype(str)).isin(keys)]


def england_mask(df: pd.DataFrame) -> pd.Series:
    """True for England rows (area type ``England`` or code E92000001)."""
    mask = df["area_code"].astype(str) == ENGLAND_CODE
    if "area_type" in df:
        mask |= df["area_type"].astype(str) == ENGLAND
    return mask


def synthetic_rows(df: pd.DataFrame | None) -> pd.Series:
    """True for each row that is synthetic demo data (its ``synthetic`` column, or a source
    starting "synthetic demo data"), aligned with ``df``."""
    if df is None or df.empty:
        return pd.Series(False, index=getattr(df, "index", None), dtype=bool)
    out = pd.Series(False, index=df.index, dtype=bool)
    if "synthetic" in df:
        out |= df["synthetic"].fillna(False).astype(bool)
    if "source" in df:
        out |= is_synthetic(df["source"].fillna("").astype(str)).astype(bool)
    return out


def any_synthetic(frames: Iterable[pd.DataFrame], flag: bool | None) -> bool:
    """True when ``flag`` is True or any row's source (or ``synthetic`` column) marks
    synthetic demo data."""
    if flag:
        return True
    for df in frames:
        if df is None or df.empty:
            continue
        if "synthetic" in df and df["synthetic"].fillna(False).astype(bool).any():
            return True
        if "source" in df and is_synthetic(df["source"].fillna("").astype(str)).any():
            return True
    return False
