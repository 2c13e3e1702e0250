"""Benchmarks: England, comparator areas, rank among upper-tier LAs, and funnel position.

England
    The area's 95% interval against England's value for the same period
    (:func:`cdp_analysis.stats.compare`, the Fingertips rule): Better / Similar / Worse by
    polarity, Higher / Similar / Lower without one. Counts and amounts depend on the size of
    the area and are "Not compared"; so is any value without an interval or without an
    England value for the same period.

Comparators and ranks
    Comparator areas are :func:`cdp_analysis.areas.comparators` (by default the other
    upper-tier LAs of the area's region; ``data/lookups/comparators.csv`` or the caller can
    name others). Rank 1 is the best value (the highest for ``higher_is_better`` and for
    measures without polarity, then labelled "highest"; the lowest for ``lower_is_better``),
    among the areas with a value for the same period; ties share the better rank. Only
    percentages and rates are ranked: counts are "Not ranked".

Real and synthetic figures
    A real figure is only compared, ranked or placed on a funnel among real figures of the
    same period, and a synthetic demo figure only among demo figures: each comparison pools
    the rows whose ``synthetic`` flag matches the area's. When no other area has a figure of
    the same kind, the text says so (:data:`NO_REAL_PEERS`); the England comparison is made
    only when England's figure is of the same kind.

Funnel plot
    Position among all English upper-tier LAs for the same period with 95% and 99.8%
    control limits around their pooled average (:mod:`cdp_analysis.stats` funnels, as
    Fingertips and PHEindicatormethods): proportions from counts and denominators, crude
    rates from counts and populations, DSRs from deaths and the population implied by the
    rate. The label comes from :func:`~cdp_analysis.stats.funnel_significance` (which,
    as PHEindicatormethods, tests Byar's interval of the area's own count against the
    average); the limits shown at the area's own size are those of the plotted funnel
    (:func:`rate_control_limits`, exact Poisson), so a point on the edge may read
    differently from its label by a few hundredths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from .. import stats
from ..tidy import ENGLAND_CODE
from .display import ordinal
from .latest import DSR_MIN_EVENTS

NOT_COMPARED = "Not compared"
NOT_RANKED = "Not ranked"
NO_COMPARATOR_DATA = "No comparator data"
NOT_APPLICABLE_DSR = "Not applicable: fewer than 10 events (DSR)"
#: A real figure whose peers have only synthetic demo data for the period (or the reverse).
NO_REAL_PEERS = "No comparison: the other areas' figures are demo data"
NO_DEMO_PEERS = "No comparison: the other areas' figures are real, this one is demo data"

ENGLAND_COLUMNS = [
    "measure_id", "area_code", "england_period", "england_value", "england_lower_95",
    "england_upper_95", "england_synthetic", "vs_england",
]  # fmt: skip
FUNNEL_COLUMNS = [
    "measure_id", "area_code", "funnel_n", "funnel_average", "funnel_lower_99_8",
    "funnel_lower_95", "funnel_upper_95", "funnel_upper_99_8", "funnel_position",
]  # fmt: skip

_PERIOD = ["measure_id", "period_start", "period_end"]


def _flagged(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a boolean ``synthetic`` column (False where the caller gave none)."""
    if "synthetic" in df:
        return df.assign(synthetic=df["synthetic"].fillna(False).astype(bool))
    return df.assign(synthetic=False)


def england_comparison(
    latest: pd.DataFrame, series: pd.DataFrame, measures: pd.DataFrame
) -> pd.DataFrame:
    """Each area's latest value against England's for the same period."""
    latest, series = _flagged(latest), _flagged(series)
    eng = series.loc[
        series["area_code"].eq(ENGLAND_CODE),
        [*_PERIOD, "period_label", "value", "lower_95", "upper_95", "synthetic"],
    ].rename(
        columns={
            "period_label": "england_period",
            "value": "england_value",
            "lower_95": "england_lower_95",
            "upper_95": "england_upper_95",
            "synthetic": "england_synthetic",
        }
    )
    df = latest[["measure_id", "area_code", "period_start", "period_end", "lower_95",
                 "upper_95", "synthetic"]].merge(eng, on=_PERIOD, how="left")  # fmt: skip
    want = measures.set_index("measure_id")
    polarity = df["measure_id"].map(want["polarity"])
    unit = df["measure_id"].map(want["unit"])
    vs = pd.Series(NOT_COMPARED, index=df.index, dtype=object)
    mixed = df["england_value"].notna() & (
        df["synthetic"].astype(bool) != df["england_synthetic"].fillna(False).astype(bool)
    )
    ok = ~unit.isin(["count", "kg"]) & df["england_value"].notna() & ~mixed
    vs[mixed & ~unit.isin(["count", "kg"])] = np.where(
        df.loc[mixed & ~unit.isin(["count", "kg"]), "synthetic"].astype(bool),
        "Not compared: this figure is demo data, England's is real",
        "Not compared: England's figure is demo data",
    )
    if ok.any():
        vs[ok] = stats.compare(
            df.loc[ok, "lower_95"], df.loc[ok, "upper_95"], df.loc[ok, "england_value"],
            polarity[ok],
        )  # fmt: skip
    df["vs_england"] = vs
    df.loc[df["area_code"].eq(ENGLAND_CODE), "vs_england"] = ""
    df["england_synthetic"] = df["england_synthetic"].fillna(False).astype(bool)
    return df[ENGLAND_COLUMNS]


