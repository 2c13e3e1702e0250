"""The Fingertips recent-trend test: is the latest five-point series going up or down?

Applied to the five most recent points of an indicator (equally spaced, non-overlapping
periods, e.g. single years). The points are numbered t = 1..5 in time order, as
Fingertips and PHEindicatormethods do (the actual dates are not used, so a gap in the
series is not detected: pass only series without breaks).

* Proportions (needs counts and denominators): the chi-square test for trend
  (Cochran-Armitage) ``X2 = [sum (t - T)(O - n p)]^2 / [p (1 - p) sum n (t - T)^2]`` with
  ``p`` the pooled proportion and ``T`` the denominator-weighted mean of t; the gradient is
  the least-squares slope of logit(O / n) on t.
* Other values (rates, DSRs, means...; needs 95% limits): weighted least-squares regression
  of the value on t with weights ``1 / SE^2``, ``SE = (upper - lower) / (2 * 1.96)``;
  the gradient is the weighted slope ``b`` and ``X2 = b^2 * sum w (t - T_w)^2``.

The trend is significant when X2 exceeds 9.5495 (the 99.8% point of chi-square on 1
degree of freedom) and the gradient keeps its sign when each of the five points is left
out in turn (the remaining four renumbered 1..4, as PHEindicatormethods does); otherwise
"No significant change". Markers, with a polarity: "Increasing and getting better",
"Increasing and getting worse", "Decreasing and getting better", "Decreasing and getting
worse"; without one: "Increasing", "Decreasing". "Cannot be calculated" when there are
fewer than 5 points, missing values, duplicate periods, or no variance to test (see
``recent_trend_reason``).

References:
    Office for Health Improvement and Disparities. Fingertips trend markers. Public Health
    Technical Guidance, 2025.
    PHEindicatormethods ``assign_trend_markers`` (UKHSA), whose published test vectors
    this module reproduces.
    Armitage P. Tests for linear trends in proportions and frequencies. Biometrics 1955;
    11: 375-386.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cdp_analysis.stats._inputs import (
    StatsInputError,
    as_float,
    group_codes,
    reject,
    require_columns,
    z_value,
)
from cdp_analysis.stats.comparison import HIGHER_IS_BETTER, LOWER_IS_BETTER, POLARITIES

#: chi-square on 1 degree of freedom at 99.8%.
CHI2_THRESHOLD = 9.5495
#: Number of latest points tested.
POINTS = 5

INCREASING_BETTER = "Increasing and getting better"
INCREASING_WORSE = "Increasing and getting worse"
DECREASING_BETTER = "Decreasing and getting better"
DECREASING_WORSE = "Decreasing and getting worse"
INCREASING, DECREASING = "Increasing", "Decreasing"
NO_SIGNIFICANT_CHANGE = "No significant change"
CANNOT_BE_CALCULATED = "Cannot be calculated"

# Reasons (PHEindicatormethods' wording where it has one).
SIGNIFICANT = "No outliers and significant trend"
NOT_SIGNIFICANT = "No significant trend"
OUTLIER = "Outlier found"
TOO_FEW = "Not enough data points"
MISSING = "Missing values"
MISSING_CI = "Missing at least one confidence interval value"
DUPLICATES = "Duplicate years in group"
NO_VARIANCE = "No variance: a zero denominator, all counts 0 or all equal to denominators"
LOGIT_UNDEFINED = "A count of 0 or equal to its denominator: gradient on the logit scale undefined"
ZERO_WIDTH = "A confidence interval of zero width"

_T = np.arange(1.0, POINTS + 1)


@dataclass(frozen=True)
class TrendResult:
    """Recent trend of one series: marker, reason, chi-square statistic and gradient.

    ``gradient`` is per period: on the logit scale for proportions, in the value's units
    otherwise. ``statistic`` and ``gradient`` are NaN when the test cannot be calculated.
    """

    marker: str
    reason: str
    statistic: float
    gradient: float


def _slopes(y: np.ndarray, t: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """(Weighted) least-squares slope of each row of y on t (rows: groups)."""
    if w is None:
        w = np.ones_like(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        sw = w.sum(axis=1, keepdims=True)
        tm = (w * t).sum(axis=1, keepdims=True) / sw
        ym = (w * y).sum(axis=1, keepdims=True) / sw
        return (w * (t - tm) * (y - ym)).sum(axis=1) / (w * (t - tm) ** 2).sum(axis=1)


def _drop_one_flips(y: np.ndarray, beta: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """True where leaving out some point changes the sign of the gradient."""
    flips = np.zeros(len(y), dtype=bool)
    t4 = np.broadcast_to(np.arange(1.0, POINTS), (len(y), POINTS - 1))
    for j in range(POINTS):  # five fixed positions, each over every group at once
        keep = [i for i in range(POINTS) if i != j]
        sub = _slopes(y[:, keep], t4, None if w is None else w[:, keep])
        flips |= np.sign(sub) != np.sign(beta)
    return flips


def _proportion_test(o: np.ndarray, n: np.ndarray):
    t = np.broadcast_to(_T, o.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = n.sum(axis=1)
        p = o.sum(axis=1) / total
        tbar = (n * t).sum(axis=1) / total
        score = ((t - tbar[:, None]) * (o - n * p[:, None])).sum(axis=1)
        info = p * (1 - p) * (n * (t - tbar[:, None]) ** 2).sum(axis=1)
        statistic = score**2 / info
        y = np.log(o / (n - o))
    beta = _slopes(y, t)
    flips = _drop_one_flips(y, beta, None)
    no_variance = ~(info > 0)
    logit_undefined = ((o == 0) | (o == n)).any(axis=1)
    return statistic, beta, flips, [(no_variance, NO_VARIANCE), (logit_undefined, LOGIT_UNDEFINED)]


def _other_test(y: np.ndarray, lo: np.ndarray, up: np.ndarray, confidence: float):
    t = np.broadcast_to(_T, y.shape)
    se = (up - lo) / (2 * z_value(confidence))
    zero_width = (se == 0).any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1 / se**2
        beta = _slopes(y, t, w)
        sw = w.sum(axis=1, keepdims=True)
        tm = (w * t).sum(axis=1, keepdims=True) / sw
        statistic = beta**2 * (w * (t - tm) ** 2).sum(axis=1)
    flips = _drop_one_flips(y, beta, w)
    return statistic, beta, flips, [(zero_width, ZERO_WIDTH)]


def _markers(beta: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    up = beta > 0
    return np.select(
        [
            up & (polarity == HIGHER_IS_BETTER),
            up & (polarity == LOWER_IS_BETTER),
            up,
            polarity == HIGHER_IS_BETTER,
            polarity == LOWER_IS_BETTER,
        ],
        [INCREASING_BETTER, INCREASING_WORSE, INCREASING, DECREASING_WORSE, DECREASING_BETTER],
        DECREASING,
    )


def recent_trend_grouped(
    df: pd.DataFrame,
    group_cols: str | Sequence[str],
    time_col: str,
    *,
    kind: str = "proportion",
    count_col: str | None = None,
    denominator_col: str | None = None,
    value_col: str | None = None,
    lower_col: str | None = None,
    upper_col: str | None = None,
    polarity: str = "not_applicable",
    polarity_col: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Recent-trend marker for every group of a tidy table (one row per group), vectorised.

    Args:
        df: one row per group x period.
        group_cols: column(s) identifying a series (e.g. indicator, area, sex).
        time_col: column ordering the periods (numbers, dates or sortable labels).
        kind: ``"proportion"`` (needs ``count_col`` and ``denominator_col``) or
            ``"other"`` (needs ``value_col``, ``lower_col`` and ``upper_col``).
        polarity: ``"higher_is_better"``, ``"lower_is_better"`` or ``"not_applicable"``;
            or give ``polarity_col``, a column holding one polarity per group.
        confidence: the level of the given limits (``"other"`` only; default 0.95).

    Returns:
        A DataFrame with the group columns, ``recent_trend`` (the marker),
        ``recent_trend_reason``, ``statistic`` (chi-square), ``gradient``, ``points`` (rows
        in the group) and ``latest`` (its latest period), groups in order of first
        appearance.

    Impossible values (a count above its denominator, negative counts or denominators, a
    lower limit above the upper) raise :class:`~cdp_analysis.stats.StatsInputError`;
    anything that only stops one group's test is reported in that group's reason.
    """
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    data_cols = _data_columns(kind, count_col, denominator_col, value_col, lower_col, upper_col)
    _check_columns(df, [*group_cols, time_col, *data_cols], polarity, polarity_col)
    pts = _Points.of(df, group_cols, time_col)
    if kind == "proportion":
        statistic, beta, flips, invalid, missing = _proportion_series(pts, *data_cols)
    else:
        statistic, beta, flips, invalid, missing = _other_series(pts, *data_cols, confidence)
    pol = _polarities(pts, polarity, polarity_col)

    significant = statistic > CHI2_THRESHOLD
    marker = np.where(significant & ~flips, _markers(beta, pol), NO_SIGNIFICANT_CHANGE).astype(
        object
    )
    reason = np.where(significant, np.where(flips, OUTLIER, SIGNIFICANT), NOT_SIGNIFICANT).astype(
        object
    )
    # Later entries take precedence: the order follows PHEindicatormethods' checks.
    cannot = [
        *invalid[::-1],
        *missing[::-1],
        (pts.sizes < POINTS, TOO_FEW),
        (pts.duplicated, DUPLICATES),
    ]
    blocked = np.zeros(pts.n_groups, dtype=bool)
    for mask, why in cannot:
        reason = np.where(mask, why, reason)
        blocked |= mask
    marker = np.where(blocked, CANNOT_BE_CALCULATED, marker)

    out = pts.keys
    out["recent_trend"] = marker
    out["recent_trend_reason"] = reason
    out["statistic"] = np.where(blocked, np.nan, statistic)
    out["gradient"] = np.where(blocked, np.nan, beta)
    out["points"] = pts.sizes
    out["latest"] = pts.last(time_col)
    return out


