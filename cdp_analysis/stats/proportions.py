"""Confidence intervals for proportions: the Wilson score method.

The method used for every proportion in Fingertips and the PHE/OHID indicator tools.

References:
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927; 22: 209-212.
    Newcombe RG, Altman DG. Proportions and their differences. In: Altman DG et al. (eds)
    Statistics with confidence, 2nd edn. BMJ Books, 2000: 46-48.
    Public Health England. Technical Guide: Confidence intervals (2018), section on
    proportions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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


def wilson_limits(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for float arrays already checked (no validation here).

    ``x`` successes out of ``n``; returns proportions (0-1). NaN where ``n`` is 0.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = z * z
        centre = 2 * x + z2
        half = z * np.sqrt(z2 + 4 * x * (1 - x / n))
        scale = 2 * (n + z2)
        lower = (centre - half) / scale
        upper = (centre + half) / scale
    # The formula is 0 and 1 exactly at x = 0 and x = n; remove rounding dust there.
    lower = np.where(x == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(upper, 0.0, 1.0))
    undefined = ~(n > 0)  # n == 0 or NaN: no proportion to estimate
    lower = np.where(undefined, np.nan, lower)
    upper = np.where(undefined, np.nan, upper)
    return lower, upper


def wilson_ci(
    count: Any,
    denominator: Any,
    confidence: float | Sequence[float] = 0.95,
) -> tuple[Any, Any] | dict[float, tuple[Any, Any]]:
    """Wilson score confidence limits for a proportion ``count / denominator``.

    Args:
        count: number of cases meeting the condition (scalar or array-like).
        denominator: number in the sample (scalar or array-like, same length).
        confidence: 0.95 or 0.998 (any level in [0.5, 1) works), or a list of levels.

    Returns:
        ``(lower, upper)`` as proportions between 0 and 1: floats for scalar input, a
        Series (same index) if a Series came in, else numpy arrays. With a list of levels,
        a dict ``{level: (lower, upper)}``.

    Missing values give NaN. A denominator of 0 (with a count of 0) gives NaN. A negative
    value, an infinite value, or a count above its denominator raises
    :class:`~cdp_analysis.stats.StatsInputError` (a ``ValueError``). Counts need not be
    whole numbers (weighted counts are accepted, as in PHEindicatormethods).

    Example:
        >>> wilson_ci(65, 100)
        (0.5525444329688797, 0.7363575175690247)
    """
    func = "wilson_ci"
    x, sx = as_float(count, "count", func)
    n, sn = as_float(denominator, "denominator", func)
    shape = combine([sx, sn], func)
    x, n = broadcast(func, x, n)
    check_non_negative(x, func, "count", shape)
    check_non_negative(n, func, "denominator", shape)
    reject(
        x > n,
        func,
        "count",
        "count(s) above the denominator",
        "0 <= count <= denominator",
        "a proportion's count cannot exceed its denominator; check the two columns",
        shape,
    )

    def compute(level: float):
        lower, upper = wilson_limits(x, n, z_value(level))
        return wrap(lower, shape), wrap(upper, shape)

    return per_level(confidence, func, compute)
