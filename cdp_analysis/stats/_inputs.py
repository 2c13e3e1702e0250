"""Shared input handling for the statistics functions.

Every public function in :mod:`cdp_analysis.stats` accepts scalars, sequences, numpy arrays
or pandas Series. This module turns them into float arrays, checks them, and gives results
back in the shape that came in: a scalar gives a ``float``, a Series gives a Series with the
same index, anything else gives a numpy array.

Missing values (``None``, ``NaN``, ``pd.NA``) are kept as NaN and give NaN results.
Impossible values (negative counts, a count above its denominator, infinities, text) raise
:class:`StatsInputError`, which is both a :class:`~cdp_analysis.errors.InputError` (so the
command line reports it without a traceback) and a :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from cdp_analysis.errors import InputError, Problem

#: The confidence levels used in official statistics in England (95% and 99.8%).
STANDARD_LEVELS = (0.95, 0.998)


class StatsInputError(InputError, ValueError):
    """A statistics function was given an impossible input (e.g. count above denominator)."""


@dataclass(frozen=True)
class Shape:
    """What came in, so results can go back out in the same form."""

    kind: str  # "scalar", "array" or "series"
    index: pd.Index | None = None


def _fail(func: str, message: str, column: str, expected: str, fix: str) -> StatsInputError:
    return StatsInputError(
        None,
        Problem(message, column=column, expected=expected),
        kind=f"{func} input",
        fix=fix,
    )


def as_float(x: Any, name: str, func: str) -> tuple[np.ndarray, Shape]:
    """Return ``x`` as a float array (missing values as NaN) and a note of its shape."""
    if isinstance(x, pd.DataFrame):
        raise _fail(
            func,
            "a DataFrame was given where one column of numbers was expected",
            name,
            "a number, a sequence of numbers or a Series",
            f"pass one column, e.g. df['{name}']",
        )
    if isinstance(x, pd.Series | pd.Index):
        shape = Shape("series", x.index) if isinstance(x, pd.Series) else Shape("array")
        return _series_to_float(pd.Series(x), name, func), shape
    if x is None or x is pd.NA:
        return np.array(np.nan), Shape("scalar")
    if np.isscalar(x) or (isinstance(x, np.ndarray) and x.ndim == 0):
        arr = np.asarray(x)
        if arr.dtype.kind in "iuf":
            return arr.astype(float), Shape("scalar")
        return _series_to_float(pd.Series([arr.item()]), name, func).reshape(()), Shape("scalar")
    arr = np.asarray(x)
    if arr.dtype.kind in "iuf":
        return arr.astype(float), Shape("array")
    flat = _series_to_float(pd.Series(arr.ravel()), name, func)
    return flat.reshape(arr.shape), Shape("array")


_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "empty", "integer-na"}


def _series_to_float(s: pd.Series, name: str, func: str) -> np.ndarray:
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind not in _NUMERIC_KINDS:
        # Error path only: find the offending entries to name them.
        values = s.to_numpy(dtype=object)
        bad = [
            i
            for i, v in enumerate(values)
            if not (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))
            and (
                isinstance(v, bool | np.bool_ | str | bytes)
                or not isinstance(v, int | float | np.number)
            )
        ]
        examples = ", ".join(repr(values[i]) for i in bad[:3])
        raise _fail(
            func,
            f"{len(bad)} value(s) are not numbers (e.g. {examples}) at position(s) "
            + ", ".join(str(i) for i in bad[:10]),
            name,
            "numbers, with NaN or None for missing values",
            "convert the column to numbers first (text and true/false are not accepted)",
        )
    return pd.to_numeric(s).to_numpy(dtype=float, na_value=np.nan)


def combine(shapes: Sequence[Shape], func: str) -> Shape:
    """The output shape for several inputs: a Series if any came as a Series."""
    series = [s for s in shapes if s.kind == "series"]
    if series:
        first = series[0].index
        for other in series[1:]:
            if not first.equals(other.index):
                raise _fail(
                    func,
                    "the Series given have different indexes, so their rows do not line up",
                    "index",
                    "Series with identical indexes",
                    "align the Series first (e.g. take columns of one DataFrame)",
                )
        return Shape("series", first)
    if any(s.kind == "array" for s in shapes):
        return Shape("array")
    return Shape("scalar")


def broadcast(func: str, *arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast arrays together, with a clear error when their lengths differ."""
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        sizes = " and ".join(str(a.shape) for a in arrays)
        raise _fail(
            func,
            f"inputs of different lengths cannot be paired: shapes {sizes}",
            "inputs",
            "inputs of the same length (or single numbers)",
            "pass one value per row in every input",
        ) from None


def wrap(arr: np.ndarray, shape: Shape) -> Any:
    """Give ``arr`` back in the form the inputs came in."""
    if shape.kind == "scalar":
        return float(np.asarray(arr).reshape(()))
    if shape.kind == "series":
        return pd.Series(np.asarray(arr, dtype=float), index=shape.index)
    return np.asarray(arr, dtype=float)


