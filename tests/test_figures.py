"""Tests for cdp_analysis.figures: every chart returns a Figure with alt text that names the
area and the finding, the synthetic stamp appears exactly when synthetic data are plotted,
output is deterministic, bad input raises InputError, and rcParams are left alone.

Fixtures are small frames typed in here; expected numbers are worked by hand.
"""

from __future__ import annotations

import html
import re
from datetime import date

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cdp_analysis.errors import InputError
from cdp_analysis.figures import (
    SYNTHETIC_STAMP,
    Figure,
    TargetLine,
    comparator_chart,
    count_chart,
    funnel_plot,
    funnel_positions,
    palette,
    rag_table_html,
    spine_chart,
    spine_positions,
    trend_chart,
)
from cdp_analysis.pages.display import render_png

AREA = "E06000044"
REAL = "OHID Fingertips, indicator 90244"
SYNTH = "synthetic demo data (generated for tests)"

OPIATE = {
    "id": "opiate_completions",
    "name": "Successful completion of drug treatment: opiate users",
    "short_name": "Opiate completions",
    "unit": "percent",
    "polarity": "higher_is_better",
}


def _src(synthetic: bool) -> str:
    return SYNTH if synthetic else REAL


# --- fixtures -------------------------------------------------------------------------


def trend_frame(synthetic: bool = False) -> pd.DataFrame:
    """Annual financial-year rows 2020/21 to 2024/25 for Portsmouth, England, South East."""
    labels = ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]
    ends = pd.to_datetime(["2021-03-31", "2022-03-31", "2023-03-31", "2024-03-31", "2025-03-31"])
    starts = ends - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    series = {
        (AREA, "Portsmouth", "UTLA"): [5.0, 5.5, 6.0, 6.2, 6.4],
        ("E92000001", "England", "England"): [5.6, 5.7, 6.2, 6.5, 7.0],
        ("E12000008", "South East", "Region"): [5.9, 6.0, 6.3, 6.6, 7.1],
    }
    rows = []
    for (code, name, kind), values in series.items():
        for label, start, end, v in zip(labels, starts, ends, values, strict=True):
            rows.append(
                {
                    "indicator_id": "opiate_completions",
                    "area_code": code,
                    "area_name": name,
                    "area_type": kind,
                    "sex": "Persons",
                    "age": "18+ yrs",
                    "category": "",
                    "period_label": label,
                    "period_start": start,
                    "period_end": end,
                    "value": v,
                    "lower_95": v - 0.3,
                    "upper_95": v + 0.3,
                    "source": _src(synthetic),
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


FUNNEL_LIMITS = pd.DataFrame(
    {
        "denominator": [100.0, 1000.0],
        "lower_95": [20.0, 22.0],
        "upper_95": [30.0, 28.0],
        "lower_99_8": [15.0, 20.0],
        "upper_99_8": [35.0, 30.0],
    }
)


def funnel_frame(synthetic: bool = False) -> pd.DataFrame:
    """Five UTLAs at denominator 550 (limits there: 95% 21 to 29, 99.8% 17.5 to 32.5),
    England at 25. Portsmouth at 17 lies below the 99.8% limit."""
    rows = pd.DataFrame(
        {
            "indicator_id": "opiate_completions",
            "area_code": [AREA, "E06000045", "E06000046", "E10000014", "E06000043", "E92000001"],
            "area_name": [
                "Portsmouth",
                "Southampton",
                "Isle of Wight",
                "Hampshire",
                "Brighton and Hove",
                "England",
            ],
            "area_type": ["UTLA"] * 5 + ["England"],
            "period_label": "2024/25",
            "denominator": [550.0, 550.0, 550.0, 550.0, 550.0, 2750.0],
            "value": [17.0, 25.0, 30.0, 33.0, np.nan, 25.0],
            "source": _src(synthetic),
        }
    )
    return rows


MEASURES = pd.DataFrame(
    {
        "id": ["opiate_completions", "drug_deaths", "yp_in_treatment"],
        "polarity": ["higher_is_better", "lower_is_better", "not_applicable"],
    }
)


def summary_frame(synthetic: bool = False, short_name: str = "Opiate completions") -> pd.DataFrame:
    """Three rows of a RAG summary: priorities given out of order on purpose."""
    return pd.DataFrame(
        {
            "priority": [2, 2, 3],
            "priority_name": ["Treatment and recovery", "Treatment and recovery", "Young people"],
            "objectives": ["2.2", "2.3", "3.5"],
            "measure_id": ["opiate_completions", "drug_deaths", "yp_in_treatment"],
            "short_name": [short_name, "Drug deaths", "Young people in treatment"],
            "unit": ["percent", "per_100k", "count"],
            "period_label": ["2024/25", "2021-23", "2024/25"],
            "value": [4.0, 9.0, 45.0],
            "lower_95": [3.5, 7.0, np.nan],
            "upper_95": [4.5, 11.0, np.nan],
            "england_value": [6.0, 5.5, 50.0],
            "vs_england": ["Worse", "Worse", ""],
            "comparator_rank": ["10 of 16", "14 of 16", ""],
            "trend": ["No significant change", "Increasing", "Not calculated"],
            "target_text": ["6% by March 2026", "Significant reduction", "More than double"],
            "target_status": ["Not met", "Not met", "Not assessed"],
            "rag": ["red", "amber", "grey"],
            "reason": ["Below target & worse than England", "Rising", "No baseline"],
            "synthetic": synthetic,
            "source": _src(synthetic),
            "value_display": ["4.0%", "9.0 per 100,000", "45"],
        }
    )


def utla_frame() -> pd.DataFrame:
    """Every measure's UTLA values (Portsmouth's own value among them)."""
    rows = []
    for mid, period, values in [
        ("opiate_completions", "2024/25", [3.0, 4.0, 6.5, 9.0]),
        ("drug_deaths", "2021-23", [2.0, 4.0, 6.0, 9.0]),
        ("yp_in_treatment", "2024/25", [20.0, 45.0, 60.0, 80.0]),
    ]:
        for i, v in enumerate(values):
            rows.append(
                {
                    "indicator_id": mid,
                    "area_code": f"E0600010{i}",
                    "area_type": "UTLA",
                    "period_label": period,
                    "value": v,
                }
            )
    return pd.DataFrame(rows)


def comparator_frame(synthetic: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": "opiate_completions",
            "area_code": [AREA, "E06000045", "E10000014", "E06000043", "E92000001"],
            "area_name": ["Portsmouth", "Southampton", "Hampshire", "Brighton and Hove", "England"],
            "area_type": ["UTLA"] * 4 + ["England"],
            "period_label": "2024/25",
            "value": [6.4, 5.1, 7.9, 6.0, 7.0],
            "lower_95": [5.5, 4.3, 7.2, 5.0, 6.9],
            "upper_95": [7.4, 6.0, 8.6, 7.1, 7.1],
            "source": _src(synthetic),
        }
    )


def count_frame(synthetic: bool = False) -> pd.DataFrame:
    """Six quarters of county lines closed; one suppressed, one not reported."""
    ends = pd.to_datetime(
        ["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30"]
    )
    return pd.DataFrame(
        {
            "indicator_id": "county_lines_closed",
            "area_code": AREA,
            "area_name": "Portsmouth",
            "period_label": [
                "2024/25 Q1",
                "2024/25 Q2",
                "2024/25 Q3",
                "2024/25 Q4",
                "2025/26 Q1",
                "2025/26 Q2",
            ],
            "period_end": ends,
            "value": [4.0, np.nan, 7.0, np.nan, 9.0, 12.0],
            "value_note": ["", "Suppressed: fewer than 3", "", "", "", ""],
            "source": _src(synthetic),
        }
    )


COUNTY_LINES = {
    "short_name": "County lines closed",
    "unit": "count",
    "polarity": "higher_is_better",
}

# Each builder: (callable taking synthetic, words the alt text must contain).
BUILDERS = {
    "trend": (
        lambda s: trend_chart(trend_frame(s), AREA, measure=OPIATE, comparator_code="E12000008"),
        ["Portsmouth", "lower than England", "6.4%", "England 7.0%"],
    ),
    "funnel": (
        lambda s: funnel_plot(funnel_frame(s), AREA, FUNNEL_LIMITS, measure=OPIATE),
        ["Portsmouth", "below the 99.8% limit", "1 area without a value is not plotted"],
    ),
    "spine": (
        lambda s: spine_chart(
            summary_frame(s), utla_frame(), measures=MEASURES, area_name="Portsmouth"
        ),
        ["Portsmouth", "Worse than England: Opiate completions, Drug deaths"],
    ),
    "comparator": (
        lambda s: comparator_chart(comparator_frame(s), AREA, measure=OPIATE),
        ["Portsmouth", "2nd highest of 4 areas", "England: 7.0%"],
    ),
    "count": (
        lambda s: count_chart(count_frame(s), AREA, measure=COUNTY_LINES),
        ["Portsmouth", "12 in 2025/26 Q2, up from 4 in 2024/25 Q1", "1 suppressed"],
    ),
}


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


# --- every chart ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_chart_returns_figure_with_alt_caption_and_data(kind):
    build, words = BUILDERS[kind]
    figure = build(False)
    assert isinstance(figure, Figure)
    for w in words:
        assert w in figure.alt, (w, figure.alt)
    assert "Source: OHID Fingertips, indicator 90244." in figure.caption
    assert "Period:" in figure.caption
    assert isinstance(figure.data, pd.DataFrame) and not figure.data.empty
    assert figure.title and figure.fig._suptitle is not None


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_synthetic_stamp_only_on_synthetic_data(kind):
    build, _ = BUILDERS[kind]
    assert SYNTHETIC_STAMP in _texts(build(True).fig)
    assert SYNTHETIC_STAMP not in _texts(build(False).fig)


def test_synthetic_argument_forces_the_stamp():
    figure = trend_chart(trend_frame(False), AREA, measure=OPIATE, synthetic=True)
    assert SYNTHETIC_STAMP in _texts(figure.fig)


def test_spine_reads_the_summary_synthetic_column():
    summary = summary_frame(False).assign(synthetic=[False, True, False])
    figure = spine_chart(summary, utla_frame(), measures=MEASURES, area_name="Portsmouth")
    assert SYNTHETIC_STAMP in _texts(figure.fig)


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_png_is_deterministic(kind):
    build, _ = BUILDERS[kind]
    one, two = build(True), build(True)
    first = render_png(one)
    assert first == render_png(one)
    assert first == render_png(two)


def test_rcparams_and_pyplot_untouched():
    before = dict(mpl.rcParams)
    figs_before = plt.get_fignums()
    for build, _ in BUILDERS.values():
        render_png(build(True))
    rag_table_html(summary_frame())
    assert dict(mpl.rcParams) == before
    assert plt.get_fignums() == figs_before


# --- trend chart ------------------------------------------------------------------------


def _line_with_y(ax, y: float):
    return [ln for ln in ax.lines if np.allclose(ln.get_ydata(), y)]


def test_trend_financial_year_ticks_at_31_march():
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE)
    ax = figure.fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]
    # 31 March 2023 is day 19447 after 1 January 1970 (matplotlib's date epoch)
    assert 19447.0 in list(ax.get_xticks())


