"""Directly standardised rates (DSRs) with Dobson confidence limits.

The DSR is the rate the area would have if its population had the standard age structure:
``sum(w_i * O_i / n_i) / sum(w_i) * multiplier`` over age bands ``i`` with standard
population weights ``w_i`` (ESP2013 by default), observed events ``O_i`` and populations
``n_i``. Its confidence limits follow Dobson et al.: the limits of the total count ``O``
(exact below 10, Byar's from 10) are scaled onto the DSR,

    limit = DSR + sqrt(var(DSR) / O) * (limit(O) - O),
    var(DSR) = sum(w_i^2 * O_i / n_i^2) / sum(w_i)^2 * multiplier^2,

exactly as PHEindicatormethods' ``phe_dsr``/``calculate_dsr``. When one person can have
several events (e.g. repeated admissions) the variance uses ``sum_k k^2 * f_ik`` in place
of ``O_i``, where ``f_ik`` people in band ``i`` had ``k`` events ("Dobson, with confidence
adjusted for non-independent events").

Value and limits are NaN when the total count is below 10, following Fingertips and ONS
(rates on fewer than 10 events are not published).

References:
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991; 10: 457-462.
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC, 1987.
    Public Health England. Technical Guide: Confidence intervals (2018); Technical Guide:
    Directly standardised rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cdp_analysis.stats._inputs import (
    GroupSums,
    Shape,
    as_float,
    check_non_negative,
    group_codes,
    level_suffix,
    levels,
    reject,
    require_columns,
    wrap,
)
from cdp_analysis.stats.poisson import count_limits
from cdp_analysis.stats.standard_populations import ESP2013

#: DSRs on fewer total events than this are not calculated (NaN).
MIN_TOTAL_COUNT = 10


def _dobson(
    total: np.ndarray,
    weighted: np.ndarray,
    weighted_sq: np.ndarray,
    std_total: np.ndarray,
    confidence: float,
    multiplier: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value and Dobson limits from per-group sums (arrays over groups)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = weighted / std_total * multiplier
        var = weighted_sq / std_total**2
        lo_o, up_o = count_limits(total, confidence)
        spread = np.sqrt(var / total) * multiplier
        lower = value + spread * (lo_o - total)
        upper = value + spread * (up_o - total)
    small = ~(total >= MIN_TOTAL_COUNT)  # also true where total is NaN
    return tuple(np.where(small, np.nan, a) for a in (value, lower, upper))  # type: ignore[return-value]


def _standard_vector(standard: Any, n_bands: int, func: str) -> np.ndarray:
    w, _ = as_float(ESP2013 if standard is None else standard, "standard", func)
    w = np.atleast_1d(w)
    if w.ndim != 1 or w.size != n_bands:
        reject(
            np.array(True),
            func,
            "standard",
            f"standard population of {w.size} bands for data with {n_bands} bands",
            "one standard population per age band, in the same order",
            "pass standard= with one weight per band (ESP2013 has 19 bands: 0-4 ... 90+)",
        )
    reject(
        ~np.isfinite(w) | (w < 0),
        func,
        "standard",
        "missing or negative weight(s)",
        "finite weights >= 0",
        "check the standard population",
    )
    if not w.sum() > 0:
        reject(
            np.array(True),
            func,
            "standard",
            "weights summing to 0",
            "weights with a positive sum",
            "check the standard population",
        )
    return w


def dsr(
    counts: Any,
    populations: Any,
    standard: Any = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    frequencies: Any = None,
) -> tuple[Any, Any, Any] | dict[float, tuple[Any, Any, Any]]:
    """Directly standardised rate with Dobson confidence limits.

    Args:
        counts: events per age band; 1-D for one area, or 2-D (areas x bands) to
            standardise many areas at once (bands on the last axis).
        populations: population per age band, same shape as ``counts``.
        standard: standard population per band, same order; default ``ESP2013`` (19 bands
            0-4, 5-9, ..., 85-89, 90+).
        confidence: 0.95 or 0.998, or a list of levels (then a dict keyed by level).
        multiplier: rate per this many people (default 100,000).
        frequencies: optional, for events that are not independent (one person, several
            events): an array with one more axis than ``counts`` whose ``k``-th slice
            (``k`` = 1, 2, ...) is the number of people with ``k`` events in each band. Each
            band must satisfy ``sum_k k * f_k == count``; a blank frequency counts as 0
            people (as in PHEindicatormethods), which that check guards.

    Returns:
        ``(value, lower, upper)``: floats for one area, arrays for 2-D input. NaN when the
        total count is below 10.

    Missing values: a missing count or population in any band gives NaN for that area
    (PHEindicatormethods counts a missing count as 0; here you must fill zeros yourself,
    so a missing band is never silently read as no events). A population of 0 or below, a
    negative count, or frequencies that do not add up raise
    :class:`~cdp_analysis.stats.StatsInputError` (a ``ValueError``).
    """
    func = "dsr"
    x, _ = as_float(counts, "counts", func)
    n, _ = as_float(populations, "populations", func)
    if x.ndim not in (1, 2) or x.shape != n.shape:
        reject(
            np.array(True),
            func,
            "counts",
            f"counts of shape {x.shape} with populations of shape {n.shape}",
            "counts and populations of the same 1-D or 2-D shape",
            "pass one count and one population per age band",
        )
    w = _standard_vector(standard, x.shape[-1], func)
    _check_bands(x, n, func)
    squared = x if frequencies is None else _frequency_squares(frequencies, x, func)
    levels_, multi = levels(confidence, func)
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = (x * w / n).sum(axis=-1)
        weighted_sq = (squared * (w / n) ** 2).sum(axis=-1)
    total = x.sum(axis=-1)
    shape = Shape("scalar") if x.ndim == 1 else Shape("array")
    results = {}
    for level in levels_:
        parts = _dobson(
            total, weighted, weighted_sq, np.full_like(total, w.sum()), level, multiplier
        )
        results[level] = tuple(wrap(p, shape) for p in parts)
    return results if multi else results[levels_[0]]


def _check_bands(x: np.ndarray, n: np.ndarray, func: str) -> None:
    check_non_negative(x, func, "counts", Shape("array"))
    reject(
        np.isinf(n),
        func,
        "populations",
        "infinite population(s)",
        "a finite number",
        "check the population column",
    )
    reject(
        n <= 0,
        func,
        "populations",
        "population(s) of 0 or below",
        "a population above 0",
        "every age band needs a population above 0; check the population data",
    )


def _frequency_squares(frequencies: Any, x: np.ndarray, func: str) -> np.ndarray:
    """Sum over k of k^2 * f_k (the variance term for non-independent events)."""
    f, _ = as_float(frequencies, "frequencies", func)
    if f.shape[:-1] != x.shape:
        reject(
            np.array(True),
            func,
            "frequencies",
            f"frequencies of shape {f.shape} for counts of shape {x.shape}",
            "counts' shape plus one axis for 1, 2, 3... events per person",
            "pass frequencies[..., k-1] = people with k events",
        )
    f = np.nan_to_num(f, nan=0.0)
    check_non_negative(f, func, "frequencies", Shape("array"))
    k = np.arange(1, f.shape[-1] + 1, dtype=float)
    implied = (f * k).sum(axis=-1)
    reject(
        ~np.isclose(implied, x) & ~np.isnan(x),
        func,
        "frequencies",
        "band(s) where sum of k * (people with k events) differs from the count",
        "sum_k k * f_k == count in each band",
        "check the event frequency columns",
    )
    return (f * k**2).sum(axis=-1)


def dsr_grouped(
    df: pd.DataFrame,
    group_cols: str | Sequence[str],
    count_col: str,
    pop_col: str,
    standard: Any = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    age_col: str | None = None,
    frequency_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """DSRs with Dobson limits for every group of a long table, without a loop per group.

    Args:
        df: one row per group x age band.
        group_cols: column(s) identifying a DSR (e.g. area, period, sex).
        count_col, pop_col: events and population per row.
        standard: the standard population. Either a Series indexed by age band label
            (e.g. ``ESP2013``, the default) matched to ``age_col``; a column name of ``df``
            holding each row's standard population; or a sequence matched by position
            within each group (each group must then have exactly one row per band, in
            order, as in PHEindicatormethods).
        confidence: a level or a list of levels; each adds ``lower_<l>``/``upper_<l>``
            columns named as in the tidy table (``lower_95``, ``upper_99_8``).
        multiplier: rate per this many people (default 100,000).
        age_col: column holding age band labels; needed when ``standard`` is a Series.
            When not given, position within the group is used.
        frequency_cols: optional columns of people with 1, 2, 3... events (in that order)
            for non-independent events (see :func:`dsr`).

    Returns:
        One row per group: the group columns, ``total_count``, ``total_pop``, ``value``,
        then the limit columns. Groups appear in order of first appearance.

    Rules as :func:`dsr`: NaN below 10 events in total; a missing count or population in
    any row gives NaN for its group; impossible values raise ``StatsInputError``.
    """
    func = "dsr_grouped"
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    needed = [*group_cols, count_col, pop_col, *([age_col] if age_col else [])]
    needed += [standard] if isinstance(standard, str) else []
    require_columns(df, needed + list(frequency_cols or []), func)
    levels_, _ = levels(confidence, func)

    codes, keys = group_codes(df, group_cols)
    n_groups = len(keys)
    group_sum = GroupSums(codes, n_groups)
    x, _ = as_float(df[count_col], count_col, func)
    n, _ = as_float(df[pop_col], pop_col, func)
    w = _row_weights(df, group_sum, standard, age_col, func)
    _check_bands(x, n, func)
    squared = x
    if frequency_cols:
        f, _ = as_float(df[list(frequency_cols)].to_numpy(dtype=float), "frequency columns", func)
        squared = _frequency_squares(f, x, func)

    ratio = w / n
    weighted = group_sum(x * ratio)
    weighted_sq = group_sum(squared * ratio**2)
    total = group_sum(x)
    total_pop = group_sum(n)
    # A missing count or population anywhere in a group makes its sums NaN: the group's
    # DSR is then NaN rather than computed from the bands that happen to be present.
    std_total = group_sum(w)

    out = keys
    out["total_count"] = total
    out["total_pop"] = total_pop
    for i, level in enumerate(levels_):
        value, lower, upper = _dobson(total, weighted, weighted_sq, std_total, level, multiplier)
        if i == 0:
            out["value"] = value
        suffix = level_suffix(level)
        out[f"lower_{suffix}"] = lower
        out[f"upper_{suffix}"] = upper
    return out


def _row_weights(
    df: pd.DataFrame, groups: GroupSums, standard: Any, age_col: str | None, func: str
) -> np.ndarray:
    """The standard population weight of each row."""
    if isinstance(standard, str):
        w, _ = as_float(df[standard], standard, func)
    elif age_col is not None:
        std = ESP2013 if standard is None else standard
        if not isinstance(std, pd.Series):
            reject(
                np.array(True),
                func,
                "standard",
                "a standard without band labels given with age_col",
                "a Series indexed by age band label (like ESP2013)",
                "pass standard as a Series, or leave age_col out to match by position",
            )
        labels = df[age_col].astype(str).to_numpy()
        w = (
            pd.Series(std.to_numpy(dtype=float), index=std.index.astype(str))
            .reindex(labels)
            .to_numpy()
        )
        unknown = np.isnan(w)
        if unknown.any():
            bad = sorted(set(labels[unknown]))[:5]
            reject(
                unknown,
                func,
                age_col,
                f"age band(s) not in the standard population (e.g. {bad})",
                f"one of {', '.join(map(str, std.index))}",
                "relabel the age bands to match the standard",
            )
    else:
        std = np.asarray(ESP2013 if standard is None else standard, dtype=float)
        wrong = groups.sizes[groups.codes] != std.size
        if wrong.any():
            reject(
                wrong,
                func,
                "group",
                f"row(s) in groups without exactly {std.size} age bands",
                f"{std.size} rows per group, in the standard's order",
                "give every group one row per age band, or pass age_col to match by label",
            )
        w = std[groups.positions()]
    reject(
        ~np.isfinite(w) | (w < 0),
        func,
        "standard",
        "missing or negative standard weight(s)",
        "finite weights >= 0",
        "check the standard population",
    )
    return w