def _rank_key(values: pd.DataFrame, measures: pd.DataFrame) -> pd.Series:
    """A key where smaller is better: value for lower_is_better, minus value otherwise."""
    polarity = values["measure_id"].map(measures.set_index("measure_id")["polarity"])
    return np.where(polarity.eq("lower_is_better"), values["value"], -values["value"])


def _rank_text(rank: pd.Series, n: pd.Series, polarity: pd.Series) -> pd.Series:
    word = np.where(polarity.eq("not_applicable"), " highest", "")
    text = [
        f"{ordinal(r)}{w} of {int(k)}" if np.isfinite(r) else ""
        for r, w, k in zip(rank, word, n, strict=True)
    ]
    return pd.Series(text, index=rank.index, dtype=object)


def ranks(
    latest: pd.DataFrame, series: pd.DataFrame, measures: pd.DataFrame, codes: list[str]
) -> pd.DataFrame:
    """Rank of each area's latest value among ``codes`` (areas with a value, same period).

    Columns ``rank``, ``n`` (areas ranked) and ``rank_text`` ("3rd of 10").
    """
    latest, series = _flagged(latest), _flagged(series)
    want = measures.set_index("measure_id")
    pool = series[series["area_code"].isin(codes) & series["value"].notna()]
    pool = pool.merge(latest[_PERIOD].drop_duplicates(), on=_PERIOD)[
        [*_PERIOD, "area_code", "value", "synthetic"]
    ]
    pool = pool.assign(key=_rank_key(pool, measures))
    grp = pool.groupby([*_PERIOD, "synthetic"])["key"]  # real among real, demo among demo
    pool["rank"] = grp.rank(method="min")
    pool["n"] = grp.transform("count")
    pool["n_all"] = pool.groupby(_PERIOD)["key"].transform("count")
    out = latest[["measure_id", "area_code", *_PERIOD[1:]]].merge(
        pool[[*_PERIOD, "area_code", "rank", "n", "n_all", "synthetic"]],
        on=[*_PERIOD, "area_code"], how="left",
    )  # fmt: skip
    unit = out["measure_id"].map(want["unit"])
    polarity = out["measure_id"].map(want["polarity"])
    out["rank_text"] = _rank_text(out["rank"], out["n"], polarity)
    alone = out["n"].eq(1) & out["n_all"].gt(1)
    out.loc[alone, "rank_text"] = np.where(
        out.loc[alone, "synthetic"].astype(bool), NO_DEMO_PEERS, NO_REAL_PEERS
    )
    out.loc[alone, ["rank", "n"]] = np.nan
    out.loc[unit.isin(["count", "kg"]), ["rank", "n"]] = np.nan
    out.loc[unit.isin(["count", "kg"]), "rank_text"] = NOT_RANKED
    return out[["measure_id", "area_code", "rank", "n", "rank_text"]]


