"""Trends: the Fingertips recent-trend marker and a model of the whole series.

Recent trend
    :func:`cdp_analysis.stats.recent_trend_grouped` on the five latest points of the series
    (the Fingertips method: chi-square test for trend at 99.8% with a stable gradient),
    labelled by polarity: proportions from counts and denominators, everything else from
    values and 95% limits. As in Fingertips, the five latest *published* points are used,
    which overlap for rolling periods (rolling 12 months, 3-year registrations): the marker
    describes the latest movement and is read with that in mind. Five points that are not
    evenly spaced (a gap in the series) give "Cannot be calculated".

Series model (statsmodels GLM, one per measure and area)
    - proportions (``wilson``): binomial GLM of count out of denominator, logit link;
    - rates (``byar`` with a denominator): Poisson GLM with offset log(denominator);
    - DSRs (``dsr``): Poisson GLM of the deaths with offset log(deaths x 100,000 / DSR),
      the population implied by the rate (as PHE does for DSR funnel plots);
    - counts (``byar``): Poisson GLM with no offset;
    - amounts (``count``, e.g. kg): the same log-linear model with the dispersion estimated
      (quasi-Poisson), as amounts are not counts of events.

    Time is in years from the end of the latest period, so the slope is the change in the log
    odds or log rate per year: its exponential is the odds ratio or rate ratio per year. The
    model is fitted to *non-overlapping* periods, counting back from the latest (every fourth
    rolling 12-month period, every third 3-year period), so that no event is counted twice.
    Variances are inflated by the Pearson dispersion (chi-square / residual df) when it is
    above 1 (quasi-likelihood; McCullagh and Nelder 1989, section 4.5). Fewer than 3 points:
    ``insufficient data``.

Projection
    :func:`project` extends a model to a date with a 95% prediction range: the variance of
    the fitted linear predictor (delta method) plus the sampling variance of one future
    period with the latest period's denominator, on the link scale. Target projections
    (:func:`projection_models`) use the plan's own trajectory - the model fitted to the
    baseline period and the periods after it - once it has 3 non-overlapping points, and
    the whole-series model before that.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import expit

# GLM and its families only: statsmodels.api imports all of statsmodels (time series,
# graphics...), 0.5 s and 27 MB more in every report kernel.
from statsmodels.genmod import api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from .. import stats
from ..stats.recent_trend import CANNOT_BE_CALCULATED
from ..stats.recent_trend import POINTS as TREND_POINTS

#: Fewest non-overlapping points a series model is fitted to.
MIN_POINTS = 3
#: Days in a year, for time in years.
YEAR_DAYS = 365.25
Z95 = sps.norm.ppf(0.975)

INSUFFICIENT = "insufficient data"
FITTED = "fitted"
NOT_FITTED = "cannot be modelled"

MODEL_COLUMNS = [
    "measure_id", "area_code", "status", "model", "link", "n_points", "first_period",
    "last_period", "last_end", "b0", "b1", "v00", "v01", "v11", "dispersion", "exposure",
    "multiplier", "ratio_per_year", "ratio_lower", "ratio_upper", "p_value", "change_per_year",
    "fitted_latest", "ratio_name", "reason", "basis",
]  # fmt: skip
WHOLE_SERIES = "whole series"
SINCE_BASELINE = "since the baseline"


RECENT_COLUMNS = ["measure_id", "area_code", "recent_trend", "recent_trend_reason",
                  "recent_trend_statistic", "recent_trend_points"]  # fmt: skip
GAP = "Gap in the five latest periods"


def recent_trends(
    series: pd.DataFrame, measures: pd.DataFrame, end: date, area_codes=None
) -> pd.DataFrame:
    """Fingertips recent-trend marker of every measure and area (vectorised)."""
    rows = series[series["period_end"] <= pd.Timestamp(end)]
    if area_codes is not None:
        rows = rows[rows["area_code"].isin(list(area_codes))]
    want = measures.set_index("measure_id")
    rows = rows.assign(polarity=rows["measure_id"].map(want["polarity"]))
    proportion = rows["measure_id"].map(want["method"]).eq("wilson")
    key = ["measure_id", "area_code"]
    parts = []
    if proportion.any():
        parts.append(
            stats.recent_trend_grouped(
                rows[proportion],
                key,
                "period_end",
                kind="proportion",
                count_col="count",
                denominator_col="denominator",
                polarity_col="polarity",
            )  # fmt: skip
        )
    if (~proportion).any():
        parts.append(
            stats.recent_trend_grouped(
                rows[~proportion],
                key,
                "period_end",
                kind="other",
                value_col="value",
                lower_col="lower_95",
                upper_col="upper_95",
                polarity_col="polarity",
            )  # fmt: skip
        )
    if not parts:
        return pd.DataFrame(columns=RECENT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    # the five latest points must be evenly spaced
    last5 = rows.sort_values("period_end").groupby(key).tail(TREND_POINTS)
    months = last5["period_end"].dt.year * 12 + last5["period_end"].dt.month
    groups = [last5["measure_id"], last5["area_code"]]
    steps = months.groupby(groups).diff().groupby(groups).nunique()
    uneven = steps[steps > 1].index
    gap = out.set_index(key).index.isin(uneven)
    out.loc[gap, "recent_trend"] = CANNOT_BE_CALCULATED
    out.loc[gap, "recent_trend_reason"] = GAP
    out["points"] = np.minimum(out["points"], TREND_POINTS)  # points tested, at most 5
    out = out.rename(columns={"statistic": "recent_trend_statistic",
                              "points": "recent_trend_points"})  # fmt: skip
    return out[RECENT_COLUMNS]


def non_overlapping(series: pd.DataFrame) -> pd.DataFrame:
    """Rows of non-overlapping periods, counting back from each series' latest period."""
    if series.empty:
        return series
    key = ["measure_id", "area_code"]
    last = series.groupby(key)["period_end"].transform("max")
    span = series.groupby(key)["months"].transform("last")  # series sorted by period_end
    months_back = (last.dt.year - series["period_end"].dt.year) * 12 + (
        last.dt.month - series["period_end"].dt.month
    )
    return series[months_back % span == 0]