def test_trend_value_target_is_a_horizontal_line():
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE, target=TargetLine("value", value=7.5))
    assert _line_with_y(figure.fig.axes[0], 7.5)
    assert "The target is 7.5%" in figure.alt


def test_trend_multiple_target_is_baseline_times_multiple():
    # baseline 2022/23 = 6.0, "double" -> 12.0
    target = {
        "kind": "multiple",
        "multiple": 2,
        "baseline_period": "2022/23",
        "target_date": date(2026, 3, 31),
    }
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE, target=target)
    ax = figure.fig.axes[0]
    assert _line_with_y(ax, 12.0)
    trajectory = [ln for ln in ax.lines if list(ln.get_ydata()) == [6.0, 12.0]]
    assert trajectory, "dotted trajectory from the baseline (6.0) to the target (12.0)"
    assert "2 times the 2022/23 baseline of 6.0%, that is 12.0% by 31 March 2026" in figure.alt
    assert "2025/26" in [t.get_text() for t in ax.get_xticklabels()]  # axis runs to the target date


def test_trend_direction_target_marks_the_baseline():
    target = TargetLine("direction", direction="increase", baseline_period="2022/23")
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE, target=target)
    vertical = [ln for ln in figure.fig.axes[0].lines if list(ln.get_xdata()) == [19447.0, 19447.0]]
    assert vertical
    assert "statistically significant increase from the 2022/23 baseline of 6.0%" in figure.alt


