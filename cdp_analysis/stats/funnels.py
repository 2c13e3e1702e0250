"""Funnel plots: control limits around a baseline, and which points lie outside them.

A funnel plot shows each area's value against its size (denominator, expected or observed
events) with 95% and 99.8% control limits around the overall average; a point outside the
99.8% limits is an outlier (Spiegelhalter 2005). The methods follow Fingertips and
PHEindicatormethods (``calculate_funnel_limits``, ``assign_funnel_significance``,
``calculate_funnel_points``):

* Proportions: the limits are the proportions whose Wilson score interval just reaches the
  pooled average ``a`` (sum of numerators / sum of denominators). Solving the Wilson
  formula for that proportion gives exactly ``a +/- z * sqrt(a (1 - a) / n)``, which is what
  is computed here (z = 1.96 for 95%, 3.09 for 99.8%).
* Ratios (observed / expected, e.g. indirectly standardised ratios) and rates: the limits
  come from the exact Poisson distribution of the observed events, found by the same
  bisection as the Fingertips funnel-plot tool (to 1e-7 on its internal scale), so they
  match the published vectors; significance of each point uses the Byar/exact limits of
  its own count (:func:`~cdp_analysis.stats.byar_ci`).

Limits for plotting are given at 100 points spread over a "neat" axis range, as the
Fingertips tool draws them. Labels for points: see :data:`SIGNIFICANCE_LABELS`.

References:
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;
    24: 1185-1202.
    Public Health England. Technical Guide: Funnel plots (2018), and the Fingertips
    funnel-plot tool.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln, pdtr, pdtrc

from cdp_analysis.stats._inputs import (
    StatsInputError,
    as_float,
    broadcast,
    check_non_negative,
    combine,
    reject,
    z_value,
)
from cdp_analysis.stats.poisson import count_limits

HIGH_99_8 = "High (outside 99.8%)"
HIGH_95 = "High (outside 95%)"
LOW_99_8 = "Low (outside 99.8%)"
LOW_95 = "Low (outside 95%)"
NOT_SIGNIFICANT = "Not significant"
NOT_APPLICABLE_DSR = "Not applicable: fewer than 10 events (DSR)"
NOT_COMPARED = "Not compared"

#: Every label a point can get, most extreme first.
SIGNIFICANCE_LABELS = (
    HIGH_99_8,
    HIGH_95,
    LOW_99_8,
    LOW_95,
    NOT_SIGNIFICANT,
    NOT_APPLICABLE_DSR,
    NOT_COMPARED,
)

#: PHEindicatormethods' label for each of ours (for comparing with its outputs).
PHE_LABELS = {
    HIGH_99_8: "High (0.001)",
    HIGH_95: "High (0.025)",
    LOW_99_8: "Low (0.001)",
    LOW_95: "Low (0.025)",
    NOT_SIGNIFICANT: "Not significant",
    NOT_APPLICABLE_DSR: "Not applicable for events less than 10 for dsrs",
}

_LEVELS = (0.95, 0.998)
_SUFFIX = {0.95: "95", 0.998: "99_8"}


# --- control limits at given sizes -------------------------------------------------------


def proportion_control_limits(
    denominator: Any, average: float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits for a proportion at the given denominators (as proportions 0-1).

    The proportions whose Wilson interval at ``denominator`` has ``average`` as its upper
    (for the lower limit) or lower (for the upper limit) bound: algebraically
    ``average -/+ z * sqrt(average * (1 - average) / denominator)``. Not clipped.
    """
    n, _ = as_float(denominator, "denominator", "proportion_control_limits")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(average * (1 - average) / n)
    return average - half, average + half


