"""The analysts' public API (cdp_analysis.api): its docstring examples run, the package
import stays light, and the numbers agree with hand-worked values and with the report."""

from __future__ import annotations

import doctest
import math
import subprocess
import sys

import pandas as pd
import pytest

import cdp_analysis
from cdp_analysis import api
from cdp_analysis.errors import CdpError

PORTSMOUTH, SOUTHAMPTON = "E06000044", "E06000045"


def test_docstring_examples_run():
    result = doctest.testmod(api, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15
    assert result.failed == 0


def test_top_level_names_are_the_api_and_import_stays_light():
    assert set(cdp_analysis.API_NAMES) == set(api.__all__)
    assert cdp_analysis.series is api.series and cdp_analysis.wilson_ci is api.wilson_ci
    code = "import sys, cdp_analysis; print(sorted({'pandas', 'matplotlib', 'cdp_analysis.api'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    with pytest.raises(AttributeError):
        cdp_analysis.no_such_name  # noqa: B018


def _wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval typed in from Newcombe (1998), method 3."""
    p = x / n
    centre = 2 * n * p + z * z
    half = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    return (centre - half) / (2 * (n + z * z)), (centre + half) / (2 * (n + z * z))


def test_series_intervals_are_wilson_of_count_and_denominator():
    s = api.series("completions_alcohol", PORTSMOUTH, england=False, region=False)
    row = s.iloc[-1]
    assert (row["count"], row["denominator"]) == (164, 484)
    lo, hi = _wilson(164, 484)
    assert row["value"] == pytest.approx(100 * 164 / 484)
    assert row["lower_95"] == pytest.approx(100 * lo, abs=1e-6)  # the file gives 6 dp
    assert row["upper_95"] == pytest.approx(100 * hi, abs=1e-6)
    assert bool(row["synthetic"])


def test_series_has_england_and_region_and_years_cut():
    s = api.series("completions_alcohol", [PORTSMOUTH, SOUTHAMPTON], years=2)
    assert list(dict.fromkeys(s["area_code"])) == [
        "E92000001",
        "E12000008",
        PORTSMOUTH,
        SOUTHAMPTON,
    ]
    assert s.groupby("area_code").size().eq(8).all()  # eight quarters of rolling 12 months


def test_compare_areas_labels_follow_the_intervals():
    c = api.compare_areas("completions_alcohol", PORTSMOUTH, [SOUTHAMPTON])
    lo, hi, other = c["Portsmouth lower 95%"], c["Portsmouth upper 95%"], c["Southampton"]
    # higher is better: Portsmouth's interval wholly below Southampton's value is Worse
    expected = (
        pd.Series("Similar", index=c.index).mask(hi < other, "Worse").mask(lo > other, "Better")
    )
    assert c["Portsmouth vs Southampton"].tolist() == expected.tolist()


def test_assess_is_the_report_summary_row():
    from cdp_analysis.pages.report_data import load_report

    a = api.assess(PORTSMOUTH, "completions_alcohol")
    row = load_report(PORTSMOUTH).summary_row("completions_alcohol")
    assert len(a) == 1
    for col in ["value", "vs_england", "trend", "target_status", "rag", "reason"]:
        assert a.loc[0, col] == row[col]
    assert len(api.assess(PORTSMOUTH)) == len(api.list_measures())


def test_load_table_suppresses_small_local_counts():
    from cdp_analysis import indicator_table
    from cdp_analysis.paths import default_data_dir

    units = api.list_measures().set_index("measure_id")["unit"]
    raw = indicator_table.load(default_data_dir())
    raw = raw[raw["area_code"].eq(PORTSMOUTH)].reset_index(drop=True)
    t = api.load_table(areas=PORTSMOUTH)
    assert len(t) == len(raw)  # nothing dropped: suppressed rows stay, with a note
    local = t["source"].str.contains("local|episode", case=False)
    local &= t["indicator_id"].map(units).ne("kg")  # amounts (kg seized) describe no one
    shown = t.loc[local, ["count", "denominator"]]
    assert not ((shown >= 1) & (shown < 5)).any().any()
    small = local & raw["count"].between(1, 4)
    assert small.any()  # the raw table has small counts, so the check above can fail
    assert t.loc[small, "value_note"].str.startswith("Suppressed: fewer than 5").all()


def test_charts_are_matplotlib_figures_and_accessible_ones_have_alt_text():
    from matplotlib.figure import Figure as MplFigure

    fig = api.trend_chart("completions_alcohol", PORTSMOUTH, years=5)
    assert isinstance(fig, MplFigure)
    acc = api.trend_chart("completions_alcohol", PORTSMOUTH, years=5, accessible=True)
    assert acc.alt.startswith("Line chart of")
    assert any("Synthetic demo data" in t.get_text() for t in acc.fig.texts)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: api.series("completions_alcohol", "E06999999"), "Unknown area code"),
        (lambda: api.load_table(measures="no_such_measure"), "Unknown measure id"),
        (lambda: api.funnel_chart("drug_seizures", PORTSMOUTH), "No funnel chart"),
    ],
)
def test_bad_requests_give_one_clear_error(call, words):
    with pytest.raises(CdpError, match=words):
        call()