def reject(
    mask: np.ndarray,
    func: str,
    column: str,
    message: str,
    expected: str,
    fix: str,
    shape: Shape | None = None,
) -> None:
    """Raise :class:`StatsInputError` if any element of ``mask`` is true, naming where."""
    mask = np.asarray(mask)
    if not mask.any():
        return
    where = np.flatnonzero(mask.ravel())
    if shape is not None and shape.kind == "series" and mask.ndim == 1:
        labels = [str(v) for v in shape.index[where[:10]]]
        at = "index label(s) " + ", ".join(labels)
    elif mask.ndim == 0:
        at = "the value given"
    else:
        at = "position(s) " + ", ".join(str(i) for i in where[:10])
    more = f" and {len(where) - 10} more" if len(where) > 10 else ""
    raise _fail(func, f"{len(where)} {message} at {at}{more}", column, expected, fix)


def check_non_negative(arr: np.ndarray, func: str, column: str, shape: Shape) -> None:
    """Counts and denominators must be finite and not negative (NaN is allowed: missing)."""
    reject(
        np.isinf(arr),
        func,
        column,
        "infinite value(s)",
        "a finite number",
        "check how the column was calculated",
        shape,
    )
    reject(
        arr < 0,
        func,
        column,
        "negative value(s)",
        "a number >= 0",
        "counts and populations cannot be negative; correct the input",
        shape,
    )


def levels(confidence: float | Sequence[float], func: str) -> tuple[list[float], bool]:
    """Validate ``confidence``; return the levels and whether several were asked for."""
    multi = not np.isscalar(confidence)
    values = list(confidence) if multi else [confidence]  # type: ignore[arg-type]
    if not values:
        raise _fail(func, "no confidence level given", "confidence", "0.95 or 0.998", "pass 0.95")
    out = []
    for c in values:
        if isinstance(c, bool) or not isinstance(c, int | float | np.floating | np.integer):
            raise _fail(
                func,
                f"confidence {c!r} is not a number",
                "confidence",
                "0.95 or 0.998",
                "pass confidence=0.95",
            )
        c = float(c)
        if not 0.5 <= c < 1:
            hint = " (give it as a proportion: 0.95, not 95)" if 50 <= c < 100 else ""
            raise _fail(
                func,
                f"confidence {c:g} is not a proportion between 0.5 and 1{hint}",
                "confidence",
                "0.95 or 0.998",
                "pass confidence=0.95, confidence=0.998 or confidence=[0.95, 0.998]",
            )
        out.append(c)
    if len(set(out)) != len(out):
        raise _fail(
            func,
            "a confidence level is repeated",
            "confidence",
            "distinct levels such as [0.95, 0.998]",
            "list each level once",
        )
    return out, multi


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: 1.959964 for 0.95, 3.090232 for 0.998."""
    return float(ndtri(0.5 + confidence / 2))


def per_level(confidence: float | Sequence[float], func: str, compute: Callable[[float], Any]):
    """Call ``compute(level)`` once per level: one result, or a dict keyed by level."""
    values, multi = levels(confidence, func)
    if multi:
        return {c: compute(c) for c in values}
    return compute(values[0])


def level_suffix(confidence: float) -> str:
    """Column suffix for a level, as in the tidy table: 0.95 -> '95', 0.998 -> '99_8'."""
    text = f"{confidence * 100:.10g}"
    return text.replace(".", "_")


def group_codes(df: pd.DataFrame, group_cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Number each row's group (0, 1, ... in order of first appearance) without tuples.

    Returns the codes and a frame of the group keys (one row per group, in code order).
    Missing keys form their own group rather than being dropped.
    """
    codes = df.groupby(group_cols, sort=False, dropna=False).ngroup().to_numpy()
    # Codes are numbered in order of first appearance, so a row starts a new group
    # exactly where the running maximum of the codes goes up.
    running = np.maximum.accumulate(codes) if len(codes) else codes
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]]) if len(codes) else codes
    keys = df[group_cols].iloc[first].reset_index(drop=True)
    return codes, keys


class GroupSums:
    """Sums per group, by reshaping when every group is one contiguous run of equal length."""

    def __init__(self, codes: np.ndarray, n_groups: int) -> None:
        self.codes = codes
        self.n_groups = n_groups
        self.sizes = np.bincount(codes, minlength=n_groups)
        contiguous = n_groups == 0 or np.count_nonzero(np.diff(codes)) == n_groups - 1
        self.starts = np.r_[0, np.cumsum(self.sizes)[:-1]] if contiguous else None
        self.width = (
            int(self.sizes[0])
            if contiguous and n_groups and (self.sizes == self.sizes[0]).all()
            else None
        )

    def __call__(self, values: np.ndarray) -> np.ndarray:
        if self.width is not None:
            return values.reshape(self.n_groups, self.width).sum(axis=1)
        return np.bincount(self.codes, weights=values, minlength=self.n_groups)

    def positions(self) -> np.ndarray:
        """Each row's position within its group (0, 1, ...)."""
        if self.starts is not None:
            return np.arange(len(self.codes)) - self.starts[self.codes]
        return pd.Series(self.codes).groupby(self.codes).cumcount().to_numpy()


def require_columns(df: pd.DataFrame, needed: list, func: str) -> None:
    """Refuse a table without every column in ``needed``, naming the columns it has."""
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise StatsInputError(
            None,
            f"columns not found: {', '.join(missing)}",
            kind=f"{func} input",
            fix=f"the table has columns {', '.join(map(str, df.columns))}",
        )