@pytest.mark.parametrize(
    "target",
    [
        TargetLine("direction", direction="increase", baseline_period="2022/23"),
        TargetLine("multiple", multiple=2, baseline_period="2022/23"),
        *(
            [
                TargetLine(
                    "direction", direction="increase", baseline_period="2022/23", threshold=7.0
                )
            ]
            if "threshold" in TargetLine.__dataclass_fields__  # issue 14: the target level
            else []
        ),
    ],
    ids=lambda t: f"{t.kind}{'-threshold' if getattr(t, 'threshold', None) else ''}",
)
def test_trend_target_legend_names_the_baseline_period(target):
    """Issue 13: the legend says which baseline the target is judged against ("Target:
    significant increase on 2022/23", "Target: 2 x 2022/23 = 12.0%"), not just "baseline"."""
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE, target=target)
    labels = figure.fig.axes[0].get_legend_handles_labels()[1]
    targets = [label for label in labels if label.startswith("Target")]
    assert "Baseline (2022/23)" in labels or targets, labels
    if target.kind == "multiple" or getattr(target, "threshold", None):
        assert targets, labels
    for label in targets:
        assert "2022/23" in label, label
    assert "the 2022/23 baseline of 6.0%" in figure.alt


def test_trend_similar_when_interval_contains_england():
    data = trend_frame()
    latest = (data["area_code"] == AREA) & (data["period_label"] == "2024/25")
    data.loc[latest, ["value", "lower_95", "upper_95"]] = [6.8, 6.5, 7.1]  # contains England's 7.0
    figure = trend_chart(data, AREA, measure=OPIATE)
    assert "similar to England" in figure.title