def _design(rows: dict[str, np.ndarray], method: str, unit: str, mult: float):
    """(kind, endog, offset, exposure_latest, usable mask) for one series."""
    count, den, value = rows["count"], rows["denominator"], rows["value"]
    if method == "wilson":
        ok = np.isfinite(count) & (den > 0)
        return "binomial", np.c_[count, den - count], None, den, ok
    if method == "dsr":
        with np.errstate(divide="ignore", invalid="ignore"):
            pop = count * mult / value
        ok = np.isfinite(pop) & (pop > 0) & np.isfinite(count)
        return "poisson", count, np.log(np.where(ok, pop, 1.0)), pop, ok
    if method == "byar" and unit != "count":
        ok = np.isfinite(count) & (den > 0)
        return "poisson", count, np.log(np.where(ok, den, 1.0)), den, ok
    y = count if method == "byar" else value
    if method == "byar":
        y = np.where(np.isfinite(count), count, value)
    ok = np.isfinite(y) & (y >= 0)
    return "quasi" if method == "count" else "poisson", y, None, np.ones_like(y), ok


def fit_series(rows: pd.DataFrame | dict, method: str, unit: str, mult: float) -> dict:
    """Fit the series model to one measure's rows for one area (rows sorted by period end).

    ``rows`` is a series table or a dict of its columns as numpy arrays.
    """
    if isinstance(rows, pd.DataFrame):
        rows = _arrays(rows)
    kind, endog, offset, exposure, ok = _design(rows, method, unit, mult)
    out = {
        "n_points": int(ok.sum()),
        "link": "logit" if kind == "binomial" else "log",
        "model": {
            "binomial": "binomial GLM (logit)",
            "poisson": "Poisson GLM (log)",
            "quasi": "quasi-Poisson GLM (log)",
        }[kind],
        "ratio_name": "odds ratio" if kind == "binomial" else "rate ratio",
        "multiplier": mult,
    }
    if ok.sum() < MIN_POINTS:
        return {
            **out,
            "status": INSUFFICIENT,
            "reason": f"{int(ok.sum())} non-overlapping period(s); at least {MIN_POINTS} needed",
        }
    ends = rows["period_end"][ok]
    labels = rows["period_label"][ok]
    last_end = pd.Timestamp(ends[-1])
    t = (ends - ends[-1]) / np.timedelta64(1, "D") / YEAR_DAYS
    exog = np.c_[np.ones_like(t), t]
    y = endog[ok]
    family = sm.families.Binomial() if kind == "binomial" else sm.families.Poisson()
    off = None if offset is None else offset[ok]
    if kind != "binomial" and np.all(y == 0):
        return {**out, "status": NOT_FITTED, "reason": "every period is zero"}
    if kind == "binomial" and (np.all(y[:, 0] == 0) or np.all(y[:, 1] == 0)):
        return {**out, "status": NOT_FITTED, "reason": "every period is 0% or 100%"}
    with warnings.catch_warnings():
        for category in (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning):
            warnings.simplefilter("error", category)
        try:
            res = sm.GLM(y, exog, family=family, offset=off).fit()
        except (Warning, ValueError, np.linalg.LinAlgError) as err:
            return {**out, "status": NOT_FITTED, "reason": f"the model did not fit ({err})"}
    df_resid = len(t) - 2
    pearson = float(res.pearson_chi2) / df_resid if df_resid > 0 else np.nan
    if kind == "quasi":
        phi = pearson if np.isfinite(pearson) and pearson > 0 else 1.0
    else:
        phi = max(1.0, pearson) if np.isfinite(pearson) else 1.0
    cov = np.asarray(res.cov_params()) * phi / float(res.scale)
    b0, b1 = (float(v) for v in res.params)
    se1 = float(np.sqrt(cov[1, 1]))
    p_value = float(2 * sps.norm.sf(abs(b1) / se1)) if se1 > 0 else np.nan
    exp_last = float(exposure[ok][-1])
    fitted_now = _inverse(kind, np.array([b0]), mult)[0]
    fitted_year_ago = _inverse(kind, np.array([b0 - b1]), mult)[0]
    return {
        **out,
        "status": FITTED,
        "first_period": labels[0],
        "last_period": labels[-1],
        "last_end": last_end,
        "b0": b0,
        "b1": b1,
        "v00": float(cov[0, 0]),
        "v01": float(cov[0, 1]),
        "v11": float(cov[1, 1]),
        "dispersion": phi,
        "exposure": exp_last,
        "ratio_per_year": float(np.exp(b1)),
        "ratio_lower": float(np.exp(b1 - Z95 * se1)),
        "ratio_upper": float(np.exp(b1 + Z95 * se1)),
        "p_value": p_value,
        "change_per_year": float(fitted_now - fitted_year_ago),
        "fitted_latest": float(fitted_now),
        "reason": "",
    }