_FUNC = "recent_trend_grouped"


def _data_columns(kind, count_col, denominator_col, value_col, lower_col, upper_col) -> list:
    """The data columns ``kind`` needs, refusing an unknown kind or a missing column name."""
    if kind == "proportion":
        data_cols = [count_col, denominator_col]
    elif kind == "other":
        data_cols = [value_col, lower_col, upper_col]
    else:
        raise StatsInputError(
            None,
            f"kind {kind!r} is not known",
            kind=f"{_FUNC} input",
            fix="use kind='proportion' or kind='other'",
        )
    if any(c is None for c in data_cols):
        need = (
            "count_col and denominator_col"
            if kind == "proportion"
            else "value_col, lower_col and upper_col"
        )
        raise StatsInputError(
            None, f"kind={kind!r} needs {need}", kind=f"{_FUNC} input", fix=f"pass {need}"
        )
    return data_cols


def _check_columns(df: pd.DataFrame, cols: list, polarity: str, polarity_col) -> None:
    require_columns(df, cols + ([polarity_col] if polarity_col else []), _FUNC)
    if polarity_col is None and polarity not in POLARITIES:
        raise StatsInputError(
            None,
            f"polarity {polarity!r} is not known",
            kind=f"{_FUNC} input",
            fix=f"use one of {', '.join(POLARITIES)}",
        )


