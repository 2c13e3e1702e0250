"""Loading one area's report data, choosing the plan and quarter, and the page parts' words."""

from __future__ import annotations

from datetime import date

import pytest

from cdp_analysis.errors import CdpError
from cdp_analysis.pages import sections
from cdp_analysis.pages.report_data import choose_plan, load_report, resolve_quarter
from cdp_analysis.paths import default_data_dir
from cdp_analysis.periods import Quarter
from cdp_analysis.plan.catalogue import Plan

DATA = default_data_dir()


def plan(pid, area, start, end):
    return Plan(pid, pid, area, date.fromisoformat(start), date.fromisoformat(end), "2022/23")


OLD = plan("p-2023-26", "E06000044", "2023-04-01", "2026-03-31")
NEW = plan("p-2026-29", "E06000044", "2026-04-01", "2029-03-31")
OTHER = plan("s-2023-26", "E06000045", "2023-04-01", "2026-03-31")


@pytest.mark.parametrize(
    ("quarter", "area", "expected"),
    [
        ("2025-26Q4", "E06000044", "p-2023-26"),  # last quarter of the old plan
        ("2026-27Q1", "E06000044", "p-2026-29"),  # first quarter of the new one
        ("2030-31Q2", "E06000044", "p-2026-29"),  # after every plan: the latest started
        ("2021-22Q1", "E06000044", "p-2023-26"),  # before every plan: the first
        ("2025-26Q4", "E06000045", "s-2023-26"),  # the area's own plan
        ("2025-26Q4", "E08000025", None),  # no plan of its own: the national frame
    ],
)
def test_choose_plan_by_area_and_date(quarter, area, expected):
    plans = [NEW, OLD, OTHER]  # file order must not matter
    chosen = choose_plan(plans, area, Quarter.parse(quarter))
    assert (chosen.id if chosen else None) == expected


def test_choose_plan_with_no_plans():
    assert choose_plan([], "E06000044", Quarter(2025, 4)) is None


def test_quarters_are_resolved_against_the_data():
    assert resolve_quarter("latest", DATA) == Quarter(2025, 4)
    assert resolve_quarter("2024-25Q2", DATA) == Quarter(2024, 2)
    with pytest.raises(CdpError, match="No data reach 2026-27Q1 yet"):
        resolve_quarter("2026-27Q1", DATA)
    with pytest.raises(CdpError, match="not a quarter label"):
        resolve_quarter("Q4 2025", DATA)


@pytest.fixture(scope="module")
def portsmouth():
    return load_report("E06000044", "latest")


def test_report_for_portsmouth(portsmouth):
    assert portsmouth.area_name == "Portsmouth" and portsmouth.region_name == "South East"
    assert portsmouth.plan.id == "portsmouth-2023-26"
    assert len(portsmouth.summary) == len(portsmouth.catalogue)
    assert "E06000045" in portsmouth.comparators  # Southampton, same region


def test_every_measure_is_on_exactly_one_detail_page(portsmouth):
    pages = [
        sections.group(portsmouth, g)
        for g in ("supply", "completions", "in_treatment", "other_treatment", "deaths",
                  "yp_in_treatment", "yp_referrals", "yp_other")
    ]  # fmt: skip
    flat = [m for g in pages for m in g]
    assert sorted(flat) == sorted(portsmouth.catalogue.ids)
    assert len(flat) == len(set(flat))
    assert sections.group(portsmouth, "deaths") == ["deaths_drug_misuse", "deaths_drug_poisoning"]


def test_headline_in_plain_words_for_real_ons_figures(portsmouth):
    text = sections.headline_text(portsmouth, "deaths_drug_misuse")
    assert text.startswith("Drug misuse deaths: 7.7 per 100,000 (95% confidence interval")
    assert "in 2019-21" in text
    assert "significantly worse than England (5.1 per 100,000)" in text
    assert "among other councils in the South East" in text


def test_rag_counts_add_up(portsmouth):
    text = sections.rag_counts_text(portsmouth)
    n = portsmouth.summary["rag"].value_counts()
    assert f"Of the plan's {len(portsmouth.summary)} measures" in text
    assert f"{n.get('green', 0)} green" in text and "end-of-plan verdicts" in text


