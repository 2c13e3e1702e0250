"""Assessment building blocks: catalogue tables, headline series, latest limits, baseline
tests and display. Expected numbers are typed in from published sources or worked by hand
(shown in comments), never recomputed by the code under test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.assessment import baseline as bl
from cdp_analysis.assessment import display, latest, measures, series
from cdp_analysis.errors import InputError
from cdp_analysis.tidy import conform


def measure(mid: str, **kw) -> dict:
    base = {
        "id": mid, "name": mid, "short_name": mid, "priority": 2, "objectives": ["2.2"],
        "plan_measure": mid, "unit": "percent", "polarity": "higher_is_better",
        "method": "wilson", "source": "local", "source_id": mid, "frequency": "annual",
        "definition": "test",
    }  # fmt: skip
    base.update(kw)
    return base


def tidy(rows: list[dict]) -> pd.DataFrame:
    defaults = {"area_code": "E06000044", "area_name": "Portsmouth", "area_type": "UTLA",
                "sex": "Persons", "age": "18+ yrs", "category": "", "source": "test"}  # fmt: skip
    return conform(pd.DataFrame([{**defaults, **r} for r in rows]))


# --- catalogue and targets ---------------------------------------------------------------


def test_measure_table_reads_dicts_dataclasses_and_priority_names():
    @dataclass
    class M:
        id: str
        name: str
        short_name: str
        priority: int
        objectives: tuple
        plan_measure: str
        unit: str
        polarity: str
        method: str
        source: str
        source_id: str
        frequency: str
        definition: str
        category: str = ""
        age: str = ""

    @dataclass
    class Cat:
        priorities: dict
        measures: tuple

    cat = Cat(
        priorities={1: "Disrupt supply", 2: "Treatment"},
        measures=(
            M("a", "A", "A", 2, ("2.1", "2.2"), "A", "count", "higher_is_better", "byar",
              "local", "a", "quarterly", "x"),
            M("b", "B", "B", 1, ("1.1",), "B", "percent", "lower_is_better", "wilson",
              "local", "b", "annual", "x"),
        ),
    )  # fmt: skip
    t = measures.measure_table(cat)
    assert t["measure_id"].tolist() == ["a", "b"]
    assert t["priority_name"].tolist() == ["Treatment", "Disrupt supply"]
    assert t["objectives"].tolist() == ["2.1, 2.2", "1.1"]
    assert t["multiplier"].tolist() == [1.0, 100.0]


def test_measure_table_rejects_unknown_method():
    with pytest.raises(InputError, match="method"):
        measures.measure_table([measure("a", method="bayes")])


def test_target_table_checks_each_type_has_what_it_needs():
    plan = {"targets": [{"measure": "a", "type": "multiple_of_baseline", "reason": "r"}]}
    with pytest.raises(InputError, match="multiple"):
        measures.target_table(plan)
    plan = {"targets": [{"measure": "a", "type": "direction", "reason": "r"}]}
    with pytest.raises(InputError, match="direction"):
        measures.target_table(plan)


def test_plan_baseline_end_defaults_to_end_of_2022_23():
    assert measures.plan_info(None)["baseline_end"] == pd.Timestamp("2023-03-31").date()
    info = measures.plan_info({"id": "p", "baseline_period": "2021/22", "end": "2025-03-31"})
    assert info["baseline_end"] == pd.Timestamp("2022-03-31").date()
    assert info["end"] == pd.Timestamp("2025-03-31").date()


# --- headline series ---------------------------------------------------------------------


def test_headline_picks_catalogue_category_and_age_and_persons():
    cat = measures.measure_table(
        [
            measure(
                "opiate", unit="count", method="byar", category="Substance: opiate", age="18+ yrs"
            )
        ]  # fmt: skip
    )
    rows = tidy(
        [
            {"indicator_id": "opiate", "category": "Substance: opiate", "period_label": "2023",
             "period_start": "2023-01-01", "period_end": "2023-12-31", "value": 10, "count": 10},
            {"indicator_id": "opiate", "category": "Substance: opiate", "sex": "Male",
             "period_label": "2023", "period_start": "2023-01-01", "period_end": "2023-12-31",
             "value": 6, "count": 6},
            {"indicator_id": "opiate", "category": "Substance: opiate", "age": "<18 yrs",
             "period_label": "2023", "period_start": "2023-01-01", "period_end": "2023-12-31",
             "value": 2, "count": 2},
            {"indicator_id": "opiate", "category": "Referral source: Self",
             "period_label": "2023", "period_start": "2023-01-01", "period_end": "2023-12-31",
             "value": 3, "count": 3},
        ]
    )  # fmt: skip
    h = series.headline(rows, cat)
    assert h["value"].tolist() == [10.0]
    assert h["months"].tolist() == [12]


def test_headline_rejects_repeated_rows():
    cat = measures.measure_table([measure("p")])
    row = {"indicator_id": "p", "period_label": "2023", "period_start": "2023-01-01",
           "period_end": "2023-12-31", "count": 5, "denominator": 10, "value": 50}  # fmt: skip
    with pytest.raises(InputError, match="repeat"):
        series.headline(tidy([row, row]), cat)


def test_single_quarters_become_rolling_12_month_totals():
    cat = measures.measure_table(
        [measure("cl", unit="count", method="byar", frequency="single_quarter")]
    )
    quarters = [  # 2023/24 Q1..Q4 and 2024/25 Q1 with Q2 missing
        ("2023-04-01", "2023-06-30", 3), ("2023-07-01", "2023-09-30", 4),
        ("2023-10-01", "2023-12-31", 5), ("2024-01-01", "2024-03-31", 6),
        ("2024-04-01", "2024-06-30", 7), ("2024-10-01", "2024-12-31", 9),
    ]  # fmt: skip
    rows = tidy(
        [
            {
                "indicator_id": "cl",
                "period_label": "q",
                "period_start": s,
                "period_end": e,
                "count": c,
                "value": c,
            }
            for s, e, c in quarters
        ]  # fmt: skip
    )
    h = series.headline(rows, cat)
    # 3+4+5+6 = 18 to 2023/24 Q4; 4+5+6+7 = 22 to 2024/25 Q1; Q2 missing: no later totals
    assert h["value"].tolist() == [18.0, 22.0]
    assert h["period_label"].tolist() == [
        "12 months to 2023/24 Q4",
        "12 months to 2024/25 Q1",
    ]
    assert h["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2023-04-01", "2023-07-01"]


# --- latest position and limits ----------------------------------------------------------


def _latest(rows, cat, end="2026-03-31"):
    h = series.headline(rows, cat)
    return latest.latest_position(h, cat, pd.Timestamp(end).date())


def test_wilson_limits_computed_from_count_and_denominator():
    # Fingertips 90245, Portsmouth 2018: 52/136 = 38.2353% (30.4976-46.6193), published.
    cat = measures.measure_table([measure("p")])
    rows = tidy([{"indicator_id": "p", "period_label": "2018", "period_start": "2018-01-01",
                  "period_end": "2018-12-31", "count": 52, "denominator": 136}])  # fmt: skip
    r = _latest(rows, cat).iloc[0]
    assert r["value"] == pytest.approx(38.2353, abs=1e-4)
    assert r["lower_95"] == pytest.approx(30.4976, abs=1e-4)
    assert r["upper_95"] == pytest.approx(46.6193, abs=1e-4)
    assert r["lower_99_8"] < r["lower_95"] and r["upper_99_8"] > r["upper_95"]
    assert r["limits"] == "computed"


def test_published_limits_are_kept_and_latest_period_is_by_quarter_end():
    cat = measures.measure_table([measure("p")])
    rows = tidy(
        [
            {"indicator_id": "p", "period_label": "2024/25", "period_start": "2024-04-01",
             "period_end": "2025-03-31", "count": 52, "denominator": 136, "value": 38.2,
             "lower_95": 30.0, "upper_95": 47.0},
            {"indicator_id": "p", "period_label": "2025/26", "period_start": "2025-04-01",
             "period_end": "2026-03-31", "count": 60, "denominator": 136, "value": 44.1},
        ]
    )  # fmt: skip
    r = _latest(rows, cat, "2025-12-31").iloc[0]
    assert r["period_label"] == "2024/25"
    assert (r["lower_95"], r["upper_95"]) == (30.0, 47.0)
    assert r["limits"] == "published"


def test_byar_limits_for_a_rate_and_a_count():
    # 65 events: Byar 95% limits 50.1632-82.8491 (PHE technical guide example)
    cat = measures.measure_table(
        [measure("r", unit="per_100k", method="byar"), measure("c", unit="count", method="byar")]
    )
    common = {"period_label": "2023", "period_start": "2023-01-01", "period_end": "2023-12-31"}
    rows = tidy(
        [
            {"indicator_id": "r", "count": 65, "denominator": 100_000, **common},
            {"indicator_id": "c", "count": 65, **common},
        ]
    )
    out = _latest(rows, cat).set_index("measure_id")
    assert out.loc["r", "value"] == pytest.approx(65.0)
    assert out.loc["r", "lower_95"] == pytest.approx(50.1632, abs=1e-3)
    assert out.loc["c", "upper_95"] == pytest.approx(82.8491, abs=1e-3)


def test_dsr_from_fewer_than_10_events_is_not_calculated():
    cat = measures.measure_table([measure("d", unit="per_100k", method="dsr",
                                          polarity="lower_is_better")])  # fmt: skip
    rows = tidy([{"indicator_id": "d", "period_label": "2019-21", "period_start": "2019-01-01",
                  "period_end": "2021-12-31", "count": 8, "value": 3.1, "lower_95": 1.2,
                  "upper_95": 6.0}])  # fmt: skip
    r = _latest(rows, cat).iloc[0]
    assert np.isnan(r["value"]) and np.isnan(r["lower_95"])
    assert r["value_note"] == "Not calculated: fewer than 10 events"


def test_amounts_have_no_interval():
    cat = measures.measure_table([measure("kg", unit="kg", method="count")])
    rows = tidy([{"indicator_id": "kg", "period_label": "2023", "period_start": "2023-01-01",
                  "period_end": "2023-12-31", "value": 12.5}])  # fmt: skip
    r = _latest(rows, cat).iloc[0]
    assert r["value"] == 12.5 and np.isnan(r["lower_95"]) and r["limits"] == "none"


def test_proportion_with_count_above_denominator_is_an_input_error():
    cat = measures.measure_table([measure("p")])
    rows = tidy([{"indicator_id": "p", "period_label": "2018", "period_start": "2018-01-01",
                  "period_end": "2018-12-31", "count": 12, "denominator": 10}])  # fmt: skip
    with pytest.raises(InputError, match="count above its denominator"):
        _latest(rows, cat)


# --- change since baseline ---------------------------------------------------------------


def _pair(cat, base: dict, now: dict) -> pd.Series:
    b = {"measure_id": "m", "area_code": "A", "period_label": "base", "months": 12,
         "period_end": pd.Timestamp("2023-03-31"), **base}  # fmt: skip
    c = {"measure_id": "m", "area_code": "A", "period_label": "now", "months": 12,
         "period_end": pd.Timestamp("2025-03-31"), **now}  # fmt: skip
    cols = ["count", "denominator", "value", "lower_95", "upper_95"]
    bdf = pd.DataFrame([b]).reindex(columns=[*b, *[k for k in cols if k not in b]])
    cdf = pd.DataFrame([c]).reindex(columns=[*c, *[k for k in cols if k not in c]])
    return bl.change_since_baseline(bdf, cdf, cat).iloc[0]


def test_newcombe_interval_for_a_difference_of_proportions():
    # Newcombe (1998) Stat Med 17:873, Table II example: 56/70 vs 48/80, method 10 (hybrid
    # score): difference 0.2000, 95% CI 0.0524 to 0.3339. Here the latest is 48/80 and the
    # baseline 56/70, so the change is -20.00 points (-33.39 to -5.24).
    cat = measures.measure_table([measure("m")])
    r = _pair(cat, {"count": 56, "denominator": 70, "value": 80.0},
              {"count": 48, "denominator": 80, "value": 60.0})  # fmt: skip
    assert r["difference"] == pytest.approx(-20.0)
    assert r["difference_lower"] == pytest.approx(-33.39, abs=0.005)
    assert r["difference_upper"] == pytest.approx(-5.24, abs=0.005)
    assert r["change"] == "Significant decrease"


def test_exact_conditional_poisson_test_for_counts():
    # 10 then 20 events over equal periods: given 30 events, the latest count is
    # Binomial(30, 0.5) under no change; P(X >= 20) = P(X <= 10) = 0.0494 (binomial tables),
    # so p = 0.0987: not significant at 5%.
    cat = measures.measure_table([measure("m", unit="count", method="byar")])
    r = _pair(cat, {"count": 10, "value": 10}, {"count": 20, "value": 20})
    assert r["p_value"] == pytest.approx(0.0987, abs=1e-4)
    assert r["ratio"] == pytest.approx(2.0)
    assert r["ratio_lower"] < 1 < r["ratio_upper"]
    assert r["change"] == "No significant change"
    # 10 then 30: P(X >= 30 | 40, 0.5) = P(X <= 10 | 40, 0.5) = 0.001111 -> p = 0.00222
    r = _pair(cat, {"count": 10, "value": 10}, {"count": 30, "value": 30})
    assert r["p_value"] == pytest.approx(0.00222, abs=1e-5)
    assert r["change"] == "Significant increase"


def test_dsr_change_from_published_limits():
    # Portsmouth drug misuse deaths: 2016-18 9.1 (6.8-12.0), 2019-21 7.7 (5.6-10.3).
    # se(ln) = (ln 12.0 - ln 6.8)/3.92 = 0.14490 and (ln 10.3 - ln 5.6)/3.92 = 0.15545;
    # ln(7.7/9.1) = -0.16705; z = -0.16705 / 0.21251 = -0.786; p = 0.432.
    cat = measures.measure_table([measure("m", unit="per_100k", method="dsr")])
    r = _pair(cat, {"count": 53, "value": 9.1, "lower_95": 6.8, "upper_95": 12.0},
              {"count": 46, "value": 7.7, "lower_95": 5.6, "upper_95": 10.3})  # fmt: skip
    assert r["ratio"] == pytest.approx(7.7 / 9.1)
    assert r["p_value"] == pytest.approx(0.432, abs=0.001)
    assert r["change"] == "No significant change"


def test_no_period_after_baseline_cannot_be_calculated():
    cat = measures.measure_table([measure("m", unit="count", method="byar")])
    b = pd.DataFrame([{"measure_id": "m", "area_code": "A", "period_label": "2019-21",
                       "period_end": pd.Timestamp("2021-12-31"), "value": 5.0, "count": 5.0,
                       "denominator": np.nan, "lower_95": np.nan, "upper_95": np.nan,
                       "months": 36}])  # fmt: skip
    r = bl.change_since_baseline(b, b, cat).iloc[0]
    assert r["change"] == "Cannot be calculated"
    assert r["change_reason"] == "No period after the baseline yet"


# --- display -----------------------------------------------------------------------------


def test_values_are_formatted_for_their_unit():
    assert display.value_text(38.2353, "percent") == "38.2%"
    assert display.value_text(7.7, "per_100k") == "7.7 per 100,000"
    assert display.value_text(1234, "count") == "1,234"
    assert display.value_text(2.26, "kg") == "2.3 kg"
    assert display.value_text(93.13, "count") == "93"  # projected counts: whole numbers
    assert display.range_text(28.0, 34.5, "percent") == "28.0%\u201334.5%"
    assert display.range_text(5.6, 10.3, "per_100k") == "5.6\u201310.3 per 100,000"
    assert display.value_text(float("nan"), "percent") == ""


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
     (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinals(n, text):
    assert display.ordinal(n) == text


# --- ranks and funnels -------------------------------------------------------------------


def _areas_table(mid: str, values: dict[str, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"measure_id": mid, "area_code": code, "period_start": pd.Timestamp("2023-01-01"),
          "period_end": pd.Timestamp("2023-12-31"), "count": c, "denominator": n,
          "value": c / n * 100} for code, (c, n) in values.items()]
    )  # fmt: skip


def test_ranks_share_ties_and_say_highest_without_polarity():
    from cdp_analysis.assessment import benchmarks

    cat = measures.measure_table(
        [
            measure("good"),
            measure("low", polarity="lower_is_better"),
            measure("na", polarity="not_applicable"),
        ]  # fmt: skip
    )
    values = {"A": (50, 100), "B": (30, 100), "C": (30, 100), "D": (10, 100)}
    s = pd.concat([_areas_table(m, values) for m in ("good", "low", "na")], ignore_index=True)
    r = benchmarks.ranks(s, s, cat, ["A", "B", "C", "D"]).set_index(["measure_id", "area_code"])
    assert r.loc[("good", "B"), "rank_text"] == "2nd of 4"  # B and C tie for 2nd
    assert r.loc[("good", "D"), "rank_text"] == "4th of 4"
    assert r.loc[("low", "D"), "rank_text"] == "1st of 4"
    assert r.loc[("na", "A"), "rank_text"] == "1st highest of 4"
    pairs = pd.DataFrame({"area_code": "C", "comparator_code": ["A", "D"]})
    c = benchmarks.comparator_ranks(s, s, cat, pairs).set_index("measure_id")
    assert c.loc["good", "comparator_rank_text"] == "2nd of 3"
    assert c.loc["low", "comparator_rank_text"] == "2nd of 3"


def test_proportion_funnel_by_hand():
    # 50/100, 30/100, 10/100: pooled 90/300 = 30%; at n = 100 the limits are
    # 30 +/- 1.95996 x sqrt(0.3 x 0.7 / 100) x 100 = 21.02 to 38.98 (95%) and
    # 30 +/- 3.09023 x 4.5826 = 15.84 to 44.16 (99.8%): 50% is above the 99.8% limit,
    # 10% below it, 30% inside.
    from cdp_analysis.assessment import benchmarks

    cat = measures.measure_table([measure("p")])
    s = _areas_table("p", {"A": (50, 100), "B": (30, 100), "C": (10, 100)})
    f = benchmarks.funnel_positions(s, s, cat, ["A", "B", "C"]).set_index("area_code")
    assert f.loc["A", "funnel_position"] == "High (outside 99.8%)"
    assert f.loc["B", "funnel_position"] == "Not significant"
    assert f.loc["C", "funnel_position"] == "Low (outside 99.8%)"
    assert f.loc["B", "funnel_average"] == pytest.approx(30.0)
    assert f.loc["B", "funnel_lower_95"] == pytest.approx(21.02, abs=0.005)
    assert f.loc["B", "funnel_upper_95"] == pytest.approx(38.98, abs=0.005)
    assert f.loc["B", "funnel_lower_99_8"] == pytest.approx(15.84, abs=0.005)
    assert f.loc["B", "funnel_upper_99_8"] == pytest.approx(44.16, abs=0.005)