def _inverse(kind: str, eta: np.ndarray, mult: float) -> np.ndarray:
    """Linear predictor -> value in the measure's unit."""
    if kind in ("binomial", "logit"):
        return expit(eta) * 100.0
    return np.exp(eta) * mult


def trend_models(
    series: pd.DataFrame, measures: pd.DataFrame, end: date, area_codes=None
) -> pd.DataFrame:
    """One series model per measure and area (``area_codes`` limits the areas)."""
    rows = series[series["period_end"] <= pd.Timestamp(end)]
    if area_codes is not None:
        rows = rows[rows["area_code"].isin(list(area_codes))]
    rows = non_overlapping(rows).reset_index(drop=True)
    want = measures.set_index("measure_id")[["method", "unit", "multiplier"]].to_dict("index")
    arrays = _arrays(rows)
    out = []
    # one statsmodels fit per series: the only loop, over series rather than rows
    for (mid, code), idx in rows.groupby(["measure_id", "area_code"], sort=True).indices.items():
        m = want[mid]
        part = {k: v[idx] for k, v in arrays.items()}
        fit = fit_series(part, m["method"], m["unit"], float(m["multiplier"]))
        out.append({"measure_id": mid, "area_code": code, "basis": WHOLE_SERIES, **fit})
    return pd.DataFrame(out, columns=MODEL_COLUMNS)


def projection_models(
    series: pd.DataFrame,
    measures: pd.DataFrame,
    end: date,
    baseline_rows: pd.DataFrame,
    whole: pd.DataFrame,
) -> pd.DataFrame:
    """The model each target projection uses: fitted to the baseline period and the periods
    after it (the plan's own trajectory) when at least 3 non-overlapping ones are usable,
    else the whole-series model ``whole`` (from :func:`trend_models`)."""
    key = ["measure_id", "area_code"]
    start = baseline_rows[[*key, "period_end"]].rename(columns={"period_end": "from_end"})
    since = series.merge(start, on=key)
    since = since[since["period_end"] >= since["from_end"]].drop(columns="from_end")
    recent = trend_models(since, measures, end)
    recent = recent[recent["status"].eq(FITTED)].assign(basis=SINCE_BASELINE)
    taken = whole.set_index(key).index.isin(recent.set_index(key).index)
    return pd.concat([recent, whole[~taken]], ignore_index=True)


def _arrays(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns a series model reads, as numpy arrays (rows sorted by period end)."""
    out = {c: rows[c].to_numpy(float) for c in ("count", "denominator", "value")}
    out["period_end"] = rows["period_end"].to_numpy("datetime64[ns]")
    out["period_label"] = rows["period_label"].to_numpy(object)
    return out


def project(models: pd.DataFrame, at: date) -> pd.DataFrame:
    """Projection of each fitted model to date ``at``: central value and 95% range."""
    fitted = models["status"].eq(FITTED)
    m = models[fitted]
    t = ((pd.Timestamp(at) - pd.to_datetime(m["last_end"])).dt.days / YEAR_DAYS).to_numpy()
    b0, b1 = m["b0"].to_numpy(float), m["b1"].to_numpy(float)
    eta = b0 + b1 * t
    var_eta = m["v00"].to_numpy(float) + 2 * t * m["v01"].to_numpy(float)
    var_eta = var_eta + t * t * m["v11"].to_numpy(float)
    logit = m["link"].eq("logit").to_numpy()
    n = m["exposure"].to_numpy(float)
    phi = m["dispersion"].to_numpy(float)
    mult = m["multiplier"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = expit(eta)
        mu = n * np.exp(eta)
        var_obs = np.where(logit, phi / (n * p * (1 - p)), phi / mu)
    sd = np.sqrt(var_eta + var_obs)

    def inv(x):
        return np.where(logit, expit(x) * 100.0, np.exp(x) * mult)

    out = models[["measure_id", "area_code", "basis"]].copy()
    out["projected_to"] = pd.Timestamp(at)
    for col in ("projected", "projected_lower", "projected_upper"):
        out[col] = np.nan
    out.loc[fitted, "projected"] = inv(eta)
    out.loc[fitted, "projected_lower"] = inv(eta - Z95 * sd)
    out.loc[fitted, "projected_upper"] = inv(eta + Z95 * sd)
    return out
