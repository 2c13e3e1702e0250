"""Target statuses and the RAG summary, through assess_area, on hand-built series whose
answers follow from the decision rules in docs/assessment.md (worked in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.assessment import assess_area, assess_areas, prepare, rag
from cdp_analysis.tidy import ENGLAND_CODE, SYNTHETIC, conform

AREA = "E06000044"  # Portsmouth
PLAN = {"id": "test-plan", "name": "Test plan", "area_code": AREA, "start": "2023-04-01",
        "end": "2026-03-31", "baseline_period": "2022/23"}  # fmt: skip


def measure(mid, unit="percent", polarity="higher_is_better", method="wilson", priority=2):
    return {"id": mid, "name": mid, "short_name": mid.title(), "priority": priority,
            "objectives": ["2.2"], "plan_measure": mid, "unit": unit, "polarity": polarity,
            "method": method, "source": "local", "source_id": mid, "frequency": "quarterly",
            "definition": "test"}  # fmt: skip


def q4(mid, counts, dens=None, first_end_year=2019, area=AREA, source="test"):
    """Rolling 12 months to Q4 (ending March ``first_end_year``, then each year after)."""
    out = []
    for i, c in enumerate(counts):
        if c is None:
            continue
        y = first_end_year + i
        out.append(
            {"indicator_id": mid, "area_code": area, "area_type": "UTLA", "sex": "Persons",
             "age": "18+ yrs", "category": "", "period_label": f"{y - 1}/{y % 100:02d} Q4",
             "period_start": f"{y - 1}-04-01", "period_end": f"{y}-03-31", "count": c,
             "denominator": np.nan if dens is None else dens, "source": source}
        )  # fmt: skip
    return out


def direction(mid, which="increase"):
    return {"measure": mid, "type": "direction", "direction": which, "reason": "plan words"}


def statuses(assessment) -> dict[str, str]:
    return dict(zip(assessment.targets["measure_id"], assessment.targets["status"], strict=True))


# --- during the plan (reporting quarter 2024-25Q4, data to March 2025) -------------------


@pytest.fixture(scope="module")
def mid_plan():
    catalogue = [
        measure(m) for m in ("achieved", "on_track", "value_on", "at_risk", "off_track", "short")
    ]
    catalogue += [measure("yp", unit="count", method="byar"), measure("mon", unit="count",
                  method="byar")]  # fmt: skip
    # Series of rolling 12-month proportions, March 2019 to March 2025 (baseline March 2023).
    rows = (
        # 26.0 .. 29.0 (baseline) then 35%, 40% of 1000: 40% vs 29% is a significant
        # increase now (Newcombe interval about 6.8 to 15.1 points), and the trend
        # keeps rising: achieved.
        q4("achieved", [260, 270, 280, 285, 290, 350, 400], 1000)
        # 25% of 3000 rising 1 point a year to 29.0% at the baseline, then 30.1% and 31.2%:
        # 31.2% vs 29.0% is just short of significant now (Newcombe interval about -0.1 to
        # 4.5 points). Target projections use the plan's own trajectory (March 2023, 2024,
        # 2025: three points), which reaches about 32.3% by March 2026 with a 95% range
        # whose lower end (about 29.3%) is above 29.0%: a significant increase is projected,
        # on track.
        + q4("on_track", [750, 780, 810, 840, 870, 903, 936], 3000)
        # the same series against a value target of at least 31.5%: not met yet (31.2%),
        # central projection about 32.3%: on track.
        + q4("value_on", [750, 780, 810, 840, 870, 903, 936], 3000)
        # 28.6% rising 0.1 point a year to 29.2%: the central projection (29.3%) is above
        # the baseline but its range (about 24% to 35%) is not: at risk.
        + q4("at_risk", [286, 287, 288, 289, 290, 291, 292], 1000)
        # falling a point a year, 33% to 27%: the projection is below the baseline: off track.
        + q4("off_track", [330, 320, 310, 300, 290, 280, 270], 1000)
        # only the baseline and the latest, 29% then 30% of 1000: not significant and too
        # few points to project: insufficient data.
        + q4("short", [None, None, None, None, 290, None, 300], 1000)
        # young people in treatment: 40 at baseline, 55 then 70; more than double (80) is
        # needed; the log-linear trend (about x1.3 a year) projects about 93 by March 2026,
        # above 80: on track (not met yet: 70 < 80).
        + q4("yp", [None, None, None, None, 40, 55, 70])
        + q4("mon", [10, 11, 12, 13, 14, 15, 16])
    )
    plan = {
        **PLAN,
        "targets": [direction(m) for m in ("achieved", "on_track", "at_risk", "off_track",
                                           "short")]
        + [{"measure": "value_on", "type": "value", "value": 31.5, "comparison": "at_least",
            "reason": "at least 31.5%"},
           {"measure": "yp", "type": "multiple_of_baseline", "multiple": 2,
            "comparison": "more_than", "reason": "more than double"},
           {"measure": "mon", "type": "none", "reason": "monitored"}],
    }  # fmt: skip
    return assess_area(conform(pd.DataFrame(rows)), catalogue, plan, AREA, "2024-25Q4")


def test_each_status_during_the_plan(mid_plan):
    assert statuses(mid_plan) == {
        "achieved": "achieved",
        "on_track": "on track",
        "value_on": "on track",
        "at_risk": "at risk",
        "off_track": "off track",
        "short": "insufficient data",
        "yp": "on track",
        "mon": "no target",
    }


def test_projection_ranges_behind_the_statuses(mid_plan):
    t = mid_plan.targets.set_index("measure_id")
    b = mid_plan.baseline.set_index("measure_id")
    assert b.loc["on_track", "change"] == "No significant change"
    assert b.loc["on_track", "difference_lower"] == pytest.approx(-0.1, abs=0.05)
    assert t.loc["on_track", "projection_basis"] == "since the baseline"
    assert t.loc["on_track", "projected_lower"] == pytest.approx(29.3, abs=0.05)  # > 29.0
    assert t.loc["value_on", "assessed_value"] < 31.5 < t.loc["value_on", "projected"]
    assert t.loc["at_risk", "projected"] > 29.0 > t.loc["at_risk", "projected_lower"]
    assert t.loc["off_track", "projected"] < 29.0
    assert t.loc["yp", "threshold"] == 80.0  # more than double the baseline 40
    assert t.loc["yp", "projected"] > 80.0


def test_reasons_in_plain_words(mid_plan):
    t = mid_plan.targets.set_index("measure_id")["reason"]
    assert t["at_risk"].startswith("Projected 29.3% by March 2026 (95% range ")
    assert t["at_risk"].endswith("the target is a significant increase on 2022/23 Q4's 29.0%.")
    assert t["achieved"].startswith("Met now: 40.0% in 2024/25 Q4, significant increase on")
    assert "too few periods to project" in t["short"]
    assert "more than double 2022/23 Q4's 40 (more than 80)" in t["yp"]


def test_rag_colours_follow_the_statuses(mid_plan):
    s = mid_plan.summary.set_index("measure_id")
    assert s["rag"].to_dict() == {
        "achieved": "green", "on_track": "green", "value_on": "green", "at_risk": "amber",
        "off_track": "red", "short": "grey", "yp": "green", "mon": "grey",
    }  # fmt: skip
    assert s.loc["achieved", "value_display"] == "40.0%"
    assert s.loc["yp", "value_display"] == "70"
    assert list(mid_plan.summary.columns[: len(rag.SUMMARY_COLUMNS)]) == rag.SUMMARY_COLUMNS


# --- end of the plan (reporting quarter 2025-26Q4: data reach March 2026) ----------------


@pytest.fixture(scope="module")
def end_of_plan():
    catalogue = [measure("double_yes", unit="count", method="byar"),
                 measure("double_no", unit="count", method="byar"),
                 measure("plan_base", unit="count", method="byar"),
                 measure("up", priority=3), measure("flat", priority=3),
                 measure("value", priority=3), measure("missing", priority=1)]  # fmt: skip
    rows = (
        # more than double 40 (80): 95 in the year to March 2026 -> achieved
        q4("double_yes", [40, 60, 75, 95], first_end_year=2023)
        # 70 < 80 -> not achieved
        + q4("double_no", [40, 50, 60, 70], first_end_year=2023)
        # the plan quotes a baseline of 30, so 70 > 60 is achieved although 70 < 2 x 40
        + q4("plan_base", [40, 50, 60, 70], first_end_year=2023)
        # 29% then 40% of 1000: a significant increase -> achieved
        + q4("up", [290, 320, 360, 400], 1000, first_end_year=2023)
        # 29% then 30%: not significant -> not achieved
        + q4("flat", [290, 295, 290, 300], 1000, first_end_year=2023)
        # at least 50%: 48% -> not achieved
        + q4("value", [450, 460, 470, 480], 1000, first_end_year=2023)
    )
    plan = {
        **PLAN,
        "targets": [
            {"measure": "double_yes", "type": "multiple_of_baseline", "multiple": 2,
             "comparison": "more_than", "reason": "r"},
            {"measure": "double_no", "type": "multiple_of_baseline", "multiple": 2,
             "comparison": "more_than", "reason": "r"},
            {"measure": "plan_base", "type": "multiple_of_baseline", "multiple": 2,
             "comparison": "more_than", "baseline_value": 30, "reason": "r"},
            direction("up"), direction("flat"),
            {"measure": "value", "type": "value", "value": 50, "comparison": "at_least",
             "reason": "r"},
            direction("missing"),
        ],
    }  # fmt: skip
    return assess_area(conform(pd.DataFrame(rows)), catalogue, plan, AREA, "2025-26Q4")


def test_end_of_plan_verdicts(end_of_plan):
    assert statuses(end_of_plan) == {
        "double_yes": "achieved",
        "double_no": "not achieved",
        "plan_base": "achieved",
        "up": "achieved",
        "flat": "not achieved",
        "value": "not achieved",
        "missing": "insufficient data",
    }
    t = end_of_plan.targets.set_index("measure_id")
    assert t["end_of_plan"].to_dict() == {
        "double_yes": True, "double_no": True, "plan_base": True, "up": True, "flat": True,
        "value": True, "missing": False,
    }  # fmt: skip
    assert t.loc["double_yes", "reason"].startswith("End of plan (March 2026): 95 in 2025/26 Q4")
    assert t.loc["double_no", "reason"].endswith("not achieved.")
    assert t.loc["plan_base", "threshold"] == 60.0


def test_measure_without_data_gets_a_grey_row(end_of_plan):
    s = end_of_plan.summary.set_index("measure_id")
    assert s.loc["missing", "rag"] == "grey"
    assert s.loc["missing", "reason"] == "No data for this area in the bundled files"
    assert s.loc["double_no", "rag"] == "red"
    # ordered by priority then catalogue order
    assert end_of_plan.summary["measure_id"].tolist()[0] == "missing"


# --- benchmarks through assess_area ------------------------------------------------------


def test_england_comparison_ranks_and_synthetic_flag():
    catalogue = [measure("p"), measure("c", unit="count", method="byar")]
    rows = []
    # 2024/25 Q4: Portsmouth 52/136 = 38.2% (Wilson 30.5-46.6); England 34.4% lies inside:
    # Similar. Southampton (E06000045) 60/100, Isle of Wight (E06000046) 20/100: among the
    # three, Portsmouth is 2nd of 3 (higher is better).
    for code, c, n in [(AREA, 52, 136), (ENGLAND_CODE, 34_377, 100_000),
                       ("E06000045", 60, 100), ("E06000046", 20, 100)]:  # fmt: skip
        rows += q4("p", [c], n, first_end_year=2025, area=code)
    rows += q4("c", [100], first_end_year=2025, source=SYNTHETIC + ": test")
    rows += q4("c", [90_000], first_end_year=2025, area=ENGLAND_CODE)
    table = conform(pd.DataFrame(rows))
    a = assess_area(table, catalogue, None, AREA, "2024-25Q4",
                    comparators=["E06000045", "E06000046"])  # fmt: skip
    s = a.summary.set_index("measure_id")
    assert s.loc["p", "vs_england"] == "Similar"
    assert s.loc["p", "comparator_rank"] == "2nd of 3"
    assert s.loc["c", "vs_england"] == "Not compared"  # a count
    assert s.loc["c", "comparator_rank"] == "Not ranked"
    assert bool(s.loc["c", "synthetic"]) and not bool(s.loc["p", "synthetic"])
    assert (s["target_status"] == "no target").all() and (s["rag"] == "grey").all()
    # the same through the shared context and the many-areas entry point
    ctx = prepare(table, catalogue, "2024-25Q4")
    many = assess_areas(None, catalogue, None, [AREA, "E06000045"], "2024-25Q4", context=ctx)
    assert many["summary"].groupby("area_code").size().to_dict() == {AREA: 2, "E06000045": 2}
