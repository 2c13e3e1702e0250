"""Confidence intervals for counts and rates: Byar's method and the exact Poisson method.

Fingertips and PHEindicatormethods use the exact method (from the chi-square distribution)
for counts below 10 and Byar's approximation from 10 upwards; rates divide the limits of
the count by the denominator.

References:
    Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and
    analysis of cohort studies. Lyon: IARC, 1987 (Byar's method, p. 69).
    Public Health England. Technical Guide: Confidence intervals (2018), sections on counts
    and rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import gammaincinv

from cdp_analysis.stats._inputs import (
    as_float,
    broadcast,
    check_non_negative,
    combine,
    per_level,
    reject,
    wrap,
    z_value,
)

#: Below this many events the exact method is used instead of Byar's.
EXACT_BELOW = 10


def exact_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for checked float arrays: chi-square quantiles / 2.

    lower = chi2(alpha/2; 2x) / 2 (0 when x is 0), upper = chi2(1 - alpha/2; 2x + 2) / 2.
    """
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        tiny = np.finfo(float).tiny  # subnormal counts: the limit underflows to 0 anyway
        lower = np.where(
            x > 0, gammaincinv(np.where(x > 0, np.maximum(x, tiny), 1.0), alpha / 2), 0.0
        )
        upper = gammaincinv(x + 1, 1 - alpha / 2)
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def byar_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation for checked float arrays.

    lower = x (1 - 1/(9x) - z/(3 sqrt x))^3; upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.
    A negative lower limit (possible only for very small counts) is returned as NaN.
    """
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        x1 = x + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def count_limits(x: np.ndarray, confidence: float, exact_below: float = EXACT_BELOW):
    """Exact limits below ``exact_below`` events, Byar's from there up (checked arrays)."""
    small = x < exact_below
    if not small.any():
        return byar_limits(x, confidence)
    lower = np.empty_like(x)
    upper = np.empty_like(x)
    big = ~small  # includes NaN, which Byar's formula passes through as NaN
    lower[big], upper[big] = byar_limits(x[big], confidence)
    xs = x[small]
    whole = xs == np.floor(xs)
    lo_s = np.empty_like(xs)
    up_s = np.empty_like(xs)
    if whole.any():  # whole counts below the switch: look the limits up
        table = np.arange(np.ceil(exact_below), dtype=float)
        t_lo, t_up = exact_limits(table, confidence)
        idx = xs[whole].astype(np.intp)
        lo_s[whole], up_s[whole] = t_lo[idx], t_up[idx]
    if not whole.all():  # weighted (fractional) counts
        lo_s[~whole], up_s[~whole] = exact_limits(xs[~whole], confidence)
    lower[small], upper[small] = lo_s, up_s
    return lower, upper


def _counts(count: Any, func: str):
    x, shape = as_float(count, "count", func)
    check_non_negative(x, func, "count", shape)
    return x, shape


def exact_poisson_ci(
    count: Any, confidence: float | Sequence[float] = 0.95
) -> tuple[Any, Any] | dict[float, tuple[Any, Any]]:
    """Exact Poisson confidence limits for a count (chi-square method).

    Returns ``(lower, upper)`` in the units of the count; the lower limit of 0 is 0.
    Shapes, missing values and errors as for :func:`byar_ci`.

    Example:
        >>> [round(v, 6) for v in exact_poisson_ci(1)]
        [0.025318, 5.571643]
    """
    func = "exact_poisson_ci"
    x, shape = _counts(count, func)
    return per_level(confidence, func, lambda c: tuple(wrap(v, shape) for v in exact_limits(x, c)))


def byar_ci(
    count: Any,
    confidence: float | Sequence[float] = 0.95,
    exact_below: float = EXACT_BELOW,
) -> tuple[Any, Any] | dict[float, tuple[Any, Any]]:
    """Confidence limits for a Poisson count: exact below 10 events, Byar's from 10 up.

    Args:
        count: observed number of events (scalar or array-like); need not be whole.
        confidence: 0.95 or 0.998, or a list of levels (then a dict keyed by level).
        exact_below: counts below this use the exact method (default 10, as Fingertips).
            Pass 0 to get Byar's approximation for every count, as PHEindicatormethods'
            ``byars_lower``/``byars_upper`` do; its lower limit is then NaN where the
            approximation goes negative (e.g. 1 event at 99.8%).

    Returns:
        ``(lower, upper)`` in the units of the count: floats, arrays, or Series with the
        same index. A count of 0 has a lower limit of 0.

    Missing counts give NaN; negative or infinite counts raise
    :class:`~cdp_analysis.stats.StatsInputError` (a ``ValueError``).

    Example:
        >>> [round(v, 6) for v in byar_ci(65)]
        [50.163188, 82.849139]
    """
    func = "byar_ci"
    x, shape = _counts(count, func)
    return per_level(
        confidence,
        func,
        lambda c: tuple(wrap(v, shape) for v in count_limits(x, c, exact_below)),
    )


def rate_ci(
    count: Any,
    denominator: Any,
    confidence: float | Sequence[float] = 0.95,
    multiplier: Any = 100_000,
) -> tuple[Any, Any] | dict[float, tuple[Any, Any]]:
    """Confidence limits for a crude rate ``count / denominator * multiplier``.

    The limits of the count (exact below 10, Byar's from 10: :func:`byar_ci`) divided by
    the denominator and multiplied by ``multiplier`` (e.g. 100,000 for a rate per 100,000;
    one multiplier for all rows, or one per row).
    Counts may exceed denominators (a rate, not a proportion).

    Missing values give NaN; a denominator of 0 gives NaN when the count is 0 too and
    raises when events were counted in no population. Negative values raise
    :class:`~cdp_analysis.stats.StatsInputError` (a ``ValueError``).

    Example:
        >>> [round(v, 4) for v in rate_ci(65, 100, multiplier=100)]
        [50.1632, 82.8491]
    """
    func = "rate_ci"
    x, sx = as_float(count, "count", func)
    n, sn = as_float(denominator, "denominator", func)
    m, sm = as_float(multiplier, "multiplier", func)
    shape = combine([sx, sn, sm], func)
    x, n, m = broadcast(func, x, n, m)
    check_non_negative(x, func, "count", shape)
    check_non_negative(n, func, "denominator", shape)
    reject(
        (n == 0) & (x > 0),
        func,
        "denominator",
        "zero denominator(s) with events counted",
        "a population above 0 wherever events were counted",
        "check the denominator column",
        shape,
    )
    reject(
        ~(m > 0) | np.isinf(m),
        func,
        "multiplier",
        "multiplier(s) that are not positive numbers",
        "a positive number such as 100000",
        "pass multiplier=100_000 (or one positive multiplier per row)",
        shape,
    )

    def compute(level: float):
        lo, up = count_limits(x, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(n > 0, m / n, np.nan)
        return wrap(lo * scale, shape), wrap(up * scale, shape)

    return per_level(confidence, func, compute)
