"""Byar's and exact Poisson limits for counts, and crude rate limits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from cdp_analysis.stats import StatsInputError, byar_ci, exact_poisson_ci, rate_ci

# Published figures (PHEindicatormethods test vectors, typed in).
BYAR = [  # raw Byar's approximation: (x, level, lower, upper)
    (65, 0.95, 50.163187710459454, 82.84913854593984),
    (1045, 0.95, 982.5932018073325, 1110.33121298565),
    (1, 0.95, 0.01307213290150435, 5.5637555824752605),
    (65, 0.998, 42.8802614714802, 94.00029084431802),
    (1045, 0.998, 947.9407035610374, 1148.806160988033),
    (10, 0.998, 2.916318374695686, 24.193724927880535),
]
EXACT = [  # exact (chi-square): (x, level, lower, upper)
    (1, 0.95, 0.025317807984289897, 5.571643390938898),
    (1, 0.998, 0.0010005003335835344, 9.233413476451585),
    (5, 0.95, 1.62348639011842, 11.668332079322669),
    (5, 0.998, 0.739371731917839, 16.454745203680105),
    (
        2,
        0.95,
        121.10463927198258 * 200 / 1e5,
        3612.3438338619794 * 200 / 1e5,
    ),  # 2 per 200, per 100,000
]


@pytest.mark.parametrize(("x", "level", "lower", "upper"), BYAR)
def test_byar_published(x, level, lower, upper):
    lo, up = byar_ci(x, level, exact_below=0)
    assert lo == pytest.approx(lower, rel=1e-10)
    assert up == pytest.approx(upper, rel=1e-10)


def test_issue_fact_65():
    lo, up = byar_ci(65)
    assert lo == pytest.approx(50.163187710459454, rel=1e-12)
    assert up == pytest.approx(82.849138545939837, rel=1e-12)


@pytest.mark.parametrize(("x", "level", "lower", "upper"), EXACT)
def test_exact_published(x, level, lower, upper):
    for lo, up in (exact_poisson_ci(x, level), byar_ci(x, level)):  # byar_ci is exact below 10
        assert lo == pytest.approx(lower, rel=1e-10)
        assert up == pytest.approx(upper, rel=1e-10)


def test_byar_negative_lower_is_nan():
    lo, up = byar_ci(1, 0.998, exact_below=0)
    assert math.isnan(lo)
    assert up == pytest.approx(9.362180217908362, rel=1e-10)


def test_zero_count():
    lo, up = byar_ci(0)
    assert lo == 0.0
    assert up == pytest.approx(-math.log(0.025), rel=1e-12)  # P(X=0 | mu) = 0.025


def test_switch_at_ten():
    lo, up = byar_ci([9, 10])
    ex_lo, ex_up = exact_poisson_ci(9)
    assert lo[0] == ex_lo and up[0] == ex_up
    assert lo[1] == byar_ci(10, exact_below=0)[0]


def test_exact_against_scipy_chi2():
    x = np.array([1, 2, 3, 7, 9, 0.5])
    lo, up = exact_poisson_ci(x, 0.95)
    np.testing.assert_allclose(lo, chi2.ppf(0.025, 2 * x) / 2, rtol=1e-10)
    np.testing.assert_allclose(up, chi2.ppf(0.975, 2 * x + 2) / 2, rtol=1e-10)


RATES = [  # (x, n, multiplier, level, lower, upper), published
    (65, 100, 100, 0.95, 50.163187710459454, 82.84913854593984),
    (20, 100, 100_000, 0.998, 8922.802365144193, 38085.03562504191),
    (250, 220, 100_000, 0.95, 99984.94738532876, 128631.14487455782),
    (7776456, 7564336677, 100, 0.95, 0.10273196005302074, 0.10287648334092832),
    (1, 100, 100_000, 0.998, 1.0005003335835343, 9233.413476451586),
]


@pytest.mark.parametrize(("x", "n", "mult", "level", "lower", "upper"), RATES)
def test_rate_published(x, n, mult, level, lower, upper):
    lo, up = rate_ci(x, n, level, multiplier=mult)
    assert lo == pytest.approx(lower, rel=1e-9)
    assert up == pytest.approx(upper, rel=1e-9)


def test_rate_per_row_multiplier_and_shapes():
    s = pd.Series([65, 20], index=["a", "b"])
    lo, up = rate_ci(s, pd.Series([100, 100], index=s.index), multiplier=[100, 100_000])
    assert list(lo.index) == ["a", "b"]
    assert lo["a"] == pytest.approx(50.163187710459454)
    assert lo["b"] == pytest.approx(12211.428834875936)


def test_rate_missing_and_zero():
    lo, up = rate_ci([np.nan, 10, 0], [100, np.nan, 0])
    assert np.isnan(lo).all() and np.isnan(up).all()


@pytest.mark.parametrize(
    ("x", "n", "text"),
    [(-1, 10, "negative"), (5, 0, "zero denominator"), (5, -3, "negative")],
)
def test_rate_impossible_inputs(x, n, text):
    with pytest.raises(StatsInputError, match=text):
        rate_ci(x, n)


def test_bad_multiplier():
    with pytest.raises(StatsInputError, match="multiplier"):
        rate_ci(5, 10, multiplier=0)


def test_negative_count_raises():
    with pytest.raises(ValueError, match="negative"):
        byar_ci([3, -2])


def test_two_levels():
    both = byar_ci([65, 3], [0.95, 0.998])
    assert set(both) == {0.95, 0.998}
    assert (both[0.998][0] < both[0.95][0]).all()
