"""Recent-trend markers and series models on hand-built series with known answers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.assessment import measures, series, trends
from cdp_analysis.assessment.latest import add_limits
from cdp_analysis.tidy import conform


def cat(**kinds) -> pd.DataFrame:
    """A catalogue of measures named by keyword: name=(unit, polarity, method)."""
    return measures.measure_table(
        [
            {"id": mid, "name": mid, "short_name": mid, "priority": 2, "objectives": ["2.2"],
             "plan_measure": mid, "unit": unit, "polarity": polarity, "method": method,
             "source": "local", "source_id": mid, "frequency": "annual", "definition": "t"}
            for mid, (unit, polarity, method) in kinds.items()
        ]
    )  # fmt: skip


def annual(mid: str, counts, dens=None, first_year: int = 2019, area="E06000044", **extra):
    """Financial years ending March ``first_year``, ``first_year + 1``, ..."""
    rows = []
    for i, c in enumerate(counts):
        y = first_year + i
        rows.append(
            {"indicator_id": mid, "area_code": area, "area_type": "UTLA", "sex": "Persons",
             "age": "18+ yrs", "category": "", "period_label": f"{y - 1}/{y % 100:02d}",
             "period_start": f"{y - 1}-04-01", "period_end": f"{y}-03-31", "count": c,
             "denominator": np.nan if dens is None else dens[i], "source": "test", **extra}
        )  # fmt: skip
    return rows


def prepared(rows, catalogue):
    return add_limits(series.headline(conform(pd.DataFrame(rows)), catalogue), catalogue)


END = date(2026, 3, 31)


# --- recent trend ------------------------------------------------------------------------


def test_recent_trend_labels_by_polarity():
    # Counts 100, 120, 140, 160, 180 of 1000: pooled p = 0.14, weighted mean time 3,
    # score = sum (t-3)(O-140) = 80 + 20 + 0 + 20 + 80 = 200,
    # information = 0.14 * 0.86 * 1000 * 10 = 1204, chi-square = 200^2 / 1204 = 33.2
    # > 9.5495, and the gradient stays positive leaving out any point: Increasing.
    up, flat = [100, 120, 140, 160, 180], [150, 152, 149, 151, 150]
    c = cat(good=("percent", "higher_is_better", "wilson"),
            bad=("percent", "lower_is_better", "wilson"),
            down=("percent", "lower_is_better", "wilson"),
            flat=("percent", "higher_is_better", "wilson"),
            short=("percent", "higher_is_better", "wilson"))  # fmt: skip
    rows = (
        annual("good", up, [1000] * 5) + annual("bad", up, [1000] * 5)
        + annual("down", up[::-1], [1000] * 5) + annual("flat", flat, [1000] * 5)
        + annual("short", up[:4], [1000] * 4)
    )  # fmt: skip
    out = trends.recent_trends(prepared(rows, c), c, END).set_index("measure_id")
    assert out.loc["good", "recent_trend"] == "Increasing and getting better"
    assert out.loc["good", "recent_trend_statistic"] == pytest.approx(33.22, abs=0.01)
    assert out.loc["bad", "recent_trend"] == "Increasing and getting worse"
    assert out.loc["down", "recent_trend"] == "Decreasing and getting better"
    assert out.loc["flat", "recent_trend"] == "No significant change"
    assert out.loc["short", "recent_trend"] == "Cannot be calculated"


def test_recent_trend_with_a_gap_cannot_be_calculated():
    c = cat(g=("percent", "higher_is_better", "wilson"))
    rows = annual("g", [100, 120, 140], [1000] * 3) + annual(
        "g", [160, 180, 200], [1000] * 3, first_year=2023
    )  # 2019, 2020, 2021, then 2023, 2024, 2025: 2022 missing
    out = trends.recent_trends(prepared(rows, c), c, END).iloc[0]
    assert out["recent_trend"] == "Cannot be calculated"
    assert out["recent_trend_reason"] == trends.GAP


# --- series models -----------------------------------------------------------------------


def test_poisson_model_recovers_an_exact_rate_ratio_and_projects_it():
    # Counts growing by exactly 10% a year: the rate ratio is 1.1, the annual change at
    # the latest point 146.41 - 133.1 = 13.31, and one year on the projection is
    # 146.41 x 1.1 = 161.051.
    c = cat(n=("count", "higher_is_better", "byar"))
    rows = annual("n", [100, 110, 121, 133.1, 146.41], first_year=2021)
    m = trends.trend_models(prepared(rows, c), c, END).iloc[0]
    assert m["status"] == "fitted" and m["model"] == "Poisson GLM (log)"
    assert m["ratio_per_year"] == pytest.approx(1.1, rel=1e-3)
    assert m["change_per_year"] == pytest.approx(13.31, rel=1e-3)
    assert m["dispersion"] == 1.0  # no overdispersion: never narrower than Poisson
    p = trends.project(pd.DataFrame([m]), date(2026, 3, 31)).iloc[0]
    assert p["projected"] == pytest.approx(161.05, rel=1e-3)
    assert p["projected_lower"] < 161.05 < p["projected_upper"]


def test_binomial_model_recovers_an_exact_odds_ratio():
    # Odds 0.25, 0.30, 0.36, 0.432: x1.2 a year, so the odds ratio per year is 1.2.
    odds = np.array([0.25, 0.30, 0.36, 0.432])
    n = 10_000
    c = cat(p=("percent", "higher_is_better", "wilson"))
    rows = annual("p", list(n * odds / (1 + odds)), [n] * 4, first_year=2022)
    m = trends.trend_models(prepared(rows, c), c, END).iloc[0]
    assert m["model"] == "binomial GLM (logit)" and m["ratio_name"] == "odds ratio"
    assert m["ratio_per_year"] == pytest.approx(1.2, rel=1e-4)
    # latest fitted value: 0.432 / 1.432 = 30.17% (to 0.005: time is in days / 365.25,
    # and a leap year makes the yearly steps 365 or 366 days)
    assert m["fitted_latest"] == pytest.approx(30.168, abs=5e-3)


def test_overdispersed_series_has_wider_intervals():
    c = cat(a=("count", "higher_is_better", "byar"), b=("count", "higher_is_better", "byar"))
    smooth = [100, 110, 121, 133, 146]
    noisy = [100, 160, 90, 170, 146]
    rows = annual("a", smooth, first_year=2021) + annual("b", noisy, first_year=2021)
    m = trends.trend_models(prepared(rows, c), c, END).set_index("measure_id")
    assert m.loc["b", "dispersion"] > 1.0
    width = m["ratio_upper"] / m["ratio_lower"]
    assert width["b"] > width["a"]


def test_rolling_quarters_are_thinned_to_non_overlapping_years():
    # Nine rolling 12-month periods, one per quarter from 2023/24 Q4 to 2025/26 Q4: the model
    # uses those ending March 2024, March 2025 and March 2026 only (every fourth).
    c = cat(q=("count", "higher_is_better", "byar"))
    ends = pd.date_range("2024-03-31", periods=9, freq="QE-MAR")
    rows = [
        {"indicator_id": "q", "area_code": "E06000044", "sex": "Persons", "age": "18+ yrs",
         "category": "", "period_label": str(e.date()),
         "period_start": (e - pd.DateOffset(years=1) + pd.Timedelta(days=1)), "period_end": e,
         "count": 100 + 5 * i, "source": "test"}
        for i, e in enumerate(ends)
    ]  # fmt: skip
    m = trends.trend_models(prepared(rows, c), c, END).iloc[0]
    assert m["n_points"] == 3
    assert (m["first_period"], m["last_period"]) == ("2024-03-31", "2026-03-31")


def test_too_few_points_is_insufficient_data():
    c = cat(s=("percent", "higher_is_better", "wilson"))
    rows = annual("s", [290, 300], [1000, 1000], first_year=2023)
    m = trends.trend_models(prepared(rows, c), c, END).iloc[0]
    assert m["status"] == "insufficient data"
    assert np.isnan(trends.project(pd.DataFrame([m]), END)["projected"].iloc[0])
