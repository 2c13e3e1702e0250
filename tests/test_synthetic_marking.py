"""Real and synthetic values told apart point by point (issue 15): hollow markers on a trend
chart's synthetic points with a legend entry, hatched bars on a count chart, "(synthetic)"
beside a spine row's name, a "Real or synthetic" column in every data table and CSV, and one
banner sentence per page that the footer repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdp_analysis.figures import count_chart, spine_chart, trend_chart
from cdp_analysis.figures.figure import SYNTHETIC_POINTS, _table_frame
from cdp_analysis.pages import display
from cdp_analysis.report import pages as report_pages
from tests.test_figures import (
    AREA,
    MEASURES,
    OPIATE,
    REAL,
    count_frame,
    summary_frame,
    trend_frame,
    utla_frame,
)


def _mixed_trend() -> pd.DataFrame:
    df = trend_frame(True)
    first_two = (df["area_code"] == AREA) & df["period_label"].isin(["2020/21", "2021/22"])
    df.loc[first_two, "source"] = REAL
    return df


def _hollow(ax) -> list:
    return [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]


def test_trend_chart_draws_synthetic_points_hollow_with_a_legend_entry():
    figure = trend_chart(_mixed_trend(), AREA, measure=OPIATE)
    ax = figure.fig.axes[0]
    hollow = _hollow(ax)
    area_hollow = hollow[0]
    # 5 Portsmouth years, the first two real: 3 hollow points on the area's line
    assert len(area_hollow.get_xdata()) == 3
    assert list(area_hollow.get_ydata()) == list(
        trend_frame(True).query("area_code == @AREA")["value"].iloc[2:]
    )
    labels = [t.get_text() for leg in figure.fig.legends for t in leg.get_texts()]
    assert labels.count(SYNTHETIC_POINTS) == 1


def test_trend_chart_of_real_data_has_no_hollow_points():
    figure = trend_chart(trend_frame(False), AREA, measure=OPIATE)
    assert _hollow(figure.fig.axes[0]) == []
    labels = [t.get_text() for leg in figure.fig.legends for t in leg.get_texts()]
    assert SYNTHETIC_POINTS not in labels


def test_count_chart_hatches_synthetic_bars_when_mixed():
    df = count_frame(True)
    df.loc[df.index[:2], "source"] = REAL
    figure = count_chart(df, AREA)
    bars = [p for p in figure.fig.axes[0].patches if p.get_height() > 0]
    hatched = [p for p in bars if p.get_hatch()]
    assert hatched and len(hatched) < len(bars)
    labels = [t.get_text() for leg in figure.fig.legends for t in leg.get_texts()]
    assert "Hatched bars: synthetic demo data" in labels


def test_spine_rows_say_which_are_synthetic():
    s = summary_frame(False).assign(synthetic=[True, False, False])
    figure = spine_chart(s, utla_frame(), measures=MEASURES, area_name="Portsmouth")
    ticks = [t.get_text() for t in figure.fig.axes[0].get_yticklabels()]
    assert ticks[0].endswith("(synthetic)") and not any("(synthetic)" in t for t in ticks[1:])


def test_data_table_has_a_real_or_synthetic_column():
    figure = trend_chart(_mixed_trend(), AREA, measure=OPIATE)
    df = _table_frame(figure, None)
    area = figure.data["area_code"] == AREA
    kinds = df.loc[area, "real_or_synthetic"].tolist()
    assert kinds == ["real", "real", "synthetic demo data", "synthetic demo data",
                     "synthetic demo data"]  # fmt: skip
    real = _table_frame(trend_chart(trend_frame(False), AREA, measure=OPIATE), None)
    assert "real_or_synthetic" not in real  # an all-real chart needs no such column
    assert np.all(df.columns[:2] == ["area_name", "period_label"])


def test_banner_and_footer_say_the_same_thing():
    assert display.SYNTHETIC_BANNER == report_pages.BANNER_ALL
    assert display.MIXED_BANNER == report_pages.BANNER_MIXED
    for banner in (display.SYNTHETIC_BANNER, display.MIXED_BANNER):
        body = display.synthetic_banner_html(banner)
        assert report_pages.footer_note(body) == banner
    assert report_pages.footer_note("<p>synthetic demo data</p>") == report_pages.SYNTHETIC_NOTE
