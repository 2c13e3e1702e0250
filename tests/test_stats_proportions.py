"""Wilson score intervals: published figures, edge cases, shapes and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cdp_analysis.errors import InputError
from cdp_analysis.stats import StatsInputError, wilson_ci

# Published figures (PHEindicatormethods test vectors, typed in): (x, n, level, lower, upper)
PUBLISHED = [
    (65, 100, 0.95, 0.5525444329688797, 0.7363575175690247),
    (65, 100, 0.998, 0.4954946574070431, 0.7783540614089697),
    (1045, 5000, 0.95, 0.19795549880013297, 0.22049130373189027),
    (1045, 5000, 0.998, 0.19179381799015244, 0.22731562902525818),
    (0.445, 1, 0.95, 0.04381744772058822, 0.9334621276979156),
    (1, 100, 0.95, 0.0017674320641406511, 0.054486196178705294),
    (9856, 12345, 0.998, 0.7869924108419063, 0.8093061412589626),
    (7776456, 7564336677, 0.95, 0.0010273201001641094, 0.0010287644578977231),
    (222, 3215, 0.95, 0.060791690363636595, 0.07833956681383633),
]


@pytest.mark.parametrize(("x", "n", "level", "lower", "upper"), PUBLISHED)
def test_published_values(x, n, level, lower, upper):
    lo, up = wilson_ci(x, n, level)
    assert lo == pytest.approx(lower, rel=1e-9)
    assert up == pytest.approx(upper, rel=1e-9)


def test_issue_fact_65_of_100():
    lo, up = wilson_ci(65, 100)
    assert lo == pytest.approx(0.55254443296887967, rel=1e-12)
    assert up == pytest.approx(0.73635751756902468, rel=1e-12)


def test_portsmouth_2018_completions():
    """Fingertips 90245, Portsmouth 2018: 52/136 = 38.2353% (30.4976 - 46.6193)."""
    lo, up = wilson_ci(52, 136)
    assert round(52 / 136 * 100, 4) == 38.2353
    assert round(lo * 100, 4) == 30.4976
    assert round(up * 100, 4) == 46.6193


def test_agrees_with_statsmodels_wilson():
    rng = np.random.default_rng(7)
    n = rng.integers(1, 5000, 300)
    x = rng.integers(0, n + 1)
    for level in (0.95, 0.998):
        lo, up = wilson_ci(x, n, level)
        ref_lo, ref_up = proportion_confint(x, n, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(lo, ref_lo, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(up, ref_up, rtol=1e-9, atol=1e-15)


def test_zero_and_full_counts():
    lo, up = wilson_ci([0, 10], [10, 10])
    assert lo[0] == 0.0 and up[1] == 1.0
    assert 0 < up[0] < 1 and 0 < lo[1] < 1
    # 0 of 10 at 95%: upper = z^2 / (n + z^2)
    z2 = 1.959963984540054**2
    assert up[0] == pytest.approx(z2 / (10 + z2), rel=1e-12)


def test_missing_and_empty_give_nan():
    lo, up = wilson_ci([np.nan, 5, None, 0], [10, np.nan, 10, 0])
    assert np.isnan(lo).all() and np.isnan(up).all()
    assert np.isnan(wilson_ci(None, 10)[0])


def test_shapes_follow_input():
    lo, up = wilson_ci(5, 10)
    assert isinstance(lo, float) and isinstance(up, float)
    lo, _ = wilson_ci([5, 6], [10, 10])
    assert isinstance(lo, np.ndarray) and lo.shape == (2,)
    idx = pd.Index(["Portsmouth", "Southampton"], name="area")
    lo, up = wilson_ci(pd.Series([52, 60], index=idx), pd.Series([136, 150], index=idx))
    assert isinstance(lo, pd.Series) and lo.index.equals(idx)
    lo, _ = wilson_ci(pd.Series([1, None], dtype="Int64"), 10)
    assert np.isnan(lo.iloc[1])


def test_two_levels_give_a_dict():
    both = wilson_ci(65, 100, [0.95, 0.998])
    assert set(both) == {0.95, 0.998}
    assert both[0.95] == wilson_ci(65, 100, 0.95)
    assert both[0.998][0] < both[0.95][0] and both[0.998][1] > both[0.95][1]


@pytest.mark.parametrize(
    ("x", "n", "text"),
    [
        ([5, 12], [10, 10], "above the denominator"),
        (-1, 10, "negative"),
        (5, -10, "negative"),
        (np.inf, 10, "infinite"),
        (["5"], [10], "not numbers"),
        ([True], [10], "not numbers"),
    ],
)
def test_impossible_inputs_raise(x, n, text):
    with pytest.raises(StatsInputError, match=text) as info:
        wilson_ci(x, n)
    assert isinstance(info.value, ValueError) and isinstance(info.value, InputError)


def test_error_names_where():
    s = pd.Series([5, 12], index=["Portsmouth", "Havant"])
    with pytest.raises(StatsInputError, match="Havant"):
        wilson_ci(s, pd.Series([10, 10], index=s.index))


def test_misaligned_series_raise():
    with pytest.raises(StatsInputError, match="different indexes"):
        wilson_ci(pd.Series([1, 2], index=[0, 1]), pd.Series([5, 5], index=[1, 2]))


def test_lengths_must_match():
    with pytest.raises(StatsInputError, match="different lengths"):
        wilson_ci([1, 2, 3], [5, 5])


@pytest.mark.parametrize("level", [95, 0.3, 1.0, "0.95", [0.95, 0.95]])
def test_bad_confidence(level):
    with pytest.raises(StatsInputError, match="confidence"):
        wilson_ci(5, 10, level)