def test_trend_calendar_periods_use_period_labels():
    data = trend_frame()
    data["period_end"] = pd.to_datetime(data["period_end"]) - pd.DateOffset(months=3)  # 31 December
    data["period_label"] = data["period_label"].map(
        {
            "2020/21": "2018-20",
            "2021/22": "2019-21",
            "2022/23": "2020-22",
            "2023/24": "2021-23",
            "2024/25": "2022-24",
        }
    )
    figure = trend_chart(data, AREA, measure=OPIATE)
    labels = [t.get_text() for t in figure.fig.axes[0].get_xticklabels()]
    assert labels == ["2018-20", "2019-21", "2020-22", "2021-23", "2022-24"]


# --- funnel -------------------------------------------------------------------------------


def test_funnel_positions_against_interpolated_limits():
    # at x = 550 the limits are 95%: 21 to 29, 99.8%: 17.5 to 32.5
    x = np.full(6, 550.0)
    values = np.array([25.0, 30.0, 33.0, 20.0, 17.0, np.nan])
    got = funnel_positions(x, values, FUNNEL_LIMITS, "denominator")
    assert got.tolist() == ["within", "above_95", "above_99_8", "below_95", "below_99_8", ""]


def test_funnel_title_and_area_label():
    figure = funnel_plot(funnel_frame(), AREA, FUNNEL_LIMITS, measure=OPIATE)
    assert (
        figure.title
        == "Opiate completions in Portsmouth: much lower than expected from England's average (2024/25)"
    )
    assert "Portsmouth" in [t.get_text() for t in figure.fig.axes[0].texts]
    assert "2 of 4 areas lie outside the 99.8% limits"  # Portsmouth 17, Hampshire 33 in figure.alt


def test_funnel_needs_limit_columns():
    with pytest.raises(InputError, match="upper_99_8"):
        funnel_plot(funnel_frame(), AREA, FUNNEL_LIMITS.drop(columns="upper_99_8"))


# --- spine --------------------------------------------------------------------------------


def test_spine_positions_worked_example():
    # England 25; areas 10..30 so the half-width is 15; the area is 18.
    summary = pd.DataFrame({"value": [18.0, 18.0], "england_value": [25.0, 25.0],
                            "polarity": ["higher_is_better", "lower_is_better"]})  # fmt: skip
    spread = pd.DataFrame(
        {"min": [10.0, 10.0], "q25": [20.0, 20.0], "q75": [27.0, 27.0], "max": [30.0, 30.0]}
    )
    pos = spine_positions(summary, spread)
    np.testing.assert_allclose(pos.iloc[0], [-1, -1 / 3, 2 / 15, 1 / 3, -7 / 15])
    np.testing.assert_allclose(pos.iloc[1], [-1 / 3, -2 / 15, 1 / 3, 1, 7 / 15])