def comparator_ranks(
    latest: pd.DataFrame,
    series: pd.DataFrame,
    measures: pd.DataFrame,
    pairs: pd.DataFrame,
) -> pd.DataFrame:
    """Rank of each area among itself and its comparators, per measure (vectorised).

    ``pairs`` has columns ``area_code`` and ``comparator_code``, one row per comparator of
    each area assessed. Returns ``comparator_rank``, ``comparator_n`` and
    ``comparator_rank_text`` for every row of ``latest`` whose area is in ``pairs``.
    """
    latest, series = _flagged(latest), _flagged(series)
    want = measures.set_index("measure_id")
    mine = latest[latest["area_code"].isin(pairs["area_code"])]
    mine = mine[["measure_id", "area_code", *_PERIOD[1:], "value", "synthetic"]]
    others = series.loc[
        series["value"].notna(), [*_PERIOD, "area_code", "value", "synthetic"]
    ].rename(
        columns={"area_code": "comparator_code", "value": "other_value",
                 "synthetic": "other_synthetic"}
    )  # fmt: skip
    grid = mine.merge(pairs, on="area_code").merge(others, on=[*_PERIOD, "comparator_code"])
    kind_differs = grid["synthetic"].astype(bool) != grid["other_synthetic"].astype(bool)
    set_aside = grid[kind_differs].groupby(["measure_id", "area_code"]).size()
    grid = grid[~kind_differs]  # real figures only among real ones
    lower_better = grid["measure_id"].map(want["polarity"]).eq("lower_is_better")
    better = np.where(
        lower_better, grid["other_value"] < grid["value"], grid["other_value"] > grid["value"]
    )
    grid = grid.assign(better=better)
    tally = grid.groupby(["measure_id", "area_code"]).agg(
        others=("better", "size"), ahead=("better", "sum")
    )
    out = mine.merge(tally.reset_index(), on=["measure_id", "area_code"], how="left")
    has = out["value"].notna()
    out["comparator_n"] = np.where(has, out["others"].fillna(0) + 1, np.nan)
    out["comparator_rank"] = np.where(has, out["ahead"].fillna(0) + 1, np.nan)
    polarity = out["measure_id"].map(want["polarity"])
    out["comparator_rank_text"] = _rank_text(out["comparator_rank"], out["comparator_n"], polarity)
    unit = out["measure_id"].map(want["unit"])
    out.loc[has & out["comparator_n"].le(1), "comparator_rank_text"] = NO_COMPARATOR_DATA
    aside = out.set_index(["measure_id", "area_code"]).index.map(set_aside).fillna(0).to_numpy()
    demo_only = has & out["comparator_n"].le(1) & (aside > 0)
    out.loc[demo_only, "comparator_rank_text"] = np.where(
        out.loc[demo_only, "synthetic"].astype(bool), NO_DEMO_PEERS, NO_REAL_PEERS
    )
    out.loc[demo_only, ["comparator_rank", "comparator_n"]] = np.nan
    counted = unit.isin(["count", "kg"])
    out.loc[counted, ["comparator_rank", "comparator_n"]] = np.nan
    out.loc[counted, "comparator_rank_text"] = NOT_RANKED
    return out[["measure_id", "area_code", "comparator_rank", "comparator_n",
                "comparator_rank_text"]]  # fmt: skip


def funnel_positions(
    latest: pd.DataFrame, series: pd.DataFrame, measures: pd.DataFrame, codes: list[str]
) -> pd.DataFrame:
    """Funnel-plot position of each area's latest value among the areas ``codes``."""
    latest, series = _flagged(latest), _flagged(series)
    want = measures.set_index("measure_id")
    targets = latest[latest["area_code"].isin(codes)]
    # funnels only for percentages and rates, and periods with at least two areas
    funnelled = measures.loc[~measures["unit"].isin(["count", "kg"]), "measure_id"]
    pool = series[series["area_code"].isin(codes) & series["measure_id"].isin(funnelled)]
    pool = pool.merge(targets[_PERIOD].drop_duplicates(), on=_PERIOD)
    # one funnel per period and kind: real figures are funnelled among real ones only
    by = [*_PERIOD, "synthetic"]
    size = pool.groupby(by)["area_code"].transform("size")
    alone = pool[(size == 1) & (pool.groupby(_PERIOD)["area_code"].transform("size") > 1)]
    pool = pool[size > 1]
    pieces = []
    for (mid, _, _, _), grp in pool.groupby(by, sort=False):
        m = want.loc[mid]
        pieces.append(_funnel(grp, m["method"], m["unit"], float(m["multiplier"])))
    empty = pd.DataFrame(columns=[*_PERIOD, "area_code", *FUNNEL_COLUMNS[2:]])
    placed = pd.concat(pieces, ignore_index=True) if pieces else empty
    out = latest[["measure_id", "area_code", *_PERIOD[1:]]].merge(
        placed, on=[*_PERIOD, "area_code"], how="left"
    )
    out["funnel_position"] = out["funnel_position"].fillna(NOT_COMPARED)
    lone = out.set_index([*_PERIOD, "area_code"]).index.isin(
        alone.set_index([*_PERIOD, "area_code"]).index
    )
    lone_syn = (
        out[[*_PERIOD, "area_code"]]
        .merge(alone[[*_PERIOD, "area_code", "synthetic"]], on=[*_PERIOD, "area_code"], how="left")[
            "synthetic"
        ]
        .fillna(False)
        .astype(bool)
        .to_numpy()
    )
    out.loc[lone, "funnel_position"] = np.where(lone_syn[lone], NO_DEMO_PEERS, NO_REAL_PEERS)
    return out[FUNNEL_COLUMNS]


