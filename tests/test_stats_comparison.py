"""Comparison with a benchmark: Better / Similar / Worse, Higher / Similar / Lower."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.stats import StatsInputError, compare

ENGLAND_2018 = 34.3774  # Fingertips 90245, England 2018 (%)


@pytest.mark.parametrize(
    ("area", "lower", "upper", "expected"),
    [
        ("Portsmouth", 30.4976, 46.6193, "Similar"),
        ("West Sussex", 27.9075, 34.3634, "Worse"),  # England lies above the upper limit
        ("Brighton and Hove", 33.7099, 40.8898, "Similar"),
    ],
)
def test_real_fingertips_comparisons(area, lower, upper, expected):
    assert compare(lower, upper, ENGLAND_2018, "higher_is_better") == expected


def test_polarity_labels():
    above, below, around = (40, 50), (10, 20), (25, 35)
    assert compare(*above, 30, "higher_is_better") == "Better"
    assert compare(*above, 30, "lower_is_better") == "Worse"
    assert compare(*above, 30, "not_applicable") == "Higher"
    assert compare(*below, 30, "higher_is_better") == "Worse"
    assert compare(*below, 30, "lower_is_better") == "Better"
    assert compare(*below, 30) == "Lower"
    assert compare(*around, 30, "lower_is_better") == "Similar"


def test_benchmark_on_a_limit_is_similar():
    assert compare(30, 40, 30, "higher_is_better") == "Similar"
    assert compare(30, 40, 40, "higher_is_better") == "Similar"


def test_missing_gives_not_compared():
    out = compare([np.nan, 1, 1], [2, np.nan, 2], [1.5, 1.5, np.nan])
    assert list(out) == ["Not compared"] * 3


def test_vectorised_with_series_and_per_row_polarity():
    idx = pd.Index(["a", "b", "c"])
    out = compare(
        pd.Series([40, 10, 25], index=idx),
        pd.Series([50, 20, 35], index=idx),
        30,
        ["higher_is_better", "higher_is_better", "not_applicable"],
    )
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    assert list(out) == ["Better", "Worse", "Similar"]


def test_bad_polarity_and_swapped_limits_raise():
    with pytest.raises(StatsInputError, match="polarity"):
        compare(1, 2, 3, "up")
    with pytest.raises(StatsInputError, match="above the upper"):
        compare(5, 2, 3)