@dataclass
class _Points:
    """The rows sorted by group and period, and where each group's latest POINTS fall."""

    d: pd.DataFrame  # the rows, sorted by group, then period
    codes: np.ndarray  # each sorted row's group number
    keys: pd.DataFrame  # the group columns, one row per group
    sizes: np.ndarray  # rows per group
    duplicated: np.ndarray  # groups with a period given twice
    latest_rows: np.ndarray  # the sorted rows among their group's latest POINTS
    g: np.ndarray  # their group
    col: np.ndarray  # their column in a (groups x POINTS) matrix, the latest last

    @property
    def n_groups(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, df: pd.DataFrame, group_cols: list, time_col: str) -> _Points:
        codes, keys = group_codes(df, group_cols)
        n_groups = len(keys)
        order = np.lexsort((df[time_col].to_numpy(), codes))
        d = df.iloc[order].reset_index(drop=True)
        codes = codes[order]
        sizes = np.bincount(codes, minlength=n_groups)
        dup_rows = d.duplicated(subset=[*group_cols, time_col]).to_numpy()
        duplicated = np.bincount(codes, weights=dup_rows.astype(float), minlength=n_groups) > 0
        from_end = sizes[codes] - 1 - pd.Series(codes).groupby(codes).cumcount().to_numpy()
        latest_rows = from_end < POINTS
        return cls(d, codes, keys, sizes, duplicated, latest_rows, codes[latest_rows],
                   POINTS - 1 - from_end[latest_rows])  # fmt: skip

    def matrix(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Column ``name`` as floats (every row) and as a (groups x POINTS) matrix of each
        group's latest points (NaN where a group has fewer)."""
        values, _ = as_float(self.d[name], name, _FUNC)
        m = np.full((self.n_groups, POINTS), np.nan)
        m[self.g, self.col] = values[self.latest_rows]
        return values, m

    def last(self, name: str) -> np.ndarray:
        """Each group's value of ``name`` in its latest period."""
        return self.d.groupby(self.codes)[name].last().reindex(range(self.n_groups)).to_numpy()


def _proportion_series(pts: _Points, count_col: str, denominator_col: str):
    """The chi-square test on counts and denominators, refusing impossible values."""
    o_all, o = pts.matrix(count_col)
    n_all, n = pts.matrix(denominator_col)
    for arr, name in ((o_all, count_col), (n_all, denominator_col)):
        reject(arr < 0, _FUNC, name, "negative value(s)", "a number >= 0", "correct the input")
        reject(np.isinf(arr), _FUNC, name, "infinite value(s)", "a finite number",
               "correct the input")  # fmt: skip
    reject(o_all > n_all, _FUNC, count_col, "count(s) above the denominator",
           "count <= denominator", "check the two columns")  # fmt: skip
    missing = [(np.isnan(o).any(axis=1) | np.isnan(n).any(axis=1), MISSING)]
    return (*_proportion_test(o, n), missing)


def _other_series(pts: _Points, value_col: str, lower_col: str, upper_col: str, confidence):
    """The test on values with confidence limits, refusing a lower limit above the upper."""
    _, y = pts.matrix(value_col)
    lo_all, lo = pts.matrix(lower_col)
    up_all, up = pts.matrix(upper_col)
    reject(lo_all > up_all, _FUNC, lower_col, "lower limit(s) above the upper limit",
           "lower <= upper", "check that the limit columns are not swapped")  # fmt: skip
    missing = [
        (np.isnan(y).any(axis=1), MISSING),
        (np.isnan(lo).any(axis=1) | np.isnan(up).any(axis=1), MISSING_CI),
    ]
    return (*_other_test(y, lo, up, confidence), missing)


def _polarities(pts: _Points, polarity: str, polarity_col: str | None) -> np.ndarray:
    """One polarity per group: ``polarity``, or each group's last value of ``polarity_col``."""
    if not polarity_col:
        return np.full(pts.n_groups, polarity, dtype=object)
    pol = pts.last(polarity_col).astype(object)
    bad = ~np.isin(pol, POLARITIES)
    if bad.any():
        raise StatsInputError(
            None,
            f"polarity not recognised: {sorted(set(map(str, pol[bad])))[:5]}",
            kind=f"{_FUNC} input",
            fix=f"use one of {', '.join(POLARITIES)}",
        )
    return pol


def recent_trend(
    count: Any = None,
    denominator: Any = None,
    *,
    value: Any = None,
    lower: Any = None,
    upper: Any = None,
    times: Any = None,
    polarity: str = "not_applicable",
    confidence: float = 0.95,
) -> TrendResult:
    """Recent-trend marker for one series (see the module notes for the method).

    Give ``count`` and ``denominator`` for a proportion, or ``value``, ``lower`` and
    ``upper`` (95% limits) for any other indicator type. Points are in time order unless
    ``times`` is given (then they are sorted by it; repeated times raise
    :class:`~cdp_analysis.stats.StatsInputError`). The five latest points are tested.

    Example:
        >>> r = recent_trend([318, 314, 318, 291, 292], [468.34, 472.89, 500.79, 480.2, 499.15],
        ...                  polarity="higher_is_better")
        >>> r.marker
        'Decreasing and getting worse'
    """
    func = "recent_trend"
    proportion = count is not None or denominator is not None
    other = value is not None or lower is not None or upper is not None
    if proportion == other:
        raise StatsInputError(
            None,
            "give either count and denominator, or value, lower and upper",
            kind=f"{func} input",
            fix="pass one kind of series",
        )
    names = ["count", "denominator"] if proportion else ["value", "lower", "upper"]
    given = [count, denominator] if proportion else [value, lower, upper]
    columns = {}
    for name, x in zip(names, given, strict=True):
        if x is None:
            raise StatsInputError(
                None, f"{name} is missing", kind=f"{func} input", fix=f"pass {name}="
            )
        arr, _ = as_float(x, name, func)
        columns[name] = np.atleast_1d(arr)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise StatsInputError(
            None,
            "the series given have different lengths",
            kind=f"{func} input",
            fix="pass one value per period in each",
        )
    size = lengths.pop()
    t = np.arange(size) if times is None else np.asarray(times)
    if len(t) != size:
        raise StatsInputError(
            None,
            "times has a different length from the values",
            kind=f"{func} input",
            fix="pass one time per value",
        )
    if len(pd.unique(t)) != size:
        raise StatsInputError(
            None, "a time period is repeated", kind=f"{func} input", fix="give each period once"
        )
    frame = pd.DataFrame({"_group": 0, "_time": t, **columns})
    kwargs = (
        {"kind": "proportion", "count_col": "count", "denominator_col": "denominator"}
        if proportion
        else {"kind": "other", "value_col": "value", "lower_col": "lower", "upper_col": "upper"}
    )
    row = recent_trend_grouped(
        frame, "_group", "_time", polarity=polarity, confidence=confidence, **kwargs
    ).iloc[0]
    return TrendResult(
        marker=str(row["recent_trend"]),
        reason=str(row["recent_trend_reason"]),
        statistic=float(row["statistic"]),
        gradient=float(row["gradient"]),
    )