def rate_control_limits(population, average: float, confidence: float):
    """Funnel limits (events per person) for a rate at each ``population``.

    The exact-Poisson limits that :func:`cdp_analysis.stats.funnel_limits_rate` draws,
    evaluated at given populations instead of along an axis of event counts: with expected
    events E = average x population, the lower limit is the e whose exact upper confidence
    limit is E (chi-square quantile / 2, solved for e by bisection), the upper limit the e
    whose exact lower confidence limit is E; each divided by the population.
    """
    pop = np.asarray(population, float)
    expected = average * pop
    tail = (1 - confidence) / 2

    def solve(f, lo, hi):  # f increasing in e; find f(e) = expected
        for _ in range(45):  # bisection: the bracket shrinks 2^45-fold (to ~1e-13)
            mid = (lo + hi) / 2
            below = f(mid) < expected
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2

    span = expected + 10 * np.sqrt(expected) + 20
    e_low = solve(lambda e: gammaincinv(e + 1, 1 - tail), np.zeros_like(pop), span)
    e_low = np.where(gammaincinv(1.0, 1 - tail) >= expected, 0.0, e_low)
    e_high = solve(lambda e: gammaincinv(np.maximum(e, 1e-12), tail), expected, span + expected)
    return e_low / pop, e_high / pop


def _funnel(grp: pd.DataFrame, method: str, unit: str, mult: float) -> pd.DataFrame:
    """Labels and limits for one measure and period across areas."""
    out = grp[[*_PERIOD, "area_code"]].copy()
    for col in FUNNEL_COLUMNS[2:]:
        out[col] = np.nan
    out["funnel_position"] = NOT_COMPARED
    x, n, v = grp["count"], grp["denominator"], grp["value"]
    if unit in ("count", "kg") or method == "count":
        return out
    if method == "wilson":
        ok = x.notna() & n.gt(0)
        if ok.sum() < 2:
            return out
        out.loc[ok, "funnel_position"] = stats.funnel_significance(x[ok], n[ok], "proportion")
        avg = float(stats.funnel_limits_proportion(x[ok], n[ok])["baseline"].iloc[0]) / 100
        for level, s in ((0.95, "95"), (0.998, "99_8")):
            lo, hi = stats.proportion_control_limits(n[ok].to_numpy(float), avg, level)
            out.loc[ok, f"funnel_lower_{s}"] = np.clip(lo, 0, 1) * 100
            out.loc[ok, f"funnel_upper_{s}"] = np.clip(hi, 0, 1) * 100
        out.loc[ok, "funnel_average"] = avg * 100
        out.loc[ok, "funnel_n"] = int(ok.sum())
        return out
    rate_type = "dsr" if method == "dsr" else "crude"
    if rate_type == "dsr":
        small = x.lt(DSR_MIN_EVENTS)
        out.loc[small, "funnel_position"] = NOT_APPLICABLE_DSR
        ok = x.notna() & v.notna() & ~small
    else:
        ok = x.notna() & v.notna() & n.gt(0)
    if ok.sum() < 2:
        return out
    dens = None if rate_type == "dsr" else n[ok]
    out.loc[ok, "funnel_position"] = stats.funnel_significance(
        x[ok], dens, "rate", rates=v[ok], rate_type=rate_type, multiplier=mult
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pop = (x / v * mult if rate_type == "dsr" else n)[ok].to_numpy(float)
    average = float(x[ok].sum() / pop.sum())  # events per person: the funnel's centre
    for level, s in ((0.95, "95"), (0.998, "99_8")):
        lo, hi = rate_control_limits(pop, average, level)
        out.loc[ok, f"funnel_lower_{s}"] = lo * mult
        out.loc[ok, f"funnel_upper_{s}"] = hi * mult
    out.loc[ok, "funnel_average"] = average * mult
    out.loc[ok, "funnel_n"] = int(ok.sum())
    return out