def _stops(k: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Whether pmf(k) <= 1e-10 * cdf(k - 1) for X ~ Poisson(mean), elementwise."""
    log_pmf = k * np.log(mean) - mean - gammaln(k + 1)
    return log_pmf <= np.log(1e-10) + np.log(pdtr(k - 1, mean))


def _first_negligible(mean: np.ndarray) -> np.ndarray:
    """First k > mean with pmf(k) <= 1e-10 * cdf(k - 1), searched over ``width`` terms.

    Above the mean pmf(k) falls and cdf(k - 1) rises, so the test is False, then True:
    a bisection over the column offsets finds the first True with about 12 evaluations per
    mean instead of ``width`` (it was a means x width matrix). As before, a mean whose test
    is still False after ``width`` terms gets ``floor(mean) + 1``.
    """
    start = np.floor(mean) + 1
    width = int(np.ceil(10 * np.sqrt(np.max(mean)) + 60))
    found = _stops(start + (width - 1), mean)
    lo = np.zeros(mean.shape)
    hi = np.where(found, width - 1.0, 0.0)
    while np.any(lo < hi):
        mid = np.floor((lo + hi) / 2)
        stop = _stops(start + mid, mean)
        hi = np.where(stop, mid, hi)
        lo = np.where(stop | (lo >= hi), lo, mid + 1)
    return start + hi


def _series_probability(obs: np.ndarray, mean: np.ndarray, side: str) -> np.ndarray:
    """P(X >= obs) ("low") or P(X <= obs) ("high") for X ~ Poisson(mean), as the tool sums it.

    The Fingertips funnel tool adds Poisson terms from k = 0 until k exceeds the mean and a
    term is at most 1e-10 of the running total, and divides the wanted terms by that
    (truncated) total. The truncation shifts the probability by about 1e-10, which decides
    the last bisection step now and then; it is reproduced here so that the limits agree
    with the tool's published figures. Vectorised over ``obs``/``mean``.
    """
    first = _first_negligible(mean)
    beyond = pdtrc(first - 1, mean)  # the left-off tail, P(X >= first)
    total = 1 - beyond
    if side == "low":
        wanted = np.where(obs > 0, pdtrc(np.maximum(obs - 1, 0), mean), 1.0) - beyond
    else:
        wanted = pdtr(obs, mean)
    return wanted / total


def poisson_funnel_mean(observed: Any, tail: float, side: str) -> np.ndarray:
    """Poisson mean at which ``observed`` events sit on a control limit (bisection).

    ``side="low"``: the mean with P(X >= observed) = ``tail``; ``side="high"``: the mean
    with P(X <= observed) = ``tail``. Solved as the Fingertips funnel-plot tool does: by
    bisection on v = mean / (observed + 1 + mean) down to steps of 1e-7, with the
    probabilities summed as in :func:`_series_probability`; results agree with its
    published vectors to about 1e-9 (the closed-form chi-square answer differs from the
    tool's by up to a few parts per million). Vectorised over ``observed``.
    """
    obs = np.atleast_1d(np.asarray(observed, dtype=float))
    if side not in ("low", "high"):
        raise ValueError("side must be 'low' or 'high'")
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:  # 23 halvings, each over the whole array
        dv /= 2
        prob = _series_probability(obs, (1 + obs) * v / (1 - v), side)
        step_down = prob > tail if side == "low" else prob < tail
        v = np.where(step_down, v - dv, v + dv)
    return (1 + obs) * v / (1 - v)


# --- the plotting axis -------------------------------------------------------------------


def _digits(x: float) -> int:
    return len(str(int(x)))


def _neat_floor(x: float, factor: float = 0.95) -> float:
    """Round x*0.95 down to its leading digit (the axis minimum); 0 stays 0."""
    if x == 0:
        return 0.0
    n = _digits(np.floor(x * factor)) - 1
    return float(np.floor(x * factor / 10**n) * 10**n)


def _neat_ceiling(x: float, factor: float = 1.05) -> float:
    """Round x*1.05 up to its two leading digits (the axis maximum); 0 stays 0."""
    if x == 0:
        return 0.0
    n = _digits(np.ceil(x * factor)) - 2
    return float(np.ceil(x * factor / 10.0**n) * 10.0**n)


def _axis(start: float, maximum: float, offset: int) -> np.ndarray:
    """100 points from ``start`` to ``maximum``, spaced geometrically, at least 1 apart."""
    points = np.empty(100)
    points[0] = max(1.0, start)
    for j in range(2, 101):  # 99 steps of a recurrence: not a loop over data rows
        prev = points[j - 2]
        points[j - 1] = max(np.round((maximum / prev) ** (1 / (101 - j + offset)) * prev), prev + 1)
    return points


def _axis_range(denominators: np.ndarray, years: float = 1.0) -> tuple[float, float]:
    lo, hi = np.nanmin(denominators), np.nanmax(denominators)
    minimum = 0.0 if hi > 2 * lo else _neat_floor(lo / years) * years
    return minimum, _neat_ceiling(hi / years) * years


# --- limits for plotting -----------------------------------------------------------------


def _checked(numerator: Any, denominator: Any, func: str, names=("numerator", "denominator")):
    x, sx = as_float(numerator, names[0], func)
    n, sn = as_float(denominator, names[1], func)
    shape = combine([sx, sn], func)
    x, n = broadcast(func, np.atleast_1d(x), np.atleast_1d(n))
    check_non_negative(x, func, names[0], shape)
    check_non_negative(n, func, names[1], shape)
    reject(
        n == 0,
        func,
        names[1],
        "zero value(s)",
        "a value above 0",
        "every point needs a denominator above 0",
        shape,
    )
    return x, n, shape


def _checked_proportion(numerators: Any, denominators: Any, func: str):
    """Numerators and denominators as float arrays, no numerator above its denominator."""
    x, n, shape = _checked(numerators, denominators, func)
    reject(
        x > n,
        func,
        "numerator",
        "numerator(s) above the denominator",
        "numerator <= denominator",
        "check the two columns",
        shape,
    )
    return x, n, shape


def funnel_limits_proportion(
    numerators: Any, denominators: Any, multiplier: float = 100
) -> pd.DataFrame:
    """Funnel-plot limits for proportions, at 100 denominators spanning the data.

    Returns a DataFrame with ``denominator``, ``lower_95``, ``upper_95``, ``lower_99_8``,
    ``upper_99_8`` and ``baseline`` (the pooled average), in units of ``multiplier`` (100
    for percentages), limits clipped to [0, multiplier]. Rows with a missing numerator or
    denominator are left out of the average.
    """
    func = "funnel_limits_proportion"
    x, n, shape = _checked_proportion(numerators, denominators, func)
    ok = ~(np.isnan(x) | np.isnan(n))
    with np.errstate(invalid="ignore", divide="ignore"):  # no denominators: NaN average
        average = x[ok].sum() / n[ok].sum()
    lo, hi = _axis_range(n[ok])
    pop = _axis(lo, hi, offset=0)
    out = pd.DataFrame({"denominator": pop})
    for level in _LEVELS:
        lower, upper = proportion_control_limits(pop, average, level)
        out[f"lower_{_SUFFIX[level]}"] = np.clip(lower * multiplier, 0, multiplier)
        out[f"upper_{_SUFFIX[level]}"] = np.clip(upper * multiplier, 0, multiplier)
    out["baseline"] = average * multiplier
    return out


_RATIO_SCALE = {"ratio": (1.0, 0.0), "count": (1.0, -1.0), "isr": (100.0, 0.0)}


def funnel_limits_ratio(observed: Any, expected: Any, ratio_type: str = "ratio") -> pd.DataFrame:
    """Funnel-plot limits for ratios of observed to expected events, at 100 event counts.

    ``ratio_type``: ``"ratio"`` gives O/E (baseline 1); ``"isr"`` gives 100 * O/E (an
    indirectly standardised ratio, baseline 100); ``"count"`` gives O/E - 1 (what
    PHEindicatormethods calls a ratio of type "count", baseline 0).

    Returns ``observed`` (the axis: 100 event counts spanning the expected values) and, for
    95% and 99.8%, the expected events at which that count lies on the limit
    (``lower_95_expected`` ...) and the limit itself (``lower_95`` ...).
    """
    func = "funnel_limits_ratio"
    if ratio_type not in _RATIO_SCALE:
        raise StatsInputError(
            None,
            f"ratio_type {ratio_type!r} is not known",
            kind=f"{func} input",
            fix="use 'ratio', 'isr' or 'count'",
        )
    _, e, _ = _checked(observed, expected, func, ("observed", "expected"))
    lo, hi = _axis_range(e[~np.isnan(e)])
    obs = _axis(lo, hi, offset=1)
    scale, shift = _RATIO_SCALE[ratio_type]
    out = pd.DataFrame({"observed": obs})
    for level in _LEVELS:
        tail = (1 - level) / 2
        s = _SUFFIX[level]
        low_e = poisson_funnel_mean(obs, tail, "high")
        high_e = poisson_funnel_mean(obs, tail, "low")
        out[f"lower_{s}_expected"] = low_e
        out[f"lower_{s}"] = obs / low_e * scale + shift
        out[f"upper_{s}_expected"] = high_e
        out[f"upper_{s}"] = obs / high_e * scale + shift
    return out


def _derived_denominators(x, rate, n, rate_type: str, multiplier: float, func: str):
    """Population implied by each rate: events / rate * multiplier (see module docs)."""
    if rate_type not in ("dsr", "crude"):
        raise StatsInputError(
            None,
            f"rate_type {rate_type!r} is not known",
            kind=f"{func} input",
            fix="use 'dsr' or 'crude'",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = x / rate * multiplier
    if rate_type == "dsr":
        return np.where(x == 0, np.nan, derived)
    if n is None:
        reject(
            x == 0,
            func,
            "denominator",
            "point(s) with 0 events and no denominator given",
            "denominators for points with 0 events",
            "pass denominators= (populations)",
        )
        return derived
    return np.where(x == 0, n, derived)


def _rate_inputs(counts, rates, denominators, func):
    x, sx = as_float(counts, "count", func)
    r, sr = as_float(rates, "rate", func)
    shapes = [sx, sr]
    arrays = [np.atleast_1d(x), np.atleast_1d(r)]
    if denominators is not None:
        n, sn = as_float(denominators, "denominator", func)
        shapes.append(sn)
        arrays.append(np.atleast_1d(n))
    shape = combine(shapes, func)
    arrays = broadcast(func, *arrays)
    check_non_negative(arrays[0], func, "count", shape)
    check_non_negative(arrays[1], func, "rate", shape)
    if denominators is not None:
        check_non_negative(arrays[2], func, "denominator", shape)
        reject(
            arrays[2] == 0,
            func,
            "denominator",
            "zero value(s)",
            "a value above 0",
            "every point needs a denominator above 0",
            shape,
        )
    return arrays[0], arrays[1], (arrays[2] if denominators is not None else None), shape


def funnel_limits_rate(
    counts: Any,
    rates: Any,
    *,
    multiplier: float,
    years_of_data: float,
    rate_type: str = "dsr",
    denominators: Any = None,
) -> pd.DataFrame:
    """Funnel-plot limits for crude or directly standardised rates, at 100 event counts.

    Each point's population is derived as ``count / rate * multiplier`` (for a DSR with 0
    events it is unknown and left out; for a crude rate with 0 events, ``denominators`` is
    used). The baseline is total events / total derived population. The axis runs over
    event counts; for each, the one-year population at which it lies on each limit
    (``lower_95_population_1_year`` ...) and the rate limit (``lower_95`` ...) are given.
    """
    func = "funnel_limits_rate"
    x, r, n, _ = _rate_inputs(counts, rates, denominators, func)
    derived = _derived_denominators(x, r, n, rate_type, multiplier, func)
    average = np.nansum(x) / np.nansum(derived)
    lo, hi = _axis_range(derived, years_of_data)
    events = _axis(np.floor(lo * average), np.ceil(hi * average), offset=0)
    out = pd.DataFrame({"events": events})
    for level in _LEVELS:
        tail = (1 - level) / 2
        s = _SUFFIX[level]
        low_pop = poisson_funnel_mean(events, tail, "high") / average
        high_pop = poisson_funnel_mean(events, tail, "low") / average
        out[f"lower_{s}_population_1_year"] = low_pop / years_of_data
        out[f"lower_{s}"] = events / low_pop * multiplier
        out[f"upper_{s}_population_1_year"] = high_pop / years_of_data
        out[f"upper_{s}"] = events / high_pop * multiplier
    out["baseline"] = average * multiplier
    return out


def funnel_points_rate(
    counts: Any,
    rates: Any,
    *,
    multiplier: float,
    years_of_data: float,
    rate_type: str = "dsr",
    denominators: Any = None,
) -> tuple[Any, Any]:
    """Where each area's point goes on a rate funnel plot: ``(rate, population_per_year)``.

    For DSRs on fewer than 10 events both are NaN (not plotted). The population per year is
    ``count / rate * multiplier / years_of_data`` (for a crude rate with 0 events, the
    given denominator / years).
    """
    func = "funnel_points_rate"
    x, r, n, shape = _rate_inputs(counts, rates, denominators, func)
    derived = _derived_denominators(x, r, n, rate_type, multiplier, func) / years_of_data
    rate = r.copy()
    if rate_type == "dsr":
        small = x < 10
        rate = np.where(small, np.nan, rate)
        derived = np.where(small, np.nan, derived)
    if shape.kind == "series":
        return pd.Series(rate, index=shape.index), pd.Series(derived, index=shape.index)
    return rate, derived


# --- significance of each point ----------------------------------------------------------


def _label(shape, low_998, low_95, high_998, high_95, missing) -> Any:
    labels = np.select(
        [missing, low_998, low_95, high_998, high_95],
        [NOT_COMPARED, LOW_99_8, LOW_95, HIGH_99_8, HIGH_95],
        NOT_SIGNIFICANT,
    ).astype(object)
    if shape.kind == "series":
        return pd.Series(labels, index=shape.index)
    return labels


def funnel_significance(
    numerators: Any,
    denominators: Any,
    statistic: str = "proportion",
    *,
    rates: Any = None,
    rate_type: str | None = None,
    multiplier: float | None = None,
) -> Any:
    """Label each point by where it lies against the 95% and 99.8% funnel limits.

    Args:
        numerators: events (proportions, rates) or observed events (ratios).
        denominators: denominators (proportions), expected events (ratios), or populations
            (rates; used only for crude rates with 0 events).
        statistic: ``"proportion"``, ``"ratio"`` or ``"rate"``.
        rates, rate_type, multiplier: for rates only: each point's rate, ``"dsr"`` or
            ``"crude"``, and the rate's multiplier (e.g. 100,000).

    Returns:
        Labels from :data:`SIGNIFICANCE_LABELS` (a Series if a Series came in, else an
        object array). Rows with missing inputs are "Not compared" and are left out of the
        average. DSR points on fewer than 10 events are "Not applicable".

    Proportions: the point x/n against the limits at n around the pooled average. Ratios:
    the Byar/exact interval of O/E against 1. Rates: the Byar/exact interval of the count
    over its derived population against the weighted average rate. As
    PHEindicatormethods' ``assign_funnel_significance``.
    """
    func = "funnel_significance"
    if statistic == "proportion":
        return _proportion_significance(numerators, denominators, func)
    if statistic == "ratio":
        return _ratio_significance(numerators, denominators, func)
    if statistic == "rate":
        if rates is None or rate_type is None or multiplier is None:
            raise StatsInputError(
                None,
                "rates, rate_type and multiplier are needed for rates",
                kind=f"{func} input",
                fix="pass rates=, rate_type= and multiplier=",
            )
        return _rate_significance(numerators, rates, denominators, rate_type, multiplier, func)
    raise StatsInputError(
        None,
        f"statistic {statistic!r} is not known",
        kind=f"{func} input",
        fix="use 'proportion', 'ratio' or 'rate'",
    )


def _proportion_significance(numerators: Any, denominators: Any, func: str) -> Any:
    """x/n against the limits at n around the pooled average."""
    x, n, shape = _checked_proportion(numerators, denominators, func)
    missing = np.isnan(x) | np.isnan(n)
    average = x[~missing].sum() / n[~missing].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
    lims = {lv: proportion_control_limits(n, average, lv) for lv in _LEVELS}
    return _label(
        shape,
        p < lims[0.998][0],
        p < lims[0.95][0],
        p > lims[0.998][1],
        p > lims[0.95][1],
        missing,
    )


def _ratio_significance(numerators: Any, denominators: Any, func: str) -> Any:
    """The Byar/exact interval of O/E against 1."""
    o, e, shape = _checked(numerators, denominators, func, ("observed", "expected"))
    missing = np.isnan(o) | np.isnan(e)
    lims = {lv: count_limits(o, lv) for lv in _LEVELS}
    with np.errstate(invalid="ignore"):
        return _label(
            shape,
            lims[0.998][1] / e < 1,
            lims[0.95][1] / e < 1,
            lims[0.998][0] / e > 1,
            lims[0.95][0] / e > 1,
            missing,
        )


def _rate_significance(
    numerators: Any, rates: Any, denominators: Any, rate_type: str, multiplier: float, func: str
) -> Any:
    """The Byar/exact interval of the count over its derived population against the weighted
    average rate; DSR points on fewer than 10 events are "Not applicable"."""
    x, r, n, shape = _rate_inputs(numerators, rates, denominators, func)
    derived = _derived_denominators(x, r, n, rate_type, multiplier, func)
    missing = np.isnan(x) | (np.isnan(r) & ~((rate_type == "dsr") & (x == 0)))
    average = np.nansum(np.where(missing, np.nan, x)) / np.nansum(
        np.where(missing, np.nan, derived)
    )
    lims = {lv: count_limits(x, lv) for lv in _LEVELS}
    with np.errstate(divide="ignore", invalid="ignore"):
        labels = _label(
            shape,
            lims[0.998][1] / derived < average,
            lims[0.95][1] / derived < average,
            lims[0.998][0] / derived > average,
            lims[0.95][0] / derived > average,
            missing,
        )
    if rate_type == "dsr":
        small = (x < 10) & ~missing
        if isinstance(labels, pd.Series):
            labels = labels.where(~small, NOT_APPLICABLE_DSR)
        else:
            labels = np.where(small, NOT_APPLICABLE_DSR, labels).astype(object)
    return labels