def test_changes_since_last_quarter_are_tested(portsmouth):
    """Issue 15: every change gets a p-value, most significant first; "significant" is
    p < 0.05; a measure the plan only monitors gets no better/worse word."""
    t = sections.changes_table(portsmouth)
    assert len(t) > 0
    tested = t["p_value"].dropna()
    assert tested.is_monotonic_increasing and ((tested >= 0) & (tested <= 1)).all()
    assert (t["significant"] == (t["p_value"] < 0.05)).all()
    monitored = t[t["measure_id"] == "drugs_seized_kg"]
    assert monitored.empty or monitored["worse"].isna().all()


def test_change_p_values_hand_worked():
    # 50/100 against 30/100: pooled 0.4, se = sqrt(0.4 * 0.6 * 0.02) = 0.069282, z = 2.8868
    assert sections.change_p_value(50, 100, 30, 100) == pytest.approx(0.0038924, rel=1e-4)
    # counts 20 against 5: 2 * P(X >= 20 | Binomial(25, 1/2)) = 0.0040773
    nan = float("nan")
    assert sections.change_p_value(20, nan, 5, nan) == pytest.approx(0.0040773, rel=1e-4)
    # a quarterly count going from 10 to 9 is not a change
    assert sections.change_p_value(9, nan, 10, nan) == pytest.approx(1.0)


def test_text_from_data_is_escaped():
    assert sections.esc("<script>") == "&lt;script&gt;"
    assert sections.esc(float("nan")) == ""


def test_long_run_trend_in_words(portsmouth):
    text = sections.long_run_text(portsmouth, "deaths_drug_misuse")
    # the ONS 3-year rates rose from 5.8 (2001-03) to 7.7 (2019-21): a significant rise
    assert text.startswith("Long-run trend (2001-03 to 2019-21, 7 periods): rising")
    assert "rate ratio 1.04 a year" in text
    assert sections.long_run_text(portsmouth, "no_such_measure") == ""


def test_comparators_can_be_chosen():
    r = load_report("E06000044", "2025-26Q4", comparators="E06000045, E06000046 E10000014")
    assert r.comparators == ["E06000045", "E06000046", "E10000014"]
    assert r.comparator_label == "the comparison areas chosen for this report"
    text = sections.headline_text(r, "completions_non_opiate")
    assert (
        "of 4 among the comparison areas chosen for this report" in text
    )  # Portsmouth and its three comparators
    with pytest.raises(CdpError, match="Unknown area code 'E99999999'"):
        load_report("E06000044", "2025-26Q4", comparators=["E99999999"])


def test_report_frames_carry_no_attrs(portsmouth):
    """pandas deep-copies ``attrs`` into every frame derived from one: the indicator table's
    file log there made every chart's filtering a quarter slower (issue 16, profiled)."""
    import dataclasses

    import pandas as pd

    ctx = portsmouth.context
    frames = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    frames = {k: v for k, v in frames.items() if isinstance(v, pd.DataFrame)}
    assert "series" in frames and len(frames) >= 5
    assert {k: v.attrs for k, v in frames.items() if v.attrs} == {}


def test_measure_series_is_the_filtered_series(portsmouth):
    """The per-measure split gives exactly the rows, order and index of a filter."""
    import pandas as pd

    ctx = portsmouth.context
    s = ctx.series
    for m in [*s["measure_id"].drop_duplicates().tolist(), "no-such-measure"]:
        pd.testing.assert_frame_equal(ctx.measure_series(m), s[s["measure_id"] == m])
    assert ctx.measure_series("no-such-measure").empty


def test_report_is_kept_for_the_next_page_until_an_input_changes(tmp_path):
    """A kernel's five pages of one area share one report (issue 16); a changed plan file
    or lookup is read again, never answered from the kept report."""
    import os
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    first = load_report("E08000025", "latest", data)
    assert load_report("E08000025", "latest", data) is first
    lookup = data / "lookups" / "areas.csv"
    st = lookup.stat()
    os.utime(lookup, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    second = load_report("E08000025", "latest", data)
    assert second is not first and second.area_name == first.area_name
    (data / "plans").mkdir(exist_ok=True)
    (data / "plans" / "E08000025.yaml").write_text("plans: [unclosed\n", encoding="utf-8")
    with pytest.raises(CdpError):
        load_report("E08000025", "latest", data)
