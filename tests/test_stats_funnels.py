"""Funnel-plot limits and outlier labels: published figures and behaviour."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import stats
from cdp_analysis.stats import (
    PHE_LABELS,
    SIGNIFICANCE_LABELS,
    StatsInputError,
    funnel_limits_proportion,
    funnel_limits_ratio,
    funnel_significance,
    poisson_funnel_mean,
    proportion_control_limits,
)

# Published (PHEindicatormethods funnel vectors, typed in): pooled average 80.642448%;
# limits in % at these denominators.
AVERAGE = 0.80642448
PROPORTION_LIMITS = [  # (n, level, lower %, upper % or None when clipped)
    (1, 0.95, 3.204264),
    (2, 0.95, 25.885383),
    (3, 0.998, 10.150815),
    (4, 0.95, 41.923356),
    (4, 0.998, 19.594903),
]


@pytest.mark.parametrize(("n", "level", "lower"), PROPORTION_LIMITS)
def test_proportion_control_limits_published(n, level, lower):
    lo, up = proportion_control_limits(n, AVERAGE, level)
    assert float(lo) * 100 == pytest.approx(lower, abs=5e-7)  # published to 6 d.p.
    assert float(up) - AVERAGE == pytest.approx(AVERAGE - float(lo))  # symmetric about the average


# Expected events at which an observed count lies on a limit (Fingertips bisection),
# published: (observed, tail, side, mean).
POISSON = [
    (1, 0.025, "high", "5.571644585"),
    (1, 0.025, "low", "0.025317898"),
    (1, 0.001, "high", "9.233410143"),
    (1, 0.001, "low", "0.001000547"),
    (2, 0.025, "high", "7.224687515"),
    (2, 0.001, "low", "0.04540199"),
    (328, 0.001, "low", "274.8700809"),  # the last bisection step is a knife edge here
]


@pytest.mark.parametrize(("obs", "tail", "side", "mean"), POISSON)
def test_poisson_funnel_published(obs, tail, side, mean):
    half_last_digit = 0.5 * 10.0 ** Decimal(mean).as_tuple().exponent
    assert poisson_funnel_mean(obs, tail, side)[0] == pytest.approx(
        float(mean), abs=float(half_last_digit)
    )


def test_poisson_funnel_close_to_exact_chi_square():
    from scipy.stats import chi2

    obs = np.array([1.0, 5, 50, 500])
    np.testing.assert_allclose(
        poisson_funnel_mean(obs, 0.025, "low"), chi2.ppf(0.025, 2 * obs) / 2, rtol=1e-5
    )
    np.testing.assert_allclose(
        poisson_funnel_mean(obs, 0.025, "high"), chi2.ppf(0.975, 2 * obs + 2) / 2, rtol=1e-5
    )


def _areas():
    # ten areas of 1,000 with 500 cases, one at 900 and one at 100
    num = np.array([500] * 10 + [900, 100, 520])
    den = np.array([1000] * 12 + [1000])
    return num, den


def test_proportion_limits_table():
    num, den = _areas()
    out = funnel_limits_proportion(num, den, multiplier=100)
    assert list(out.columns) == [
        "denominator",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
        "baseline",
    ]
    assert len(out) == 100
    assert (np.diff(out["denominator"]) >= 1).all()
    assert out["baseline"].iloc[0] == pytest.approx(num.sum() / den.sum() * 100)
    assert (out["lower_99_8"] <= out["lower_95"]).all() and (
        out["upper_95"] <= out["upper_99_8"]
    ).all()
    assert out["lower_95"].between(0, 100).all() and out["upper_99_8"].between(0, 100).all()
    # all denominators equal (max <= 2 min): the axis starts at a neat value below them
    assert out["denominator"].iloc[0] == 900 and out["denominator"].iloc[-1] == 1100


def test_proportion_significance_labels():
    num, den = _areas()
    labels = funnel_significance(num, den)
    assert labels[10] == "High (outside 99.8%)"
    assert labels[11] == "Low (outside 99.8%)"
    assert set(labels[:10]) == {"Not significant"}
    assert labels[12] == "Not significant"


def test_missing_points_not_compared_and_left_out():
    num, den = _areas()
    labels = funnel_significance(pd.Series(np.append(num, np.nan)), pd.Series(np.append(den, 1000)))
    assert labels.iloc[-1] == "Not compared"
    assert list(labels.iloc[:-1]) == list(funnel_significance(num, den))


# Published ratio inputs and labels (observed, expected, PHE label).
RATIO_POINTS = [
    (8, 6.239860227, "Not significant"),
    (151, 106.4429719, "High (0.001)"),
    (159, 232.9329036, "Low (0.001)"),
    (191, 184.0963855, "Not significant"),
]


def test_ratio_significance_published():
    obs, exp, phe = zip(*RATIO_POINTS, strict=True)
    labels = funnel_significance(list(obs), list(exp), "ratio")
    assert [PHE_LABELS[x] for x in labels] == list(phe)


def test_ratio_limits_table():
    out = funnel_limits_ratio([8, 151, 159, 191], [6.2, 106.4, 232.9, 184.1], ratio_type="isr")
    assert len(out) == 100 and out["observed"].iloc[0] == 1
    assert (out["lower_99_8"] < out["lower_95"]).all() and (out["lower_95"] < 100).all()
    assert (out["upper_95"] > 100).all() and (out["upper_99_8"] > out["upper_95"]).all()


def test_rate_significance_dsr_small_counts():
    labels = funnel_significance(
        [2500, 5, 0],
        [250000, 800, 900],
        "rate",
        rates=[1000, 600, np.nan],
        rate_type="dsr",
        multiplier=1e5,
    )
    assert list(labels[1:]) == ["Not applicable: fewer than 10 events (DSR)"] * 2


def test_labels_cover_phe():
    assert set(PHE_LABELS) | {stats.funnels.NOT_COMPARED} == set(SIGNIFICANCE_LABELS)


@pytest.mark.parametrize(
    ("num", "den", "text"),
    [
        ([5, 12], [10, 10], "above the denominator"),
        ([5, 1], [10, 0], "zero"),
        ([-1, 1], [10, 10], "negative"),
    ],
)
def test_impossible_inputs(num, den, text):
    with pytest.raises(StatsInputError, match=text):
        funnel_significance(num, den)


def test_unknown_statistic():
    with pytest.raises(StatsInputError, match="statistic"):
        funnel_significance([1], [2], "mean")
