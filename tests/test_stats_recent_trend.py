"""The Fingertips recent-trend test: published markers and behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.stats import CHI2_THRESHOLD, StatsInputError, recent_trend, recent_trend_grouped

# Published PHEindicatormethods trend vectors (typed in).
PROP_COUNTS = [318, 314, 318, 291, 292]
PROP_DENOMS = [
    468.3357879234167,
    472.8915662650602,
    500.78740157480314,
    480.1980198019802,
    499.14529914529913,
]
OTHER_VALUES = [30.6, 30.2, 28, 24.6, 24.67]
OTHER_LL = [28.98, 28.63, 26.44, 23.15, 23.16]
OTHER_UL = [32.25, 31.9, 29.64, 26.19, 26.25]
RISING = (
    [20.2, 23, 24.6, 28.67, 30.9],
    [18.3, 21.44, 23.15, 26.16, 28.98],
    [21.9, 25.64, 26.19, 29.25, 32.25],
)


def test_threshold_is_chi_square_99_8():
    from scipy.stats import chi2

    assert chi2.ppf(0.998, 1) == pytest.approx(CHI2_THRESHOLD, abs=1e-4)


def test_proportion_published():
    r = recent_trend(PROP_COUNTS, PROP_DENOMS)
    assert (r.marker, r.reason) == ("Decreasing", "No outliers and significant trend")
    assert round(r.statistic, 4) == 12.5688
    assert round(r.gradient, 4) == -0.1062


def test_proportion_uses_positions_not_years():
    """Published: years 2012, 2013, 2014, 2016, 2017 are tested as points 1..5."""
    r = recent_trend(
        [10, 17, 27, 49, 67],
        [125, 141.66666666666669, 117.3913043478261, 204.16666666666666, 171.7948717948718],
        times=[2012, 2013, 2014, 2016, 2017],
    )
    assert r.marker == "Increasing"
    assert (round(r.statistic, 4), round(r.gradient, 4)) == (47.3463, 0.4830)


def test_other_published():
    r = recent_trend(value=OTHER_VALUES, lower=OTHER_LL, upper=OTHER_UL)
    assert r.marker == "Decreasing"
    assert (round(r.statistic, 4), round(r.gradient, 4)) == (46.7636, -1.7516)
    up = recent_trend(value=RISING[0], lower=RISING[1], upper=RISING[2])
    assert up.marker == "Increasing"
    assert (round(up.statistic, 4), round(up.gradient, 4)) == (95.2196, 2.7335)


def test_only_last_five_points_used():
    r = recent_trend(
        value=[*OTHER_VALUES, 30.9], lower=[*OTHER_LL, 28.98], upper=[*OTHER_UL, 32.25]
    )  # published: 6 points
    assert (r.marker, r.reason) == ("No significant change", "No significant trend")
    assert (round(r.statistic, 4), round(r.gradient, 4)) == (0.7433, -0.2256)


@pytest.mark.parametrize(
    ("polarity", "falling", "rising"),
    [
        ("higher_is_better", "Decreasing and getting worse", "Increasing and getting better"),
        ("lower_is_better", "Decreasing and getting better", "Increasing and getting worse"),
        ("not_applicable", "Decreasing", "Increasing"),
    ],
)
def test_polarity_markers(polarity, falling, rising):
    assert (
        recent_trend(value=OTHER_VALUES, lower=OTHER_LL, upper=OTHER_UL, polarity=polarity).marker
        == falling
    )
    assert (
        recent_trend(value=RISING[0], lower=RISING[1], upper=RISING[2], polarity=polarity).marker
        == rising
    )


def test_outlier_stops_a_significant_trend():
    # flat, then one high point: significant, but without the last point the slope is 0
    r = recent_trend(
        value=[10, 10, 10, 10, 20], lower=[9.9] * 4 + [19.9], upper=[10.1] * 4 + [20.1]
    )
    assert r.statistic > CHI2_THRESHOLD
    assert (r.marker, r.reason) == ("No significant change", "Outlier found")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (dict(count=[1, 2, 3, 4], denominator=[10] * 4), "Not enough data points"),
        (dict(count=[1, 2, np.nan, 4, 5], denominator=[10] * 5), "Missing values"),
        (dict(value=[1, 2, np.nan, 4, 5], lower=[0] * 5, upper=[9] * 5), "Missing values"),
        (
            dict(value=[1, 2, 3, 4, 5], lower=[0, 1, 2, np.nan, 4], upper=[9] * 5),
            "Missing at least one confidence interval value",
        ),
        (
            dict(value=[1, 2, 3, 4, 5], lower=[1, 1, 2, 3, 4], upper=[1, 3, 4, 5, 6]),
            "A confidence interval of zero width",
        ),
        (
            dict(count=[0, 0, 0, 0, 0], denominator=[10] * 5),
            "No variance: a zero denominator, all counts 0 or all equal to denominators",
        ),
        (
            dict(count=[0, 1, 2, 3, 4], denominator=[10] * 5),
            "A count of 0 or equal to its denominator: gradient on the logit scale undefined",
        ),
    ],
)
def test_cannot_be_calculated(kwargs, reason):
    r = recent_trend(**kwargs)
    assert (r.marker, r.reason) == ("Cannot be calculated", reason)
    assert np.isnan(r.statistic) and np.isnan(r.gradient)


def test_impossible_inputs_raise():
    with pytest.raises(StatsInputError, match="above the denominator"):
        recent_trend([1, 2, 30, 4, 5], [10] * 5)
    with pytest.raises(StatsInputError, match="repeated"):
        recent_trend([1, 2, 3, 4, 5], [10] * 5, times=[1, 2, 2, 3, 4])
    with pytest.raises(StatsInputError, match="lower limit"):
        recent_trend(value=[1] * 5, lower=[2] * 5, upper=[0] * 5)


def _tidy() -> pd.DataFrame:
    rows = []
    series = {
        "falling": (OTHER_VALUES, OTHER_LL, OTHER_UL),
        "rising": RISING,
        "short": ([1, 2, 3], [0, 1, 2], [2, 3, 4]),
    }
    for area, (v, lo, up) in series.items():
        for i in range(len(v)):
            rows.append(
                {"area": area, "year": 2019 + i, "value": v[i], "lower": lo[i], "upper": up[i]}
            )
    return pd.DataFrame(rows)


def test_grouped_one_row_per_group_and_matches_single():
    df = _tidy().sample(frac=1, random_state=1)  # order of rows does not matter
    out = recent_trend_grouped(
        df,
        "area",
        "year",
        kind="other",
        value_col="value",
        lower_col="lower",
        upper_col="upper",
        polarity="lower_is_better",
    )
    out = out.set_index("area")
    assert out.loc["falling", "recent_trend"] == "Decreasing and getting better"
    assert out.loc["rising", "recent_trend"] == "Increasing and getting worse"
    assert out.loc["short", "recent_trend_reason"] == "Not enough data points"
    assert out.loc["falling", "latest"] == 2023 and out.loc["short", "points"] == 3
    single = recent_trend(value=RISING[0], lower=RISING[1], upper=RISING[2])
    assert out.loc["rising", "statistic"] == pytest.approx(single.statistic)


def test_grouped_duplicates_reported_per_group():
    df = _tidy()
    df.loc[1, "year"] = 2019
    out = recent_trend_grouped(
        df, "area", "year", kind="other", value_col="value", lower_col="lower", upper_col="upper"
    ).set_index("area")
    assert out.loc["falling", "recent_trend_reason"] == "Duplicate years in group"
    assert out.loc["rising", "recent_trend"] == "Increasing"


def test_grouped_polarity_column():
    df = _tidy().assign(
        polarity=lambda d: np.where(d["area"] == "rising", "higher_is_better", "lower_is_better")
    )
    out = recent_trend_grouped(
        df,
        "area",
        "year",
        kind="other",
        value_col="value",
        lower_col="lower",
        upper_col="upper",
        polarity_col="polarity",
    ).set_index("area")
    assert out.loc["rising", "recent_trend"] == "Increasing and getting better"
    assert out.loc["falling", "recent_trend"] == "Decreasing and getting better"


def test_grouped_needs_its_columns():
    with pytest.raises(StatsInputError, match="needs count_col"):
        recent_trend_grouped(_tidy(), "area", "year")
    with pytest.raises(StatsInputError, match="columns not found"):
        recent_trend_grouped(
            _tidy(),
            "area",
            "year",
            kind="other",
            value_col="v",
            lower_col="lower",
            upper_col="upper",
        )