def test_spine_labels_measures_by_short_name():
    figure = spine_chart(summary_frame(), utla_frame(), measures=MEASURES, area_name="Portsmouth")
    labels = [t.get_text() for t in figure.fig.axes[0].get_yticklabels()]
    assert labels == ["Opiate completions", "Drug deaths", "Young people in treatment"]
    assert (
        figure.title
        == "Portsmouth compared with England on 3 measures: 0 better, 0 similar, 2 worse"
    )


def test_spine_needs_polarity():
    with pytest.raises(InputError, match="polarity"):
        spine_chart(summary_frame(), utla_frame(), area_name="Portsmouth")


# --- comparator bars ------------------------------------------------------------------


def test_comparator_sorted_highest_first_with_area_bold():
    figure = comparator_chart(comparator_frame(), AREA, measure=OPIATE)
    ticks = figure.fig.axes[0].get_yticklabels()
    assert [t.get_text() for t in ticks] == [
        "Hampshire",
        "England",
        "Portsmouth",
        "Brighton and Hove",
        "Southampton",
    ]
    assert ticks[2].get_fontweight() == "bold"


def test_comparator_rank_uses_polarity():
    lower = {**OPIATE, "polarity": "lower_is_better"}
    figure = comparator_chart(comparator_frame(), AREA, measure=lower)
    assert "3rd lowest of 4 areas" in figure.title


def test_comparator_names_missing_comparators():
    figure = comparator_chart(
        comparator_frame(), AREA, comparator_codes=["E06000045", "E08000099"], measure=OPIATE
    )
    assert "Not in the data: E08000099." in figure.caption


def _suppress(rows: pd.DataFrame, codes: list[str], note: str) -> pd.DataFrame:
    """``rows`` with the values of ``codes`` withheld, their ``value_note`` saying why."""
    rows = rows.assign(value_note="")
    hit = rows["area_code"].isin(codes)
    rows.loc[hit, ["value", "value_note"]] = [np.nan, note]
    for col in ("lower_95", "upper_95"):
        if col in rows:
            rows.loc[hit, col] = np.nan
    return rows


def test_comparator_says_suppressed_not_missing():
    """Issue 13: an area or comparator suppressed for small numbers is not "no value"."""
    data = _suppress(comparator_frame(), [AREA, "E06000045"], "Suppressed: fewer than 5")
    figure = comparator_chart(data, AREA, comparator_codes=["E06000045"], measure=OPIATE)
    assert figure.title == "Opiate completions in Portsmouth: value suppressed (2024/25)"
    assert (
        "Portsmouth is highlighted: no value shown for 2024/25, as it was suppressed to "
        "protect confidentiality: the disclosure rule withholds counts from 1 to 4"
    ) in figure.alt
    assert "no value for 2024/25" not in figure.alt
    assert "Suppressed (small numbers): Southampton." in figure.alt
    assert "Suppressed (small numbers): Southampton." in figure.caption
    assert [t.get_text() for t in figure.fig.axes[0].texts].count(" suppressed") == 2
    plain = _suppress(comparator_frame(), [AREA], "")  # missing for no stated reason
    figure = comparator_chart(plain, AREA, comparator_codes=["E06000045"], measure=OPIATE)
    assert "Portsmouth is highlighted: no value for 2024/25." in figure.alt


def test_funnel_says_suppressed_not_missing():
    note = "Value suppressed for disclosure control due to small count"  # Fingertips' words
    figure = funnel_plot(
        _suppress(funnel_frame(), [AREA], note), AREA, FUNNEL_LIMITS, measure=OPIATE
    )
    assert figure.title == "Opiate completions in Portsmouth: value suppressed (2024/25)"
    assert (
        "Portsmouth has no value shown for 2024/25, as it was suppressed by the publisher to "
        f"protect confidentiality ({note})."
    ) in figure.alt
    figure = funnel_plot(_suppress(funnel_frame(), [AREA], ""), AREA, FUNNEL_LIMITS, measure=OPIATE)
    assert "Portsmouth has no value for 2024/25." in figure.alt


# --- counts -------------------------------------------------------------------------------


