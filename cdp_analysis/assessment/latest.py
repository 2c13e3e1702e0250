"""Latest position: each measure's value and 95% and 99.8% limits for every area.

The latest period is the one ending last on or before the reporting quarter's end. Limits
published by the source (Fingertips, ONS) are kept; missing ones are computed from the
count and denominator by the measure's method with :mod:`cdp_analysis.stats`:

- ``wilson``: Wilson score limits of ``count / denominator`` (percent);
- ``byar``: limits of the count (exact Poisson below 10 events, Byar's method from 10),
  divided by the denominator for a rate, or as they are for a count;
- ``dsr``: the source's Dobson limits; a DSR is not calculated from fewer than 10 events
  (value and limits blanked, note "Not calculated: fewer than 10 events");
- ``count``: amounts that are not counts of events (kg seized) have no interval.

Published notes (ONS ``:`` and ``u``) are kept in ``value_note``. Column ``limits`` says
where the limits came from: ``published``, ``computed`` or ``none``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import stats
from ..errors import InputError, Problem

LIMITS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]

#: A DSR is not published from fewer than this many events (ONS, OHID).
DSR_MIN_EVENTS = 10
DSR_NOTE = "Not calculated: fewer than 10 events"


def latest_rows(series: pd.DataFrame, end: date) -> pd.DataFrame:
    """The row of each measure and area ending last on or before ``end``."""
    rows = series[series["period_end"] <= pd.Timestamp(end)]
    rows = rows.sort_values(["measure_id", "area_code", "period_end", "period_start"])
    return rows.drop_duplicates(["measure_id", "area_code"], keep="last").reset_index(drop=True)


def add_limits(rows: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (series rows) with missing limits computed by each measure's method."""
    out = rows.copy()
    want = measures.set_index("measure_id")
    method = out["measure_id"].map(want["method"])
    unit = out["measure_id"].map(want["unit"])
    mult = out["measure_id"].map(want["multiplier"]).to_numpy(float)
    published = out["lower_95"].notna() & out["upper_95"].notna()
    count = out["count"].where(out["count"].notna() | ~unit.eq("count"), out["value"])
    den = out["denominator"]

    # proportions: Wilson score limits from count / denominator
    wil = method.eq("wilson") & count.notna() & den.gt(0)
    _check_proportions(out, wil, count, den)
    value_from_counts = count / den.where(den > 0) * mult
    # rates and counts: exact / Byar limits of the count
    rate = method.eq("byar") & count.notna() & den.gt(0) & ~unit.eq("count")
    cnt = method.eq("byar") & count.notna() & ~rate
    computed = (wil | rate | cnt) & ~published
    out.loc[(wil | rate) & out["value"].isna(), "value"] = value_from_counts
    out.loc[cnt & out["value"].isna(), "value"] = count
    levels = {0.95: ("lower_95", "upper_95"), 0.998: ("lower_99_8", "upper_99_8")}
    if wil.any():
        lims = stats.wilson_ci(count[wil], den[wil], list(levels))
        _fill(out, wil, lims, levels, mult[wil.to_numpy()])
    if rate.any():
        lims = stats.byar_ci(count[rate], list(levels))
        _fill(out, rate, lims, levels, mult[rate.to_numpy()] / den[rate].to_numpy())
    if cnt.any():
        lims = stats.byar_ci(count[cnt], list(levels))
        _fill(out, cnt, lims, levels, 1.0)

    # DSRs from fewer than 10 events are not calculated
    small = method.eq("dsr") & out["count"].lt(DSR_MIN_EVENTS)
    out.loc[small, ["value", *LIMITS]] = np.nan
    out.loc[small & out["value_note"].eq(""), "value_note"] = DSR_NOTE

    has_limits = out["lower_95"].notna() & out["upper_95"].notna()
    out["limits"] = np.where(
        published & ~small, "published", np.where(computed & has_limits, "computed", "none")
    )
    return out


def _fill(out, mask, lims, levels, scale) -> None:
    """Write limits where they are missing (published limits are never overwritten)."""
    for level, (lo_col, hi_col) in levels.items():
        lo, hi = lims[level]
        for col, vals in ((lo_col, lo), (hi_col, hi)):
            values = np.asarray(vals, dtype=float) * scale
            target = out.loc[mask, col]
            out.loc[mask, col] = target.where(target.notna(), values)


def _check_proportions(out: pd.DataFrame, mask: pd.Series, count, den) -> None:
    bad = mask & (count > den)
    if bad.any():
        shown = out.loc[bad, ["measure_id", "area_code", "period_label"]].head(5)
        raise InputError(
            None,
            Problem(
                "count above its denominator for "
                + "; ".join(" ".join(r) for r in shown.astype(str).itertuples(index=False)),
                column="count",
                expected="0 <= count <= denominator for a proportion",
            ),
            kind="tidy indicator table",
            fix="check the count and denominator columns of the source file",
        )


def latest_position(series: pd.DataFrame, measures: pd.DataFrame, end: date) -> pd.DataFrame:
    """Latest value and limits of every measure for every area (see module docstring)."""
    return add_limits(latest_rows(series, end), measures)
