"""The target on a trend chart sits at the target's level (issue 14): the number for a value
target, and for a "significant increase/decrease" target the value the judged period must
reach for the change to be significant, never a marker on the baseline point. Hand-worked."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.assessment.baseline import change_since_baseline, significance_threshold
from cdp_analysis.figures import TargetLine, trend_chart

AREA = "E06000099"
COUNTS = {
    "id": "cpi_reports",
    "name": "Community intelligence reports",
    "short_name": "CPI reports",
    "unit": "count",
    "polarity": "higher_is_better",
}


def count_frame(values=(3.0, 4.0, 6.0, 9.0)) -> pd.DataFrame:
    """Four financial years of counts for one area (no England figures)."""
    labels = ["2021/22", "2022/23", "2023/24", "2024/25"]
    ends = pd.to_datetime(["2022-03-31", "2023-03-31", "2024-03-31", "2025-03-31"])
    return pd.DataFrame(
        {
            "indicator_id": "cpi_reports",
            "area_code": AREA,
            "area_name": "Testshire",
            "period_label": labels,
            "period_end": ends,
            "value": list(values),
            "lower_95": [v * 0.5 for v in values],
            "upper_95": [v * 2.0 for v in values],
            "source": "local return (test)",
        }
    )


def target_lines(figure):
    return [ln for ln in figure.fig.axes[0].lines if ln.get_label().startswith("Target")]


def test_byar_threshold_hand_worked():
    """Baseline 4 events, the same period length: under no change the later count x of
    k = 4 + x is Binomial(k, 1/2), p = 2 P(X >= x).
    x = 12: k = 16, P = (1820 + 560 + 120 + 16 + 1) / 65536 = 2517 / 65536 = 0.0384,
    p = 0.0768, not significant; x = 13: k = 17, P = (2380 + 680 + 136 + 17 + 1) / 131072
    = 3214 / 131072 = 0.0245, p = 0.0490 < 0.05. So an increase needs at least 13."""
    base = {"value": 4.0, "count": 4.0}
    assert significance_threshold("byar", "increase", base, {"value": 9.0}) == 13.0
    # and the assessment's own test agrees on either side of it
    for later, want in ((12.0, "No significant change"), (13.0, "Significant increase")):
        change = _change(4.0, later)
        assert change == want, (later, change)


def _change(before: float, after: float) -> str:
    rows = pd.DataFrame(
        {
            "measure_id": ["m", "m"],
            "area_code": AREA,
            "period_label": ["2022/23", "2024/25"],
            "period_end": pd.to_datetime(["2023-03-31", "2025-03-31"]),
            "value": [before, after],
            "count": [before, after],
            "denominator": np.nan,
            "lower_95": np.nan,
            "upper_95": np.nan,
            "months": 12,
        }
    )
    measures = pd.DataFrame({"measure_id": ["m"], "method": ["byar"], "unit": ["count"]})
    out = change_since_baseline(rows.iloc[[0]], rows.iloc[[1]], measures)
    return str(out["change"].iloc[0])


def test_dsr_threshold_hand_worked():
    """Baseline 7.7 per 100,000 (5.6 to 10.3), the judged period with the same interval:
    se = (ln 10.3 - ln 5.6) / (2 x 1.96) = 0.60937 / 3.91993 = 0.155454 each;
    sqrt(2) x se = 0.219843; a decrease needs at most 7.7 x exp(-1.95996 x 0.219843)
    = 7.7 x 0.649947 = 5.0046."""
    row = {"value": 7.7, "lower_95": 5.6, "upper_95": 10.3}
    assert significance_threshold("dsr", "decrease", row, row) == pytest.approx(5.0046, abs=1e-3)


def test_no_threshold_for_amounts_or_missing_counts():
    assert significance_threshold("count", "increase", {"value": 3.0}, {"value": 4.0}) is None
    assert significance_threshold("wilson", "increase", {"value": 5.0}, {"value": 6.0}) is None


def test_value_target_marker_at_the_target_value():
    """A numeric target of 15: the target line is at y = 15 and nowhere else."""
    target = TargetLine("value", value=15, baseline_period="2022/23", target_date=date(2026, 3, 31))
    figure = trend_chart(count_frame(), AREA, measure=COUNTS, target=target)
    (line,) = target_lines(figure)
    assert list(line.get_ydata()) == [15.0, 15.0]
    assert "The target is 15 by 31 March 2026" in figure.alt


def test_direction_target_marker_at_the_significance_threshold():
    """A significant increase from the 2022/23 baseline of 4: the target line is at the
    threshold 13 (hand-worked above), not on the baseline point (4)."""
    threshold = significance_threshold("byar", "increase", {"value": 4.0, "count": 4.0}, {})
    target = TargetLine(
        "direction",
        direction="increase",
        baseline_period="2022/23",
        target_date=date(2026, 3, 31),
        threshold=threshold,
    )
    figure = trend_chart(count_frame(), AREA, measure=COUNTS, target=target)
    (line,) = target_lines(figure)
    assert list(line.get_ydata()) == [13.0, 13.0]
    assert line.get_label() == "Target: significant increase on 2022/23, at least 13"
    ax = figure.fig.axes[0]
    # nothing labelled as the target sits on the baseline point (31 March 2023, value 4)
    on_baseline = [
        ln
        for ln in ax.lines
        if list(ln.get_ydata()) == [4.0] and ln.get_label().startswith("Target")
    ]
    assert on_baseline == []
    assert "baseline of 4 by 31 March 2026" in figure.alt
    assert "that means at least 13: the target line is drawn there" in figure.alt


def test_direction_target_without_threshold_draws_no_target_level():
    target = TargetLine("direction", direction="increase", baseline_period="2022/23")
    figure = trend_chart(count_frame(), AREA, measure=COUNTS, target=target)
    assert target_lines(figure) == []
    assert "the target line is drawn" not in figure.alt
    assert "statistically significant increase from the 2022/23 baseline of 4" in figure.alt