def test_count_gaps_are_labelled():
    figure = count_chart(count_frame(), AREA, measure=COUNTY_LINES)
    texts = [t.get_text() for t in figure.fig.axes[0].texts]
    assert [t for t in texts if not t.isdigit()] == ["Suppressed", "No value"]
    assert [t for t in texts if t.isdigit()] == ["4", "7", "9", "12"]  # bar labels
    assert "Gaps: no value shown (Suppressed: fewer than 3)." in _texts(figure.fig)
    assert (
        "2 of 6 periods have no value shown (1 suppressed to protect privacy): 2024/25 Q2, 2024/25 Q4"
        in figure.alt
    )


# --- RAG table ----------------------------------------------------------------------------


def test_rag_table_escapes_text():
    attack = '<script>alert("x")</script>'
    out = rag_table_html(summary_frame(short_name=attack))
    assert "<script>" not in out
    assert html.escape(attack) in out
    assert "Below target &amp; worse than England" in out


def test_rag_table_structure():
    out = rag_table_html(summary_frame(True), caption="RAG summary")
    # in a region that scrolls sideways by itself, named after the caption
    assert out.startswith(
        '<div class="cdp-scroll" role="region" tabindex="0" '
        'aria-label="RAG summary (includes synthetic demo data)">'
        '<table class="cdp-rag-table"><caption>RAG summary (includes synthetic demo data)</caption>'
    )
    assert out.endswith("</table></div>")
    assert (
        out.count('<th scope="col">') == 7
    )  # measure, latest, England, trend, target, rating, why
    assert out.count('<th scope="rowgroup"') == 2
    assert out.count('<th scope="row">') == 3
    assert out.index("Priority 2: Treatment and recovery") < out.index("Priority 3: Young people")
    # the rating is written as words as well as coloured
    for words in (">Red</td>", ">Amber</td>", ">Grey (not rated)</td>"):
        assert words in out
    assert "6.0%" in out and "5.5 per 100,000" in out  # England values in their unit


def test_rag_table_rejects_unknown_rating():
    with pytest.raises(InputError, match="rag"):
        rag_table_html(summary_frame().assign(rag=["red", "purple", "green"]))


