"""Change since the plan's baseline, with a significance test fitting each measure's method.

Baseline period
    The latest period of the series ending on or before the end of the plan's baseline
    period (``baseline_period`` in ``data/targets.yaml``; 2022/23, ending 31 March 2023, when
    none is given). This one rule gives rolling 12 months to 2022/23 Q4 for quarterly
    measures, financial year 2022/23 for annual ones, the four quarters of 2022/23 for
    single-quarter returns (assessed as 12-month totals), and the latest 3-year registration
    period ending by December 2022 for ONS deaths (2019-21 in the bundled 2021 edition).

Tests (two-sided, 5% level), by method:
    ``wilson``  difference of two proportions with Newcombe's hybrid score interval (method 10
                of Newcombe 1998, from the Wilson limits of each); significant when the 95%
                interval excludes 0. The pooled two-proportion z test gives the p-value.
    ``byar``    exact conditional test of the ratio of two Poisson rates: given the total
                count, the latest count is binomial with probability E2/(E1+E2) under no
                change (exposures E: denominators for rates, period lengths for counts);
                p-value = twice the smaller tail; Clopper-Pearson interval for the ratio.
    ``dsr``     ratio of the two DSRs on the log scale with standard errors taken from each
                published 95% interval, se = (ln U - ln L) / (2 x 1.96) (Altman and Bland
                2011). Used too for any measure whose counts are missing but limits given.
    ``count``   amounts (kg) have no sampling model: the change is reported, not tested.

Labels: ``Significant increase``, ``Significant decrease``, ``No significant change``,
``Not tested`` (amounts) and ``Cannot be calculated`` (with the reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import betainc

from .. import stats
from ..disclosure import withheld_reason
from .latest import add_limits, latest_rows

INCREASE = "Significant increase"
DECREASE = "Significant decrease"
NO_CHANGE = "No significant change"
NOT_TESTED = "Not tested"
CANNOT = "Cannot be calculated"

ALPHA = 0.05
Z95 = sps.norm.ppf(1 - ALPHA / 2)

CHANGE_COLUMNS = [
    "measure_id", "area_code", "baseline_period", "baseline_end", "baseline_value",
    "baseline_count", "baseline_denominator", "period_label", "period_end", "value", "count",
    "denominator", "difference", "difference_lower", "difference_upper", "ratio",
    "ratio_lower", "ratio_upper", "p_value", "test", "change", "change_reason",
    "baseline_value_note",
]  # fmt: skip


def baseline_position(series: pd.DataFrame, measures: pd.DataFrame, end: date) -> pd.DataFrame:
    """Baseline row (with limits) of every measure and area: latest period ending by ``end``."""
    return add_limits(latest_rows(series, end), measures)


def change_since_baseline(
    baseline: pd.DataFrame, current: pd.DataFrame, measures: pd.DataFrame
) -> pd.DataFrame:
    """Compare each area's ``current`` row of a measure with its ``baseline`` row.

    Both tables are latest-position tables (one row per measure and area, with limits).
    Returns one row per measure and area present in ``current`` (see module docstring).
    """
    cols = ["measure_id", "area_code", "period_label", "period_end", "value", "count",
            "denominator", "lower_95", "upper_95", "months"]  # fmt: skip
    base = baseline[cols].rename(
        columns={c: f"baseline_{c}" for c in cols[2:]}
        | {"period_label": "baseline_period", "period_end": "baseline_end"}
    )
    base["baseline_value_note"] = baseline["value_note"] if "value_note" in baseline else ""
    cur = current[cols].assign(value_note=current["value_note"] if "value_note" in current else "")
    df = cur.merge(base, on=["measure_id", "area_code"], how="left")
    for col in ("value_note", "baseline_value_note"):
        df[col] = df[col].fillna("").astype(str)
    want = measures.set_index("measure_id")
    method = df["measure_id"].map(want["method"])
    unit = df["measure_id"].map(want["unit"])
    for col in ("difference", "difference_lower", "difference_upper", "ratio", "ratio_lower",
                "ratio_upper", "p_value"):  # fmt: skip
        df[col] = np.nan
    df["test"] = ""
    df["change"] = CANNOT
    df["change_reason"] = ""
    with np.errstate(divide="ignore", invalid="ignore"):
        df["difference"] = df["value"] - df["baseline_value"]
        df["ratio"] = df["value"] / df["baseline_value"]

    no_base = df["baseline_end"].isna()
    same = ~no_base & (df["baseline_end"] >= df["period_end"])
    missing = df["value"].isna() | df["baseline_value"].isna()
    df.loc[no_base, "change_reason"] = "No data for the baseline period"
    df.loc[same, "change_reason"] = "No period after the baseline yet"
    df.loc[~no_base & ~same & missing, "change_reason"] = "Value not calculated in one period"
    for col, which in (("baseline_value_note", "baseline"), ("value_note", "latest")):
        why = df[col].map(withheld_reason)
        hidden = ~no_base & ~same & missing & why.ne("")
        df.loc[hidden, "change_reason"] = f"The {which} value was " + why[hidden]
    usable = ~no_base & ~same & ~missing

    c1, c2 = df["baseline_count"].to_numpy(float), df["count"].to_numpy(float)
    n1, n2 = df["baseline_denominator"].to_numpy(float), df["denominator"].to_numpy(float)
    has_counts = np.isfinite(c1) & np.isfinite(c2)
    wil = usable & method.eq("wilson") & has_counts & (n1 > 0) & (n2 > 0)
    byar = usable & method.eq("byar")
    count_unit = unit.eq("count")
    c1b = np.where(np.isfinite(c1) | ~count_unit, c1, df["baseline_value"])
    c2b = np.where(np.isfinite(c2) | ~count_unit, c2, df["value"])
    rate_ok = np.isfinite(c1b) & np.isfinite(c2b)
    # exposures: denominators for rates, period lengths (months) for counts
    e1 = np.where(count_unit, df["baseline_months"], n1)
    e2 = np.where(count_unit, df["months"], n2)
    poisson = byar & rate_ok & (e1 > 0) & (e2 > 0) & ((c1b + c2b) > 0)
    has_limits = (
        df["lower_95"].gt(0) & df["upper_95"].gt(0)
        & df["baseline_lower_95"].gt(0) & df["baseline_upper_95"].gt(0)
    )  # fmt: skip
    from_limits = usable & ~wil & ~poisson & ~method.eq("count") & has_limits
    amount = usable & method.eq("count")

    if wil.any():
        _newcombe(df, wil.to_numpy(), c1, n1, c2, n2)
    if poisson.any():
        _poisson_ratio(df, poisson.to_numpy(), c1b, e1, c2b, e2)
    if from_limits.any():
        _log_ratio_from_limits(df, from_limits.to_numpy())
    df.loc[amount, "change"] = NOT_TESTED
    df.loc[amount, "test"] = "none (an amount, not a count of events)"
    leftover = usable & ~wil & ~poisson & ~from_limits & ~amount
    df.loc[leftover, "change_reason"] = "No counts or limits to test the change with"
    return df[CHANGE_COLUMNS]


def _label(df: pd.DataFrame, mask: np.ndarray, significant: np.ndarray, up: np.ndarray) -> None:
    change = np.where(significant, np.where(up, INCREASE, DECREASE), NO_CHANGE)
    df.loc[mask, "change"] = change


def _newcombe(df, mask, c1, n1, c2, n2) -> None:
    """Newcombe's hybrid score interval for p2 - p1 (percentage points) and the z test."""
    x1, m1, x2, m2 = c1[mask], n1[mask], c2[mask], n2[mask]
    p1, p2 = x1 / m1, x2 / m2
    l1, u1 = (np.asarray(v, float) for v in stats.wilson_ci(x1, m1, 0.95))
    l2, u2 = (np.asarray(v, float) for v in stats.wilson_ci(x2, m2, 0.95))
    d = p2 - p1
    lower = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    pooled = (x1 + x2) / (m1 + m2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(pooled * (1 - pooled) * (1 / m1 + 1 / m2))
        z = np.where(se > 0, d / se, 0.0)
    df.loc[mask, "difference"] = d * 100
    df.loc[mask, "difference_lower"] = lower * 100
    df.loc[mask, "difference_upper"] = upper * 100
    df.loc[mask, "p_value"] = 2 * sps.norm.sf(np.abs(z))
    df.loc[mask, "test"] = "Newcombe interval for a difference of proportions"
    _label(df, mask, (lower > 0) | (upper < 0), d > 0)


def _binom_cdf(x, n, p):
    """P(X <= x) for X ~ Binomial(n, p), for real x and n (regularised incomplete beta)."""
    with np.errstate(invalid="ignore"):
        return np.where(x >= n, 1.0, betainc(np.maximum(n - x, 1e-300), x + 1, 1 - p))


def _binom_sf_incl(x, n, p):
    """P(X >= x) for X ~ Binomial(n, p)."""
    with np.errstate(invalid="ignore"):
        return np.where(x <= 0, 1.0, betainc(np.maximum(x, 1e-300), n - x + 1, p))


def _poisson_ratio(df, mask, c1, e1, c2, e2) -> None:
    """Exact conditional test and Clopper-Pearson interval for the rate ratio r2 / r1."""
    x1, x2, a, b = c1[mask], c2[mask], e1[mask], e2[mask]
    k = x1 + x2
    pi0 = b / (a + b)
    lower_tail = _binom_cdf(x2, k, pi0)
    upper_tail = _binom_sf_incl(x2, k, pi0)
    p = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
    with np.errstate(divide="ignore", invalid="ignore"):
        pl = np.where(x2 > 0, sps.beta.ppf(ALPHA / 2, x2, k - x2 + 1), 0.0)
        pu = np.where(x1 > 0, sps.beta.ppf(1 - ALPHA / 2, x2 + 1, k - x2), 1.0)
        odds = a / b
        df.loc[mask, "ratio"] = (x2 / b) / (x1 / a)
        df.loc[mask, "ratio_lower"] = pl / (1 - pl) * odds
        df.loc[mask, "ratio_upper"] = np.where(pu < 1, pu / (1 - pu) * odds, np.inf)
    df.loc[mask, "p_value"] = p
    df.loc[mask, "test"] = "exact conditional test of a Poisson rate ratio"
    _label(df, mask, p < ALPHA, x2 / b > x1 / a)


def _log_ratio_from_limits(df, mask) -> None:
    """Ratio of two values on the log scale, standard errors from their 95% limits."""
    sub = df.loc[mask]
    se1 = (np.log(sub["baseline_upper_95"]) - np.log(sub["baseline_lower_95"])) / (2 * Z95)
    se2 = (np.log(sub["upper_95"]) - np.log(sub["lower_95"])) / (2 * Z95)
    log_r = np.log(sub["value"]) - np.log(sub["baseline_value"])
    se = np.sqrt(se1**2 + se2**2)
    z = log_r / se
    p = 2 * sps.norm.sf(np.abs(z))
    df.loc[mask, "ratio"] = np.exp(log_r)
    df.loc[mask, "ratio_lower"] = np.exp(log_r - Z95 * se)
    df.loc[mask, "ratio_upper"] = np.exp(log_r + Z95 * se)
    df.loc[mask, "p_value"] = p
    df.loc[mask, "test"] = "ratio on the log scale, standard errors from the 95% limits"
    _label(df, mask, np.asarray(p < ALPHA), np.asarray(log_r > 0))


def significance_threshold(
    method: str, direction: str, baseline: Mapping[str, float], judged: Mapping[str, float]
) -> float | None:
    """The value the judged period must reach for a significant ``direction`` ("increase"
    or "decrease") from the baseline, by the test :func:`change_since_baseline` uses, with
    the judged period's denominator (or its precision) held as it is: the level a direction
    target's line is drawn at on a trend chart.

    ``baseline`` and ``judged``: mappings with ``value``, ``count``, ``denominator``,
    ``lower_95`` and ``upper_95`` (missing keys or NaN where not known). Returns the value in
    the measure's unit (the smallest for an increase, the largest for a decrease), or None
    when there is none: amounts (method ``count``), missing numbers, or no reachable value.

    - ``wilson``: the smallest count x (largest for a decrease) out of the judged
      denominator n whose Newcombe interval for x/n minus the baseline proportion excludes
      0; the value is 100 x / n.
    - ``byar``: the smallest (largest) count whose exact conditional test against the
      baseline count has p < 0.05. Exposures: the two denominators for rates; for counts
      the two periods, which are of the same length (one measure's 12-month figures).
    - ``dsr``: the value V whose log ratio to the baseline is 1.96 standard errors, the
      standard errors taken from the two 95% intervals (the judged one held as a ratio of
      its value): V = baseline x exp(+/-1.96 se).
    """

    def num(row: Mapping[str, float], key: str) -> float:
        v = row.get(key)
        try:
            return float(v) if v is not None else np.nan
        except (TypeError, ValueError):
            return np.nan

    if direction not in ("increase", "decrease"):
        return None
    up = direction == "increase"
    if method == "wilson":
        return _wilson_threshold(
            num(baseline, "count"), num(baseline, "denominator"), num(judged, "denominator"), up
        )
    if method == "byar":
        b_count, b_den, den = (num(baseline, "count"), num(baseline, "denominator"),
                               num(judged, "denominator"))  # fmt: skip
        rate = np.isfinite(b_count) and np.isfinite(b_den) and np.isfinite(den)
        if rate and b_den > 0 and den > 0 and b_count > 0:
            x = _byar_threshold(b_count, b_den, den, up)
            per = num(baseline, "value") / (b_count / b_den)  # the unit's multiplier
            return None if x is None else float(x / den * per)
        c1 = b_count if np.isfinite(b_count) else num(baseline, "value")
        return _byar_threshold(c1, 1.0, 1.0, up)
    if method == "dsr":
        limits = [num(r, k) for r in (baseline, judged) for k in ("lower_95", "upper_95")]
        b_value, value = num(baseline, "value"), num(judged, "value")
        if not all(np.isfinite(v) and v > 0 for v in [*limits, b_value, value]):
            return None
        se1 = (np.log(limits[1]) - np.log(limits[0])) / (2 * Z95)
        se2 = (np.log(limits[3]) - np.log(limits[2])) / (2 * Z95)
        return float(b_value * np.exp((1 if up else -1) * Z95 * np.hypot(se1, se2)))
    return None


def _wilson_threshold(x1: float, n1: float, n2: float, up: bool) -> float | None:
    if not (np.isfinite(x1) and np.isfinite(n1) and np.isfinite(n2)) or n1 <= 0 or n2 <= 0:
        return None
    x2 = np.arange(0, int(n2) + 1, dtype=float)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = (float(v) for v in stats.wilson_ci(x1, n1, 0.95))
    l2, u2 = (np.asarray(v, float) for v in stats.wilson_ci(x2, np.full_like(x2, n2), 0.95))
    d = p2 - p1
    if up:
        hit = np.flatnonzero(d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2) > 0)
        return float(100 * x2[hit[0]] / n2) if hit.size else None
    hit = np.flatnonzero(d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2) < 0)
    return float(100 * x2[hit[-1]] / n2) if hit.size else None


def _byar_threshold(c1: float, e1: float, e2: float, up: bool) -> float | None:
    if not (np.isfinite(c1) and e1 > 0 and e2 > 0) or c1 < 0:
        return None
    x2 = np.arange(0, int(10 * (c1 + 10) * e2 / e1) + 1, dtype=float)
    k = c1 + x2
    pi0 = e2 / (e1 + e2)
    p = np.minimum(1.0, 2 * np.minimum(_binom_cdf(x2, k, pi0), _binom_sf_incl(x2, k, pi0)))
    hit = np.flatnonzero((p < ALPHA) & ((x2 / e2 > c1 / e1) if up else (x2 / e2 < c1 / e1)))
    if not hit.size:
        return None
    return float(x2[hit[0]] if up else x2[hit[-1]])