def _luminance(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("rating", list(palette.RAG_STYLE))
def test_rag_colours_meet_wcag_aa_contrast(rating):
    background, text, _ = palette.RAG_STYLE[rating]
    hi, lo = sorted([_luminance(background), _luminance(text)], reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5


# --- bad input ----------------------------------------------------------------------------


def test_missing_column_names_it():
    with pytest.raises(InputError, match="column 'upper_95'"):
        trend_chart(trend_frame().drop(columns="upper_95"), AREA)


def test_unknown_area_is_an_input_error():
    with pytest.raises(InputError, match="E06000999"):
        trend_chart(trend_frame(), "E06000999")


def test_two_indicators_are_rejected():
    data = trend_frame()
    data.loc[0, "indicator_id"] = "other"
    with pytest.raises(InputError, match="indicator_id"):
        count_chart(data.assign(value_note=""), AREA)


def test_unknown_baseline_period_is_rejected():
    with pytest.raises(InputError, match="baseline_period"):
        trend_chart(
            trend_frame(),
            AREA,
            target=TargetLine("multiple", multiple=2, baseline_period="2019/20"),
        )


def test_alt_text_has_no_markup_or_line_breaks():
    for build, _ in BUILDERS.values():
        alt = build(False).alt
        assert "\n" not in alt and not re.search(r"\s{2,}", alt)


# --- working with cdp_analysis.stats, catalogue and assessment outputs ---------------------


def test_trend_title_uses_polarity():
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE)
    assert (
        figure.title
        == "Opiate completions in Portsmouth: significantly lower than England (worse) in 2024/25"
    )
    neutral = trend_chart(trend_frame(), AREA, measure={**OPIATE, "polarity": "not_applicable"})
    assert (
        neutral.title
        == "Opiate completions in Portsmouth: significantly lower than England in 2024/25"
    )


def test_target_line_from_catalogue_target():
    from cdp_analysis.plan.catalogue import Target

    target = Target(
        measure="opiate_completions", type="multiple_of_baseline", reason="Double it", multiple=2.0
    )
    line = TargetLine.from_target(target, baseline_period="2022/23", target_date=date(2026, 3, 31))
    assert line == TargetLine(
        "multiple",
        multiple=2.0,
        baseline_period="2022/23",
        target_date=date(2026, 3, 31),
        label="Double it",
    )
    assert TargetLine.from_target(Target(measure="x", type="none", reason="")) is None
    figure = trend_chart(trend_frame(), AREA, measure=OPIATE, target=line)
    assert _line_with_y(figure.fig.axes[0], 12.0)


def test_funnel_uses_stats_significance_labels_when_given():
    from cdp_analysis.stats import SIGNIFICANCE_LABELS

    data = funnel_frame()
    # Deliberately contradict the curves (Portsmouth at 17 is below the 99.8% limit there)
    data["funnel_significance"] = SIGNIFICANCE_LABELS[1]  # "High (outside 95%)"
    figure = funnel_plot(data, AREA, FUNNEL_LIMITS, measure=OPIATE)
    assert "higher than expected from England's average (above the 95% limit)" in figure.alt


def test_funnel_limits_with_their_own_x_and_baseline():
    # rate funnels: each limit has its own population column; no England row -> baseline
    limits = pd.DataFrame(
        {
            "events": [10.0, 100.0],
            "lower_95": [20.0, 22.0], "lower_95_population_1_year": [100.0, 1000.0],
            "upper_95": [30.0, 28.0], "upper_95_population_1_year": [100.0, 1000.0],
            "lower_99_8": [15.0, 20.0], "lower_99_8_population_1_year": [100.0, 1000.0],
            "upper_99_8": [35.0, 30.0], "upper_99_8_population_1_year": [100.0, 1000.0],
            "baseline": [25.0, 25.0],
        }
    )  # fmt: skip
    data = funnel_frame().rename(columns={"denominator": "population_1_year"})
    data = data[data["area_type"] == "UTLA"]
    figure = funnel_plot(data, AREA, limits, x="population_1_year", measure=OPIATE)
    assert "around the areas' average of 25.0%" in figure.alt
    assert "below the 99.8% limit" in figure.alt


def test_funnel_with_limits_from_stats():
    from cdp_analysis.stats import funnel_limits_proportion, funnel_significance

    data = funnel_frame().dropna(subset=["value"])
    utla = data["area_type"] == "UTLA"
    counts = (data["value"] * data["denominator"] / 100).round()
    limits = funnel_limits_proportion(counts[utla], data.loc[utla, "denominator"])
    data.loc[utla, "funnel_significance"] = funnel_significance(
        counts[utla], data.loc[utla, "denominator"]
    )
    figure = funnel_plot(data, AREA, limits, measure=OPIATE)
    assert "Portsmouth" in figure.alt and figure.data["funnel_position"].ne("").all()


def test_spine_accepts_catalogue_table_columns():
    measures = MEASURES.rename(columns={"id": "measure_id"})
    figure = spine_chart(summary_frame(), utla_frame(), measures=measures, area_name="Portsmouth")
    assert "Worse than England: Opiate completions, Drug deaths" in figure.alt


def test_rag_table_uses_display_columns_from_the_assessment():
    summary = summary_frame().assign(
        england_display=["6.0% (England)", "5.5", "50"], interval_display=["3.5% to 4.5%", "", ""]
    )
    out = rag_table_html(summary)
    assert (
        "<td>4.0%<br><small>95% CI 3.5% to 4.5%</small><br><small>2024/25</small></td>"
        "<td>6.0% (England)<br><small>Worse</small></td>"
    ) in out


def test_rows_that_cannot_be_drawn_are_named_not_dropped():
    summary = summary_frame().assign(england_value=[6.0, np.nan, 50.0])
    figure = spine_chart(summary, utla_frame(), measures=MEASURES, area_name="Portsmouth")
    assert "Not drawn (no England value or no area values): Drug deaths." in figure.alt
    assert "Not drawn (no England value or no area values): Drug deaths." in figure.caption
    data = trend_frame()
    data.loc[(data["area_code"] == AREA) & (data["period_label"] == "2021/22"), "value"] = np.nan
    assert "No value for 2021/22 (gaps in the line)." in trend_chart(data, AREA, measure=OPIATE).alt
    # issue 13: a suppressed period is named as suppressed, not as missing
    data["value_note"] = ""
    gap = (data["area_code"] == AREA) & (data["period_label"] == "2022/23")
    data.loc[gap, ["value", "value_note"]] = [np.nan, "Suppressed: fewer than 5"]
    alt = trend_chart(data, AREA, measure=OPIATE).alt
    assert "Suppressed (small numbers): 2022/23 (gaps in the line)." in alt
    assert "No value for 2021/22 (gaps in the line)." in alt
