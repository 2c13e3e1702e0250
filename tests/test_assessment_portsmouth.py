"""Back-test against the bundled ONS workbook (2021 edition), and the RAG summary for every
upper-tier LA. Expected values are typed from the published workbook and worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import areas
from cdp_analysis.assessment import assess_area, assess_areas, prepare
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.plan import catalogue

DATA = PROJECT_ROOT / "data"
WORKBOOK = DATA / "ons" / "2021localauthorities.xlsx"
PORTSMOUTH = "E06000044"
QUARTER = "2025-26Q4"


@pytest.fixture(scope="module")
def cat():
    return catalogue.load_indicators(DATA / "indicators.yaml")


@pytest.fixture(scope="module")
def plan(cat):
    plans = catalogue.load_targets(DATA / "targets.yaml", catalogue=cat)
    return next(p for p in plans if p.area_code == PORTSMOUTH)


@pytest.fixture(scope="module")
def ons_deaths():
    from cdp_analysis.sources import ons

    table = ons.load_workbook(WORKBOOK)
    table = table[table["indicator_id"].eq("ons_drug_misuse")].copy()
    table["indicator_id"] = "deaths_drug_misuse"  # the catalogue's measure id
    return table


@pytest.fixture(scope="module")
def portsmouth(ons_deaths, cat, plan):
    return assess_area(ons_deaths, cat, plan, PORTSMOUTH, QUARTER)


def row(table: pd.DataFrame, measure: str = "deaths_drug_misuse") -> pd.Series:
    return table.set_index("measure_id").loc[measure]


def test_latest_position_as_published(portsmouth):
    # Workbook Table 6, Persons, Portsmouth 2019-21: 46 deaths, 7.7 (5.6-10.3) per 100,000.
    r = row(portsmouth.latest)
    assert r["period_label"] == "2019-21"
    assert (r["count"], r["value"], r["lower_95"], r["upper_95"]) == (46, 7.7, 5.6, 10.3)
    assert r["limits"] == "published"
    s = row(portsmouth.summary)
    assert s["value_display"] == "7.7 per 100,000"
    assert s["interval_display"] == "5.6\u201310.3 per 100,000"
    assert not s["synthetic"]


def test_worse_than_england(portsmouth):
    # England 2019-21: 5.1 per 100,000, below Portsmouth's lower limit 5.6; deaths are
    # lower_is_better, so Portsmouth is Worse.
    e = row(portsmouth.england)
    assert e["england_value"] == 5.1
    assert e["vs_england"] == "Worse"


def test_rank_among_south_east_comparators(portsmouth):
    # South East upper-tier LAs with a 2019-21 rate (16 of 19; Bracknell Forest, Slough and
    # Windsor and Maidenhead had fewer than 10 deaths): 13 are lower than 7.7 (Surrey 2.5 ...
    # Reading 7.5), two higher (Isle of Wight 9.8, Brighton and Hove 11.3): 14th of 16.
    assert row(portsmouth.summary)["comparator_rank"] == "14th of 16"


def test_funnel_position_by_hand(portsmouth, ons_deaths):
    # Byar's limits of Portsmouth's 46 deaths, over the population the rate implies
    # (46 / 7.7 x 100,000 = 597,403):
    #   95%:   46 (1 - 1/414 - 1.95996/(3 sqrt 46))^3 = 46 x 0.901258^3 = 33.675
    #          -> 5.637 per 100,000
    #   99.8%: 46 (1 - 1/414 - 3.09023/(3 sqrt 46))^3 = 46 x 0.845709^3 = 27.824
    #          -> 4.657 per 100,000
    # The funnel's centre is the pooled rate of the upper-tier LAs (deaths over implied
    # populations), about 5.3: above 4.657 and below 5.637, so Portsmouth lies above the
    # 95% funnel limit but within the 99.8% one.
    f = row(portsmouth.funnel)
    assert f["funnel_position"] == "High (outside 95%)"
    d = ons_deaths[
        ons_deaths["area_code"].isin(areas.upper_tier_codes())
        & ons_deaths["sex"].eq("Persons")
        & ons_deaths["period_label"].eq("2019-21")
        & ons_deaths["value"].notna()
    ]
    pooled = d["count"].sum() / (d["count"] / d["value"]).sum()
    assert 4.657 < pooled < 5.637
    assert f["funnel_average"] == pytest.approx(pooled)
    assert f["funnel_upper_95"] < 7.7 < f["funnel_upper_99_8"]


def test_recent_trend_by_hand(portsmouth):
    # Five latest points (Table 6): 2015-17 8.8 (6.6-11.6), 2016-18 9.1 (6.8-12.0),
    # 2017-19 7.9 (5.7-10.5), 2018-20 8.0 (5.9-10.7), 2019-21 7.7 (5.6-10.3).
    # SE = (upper - lower)/3.92: 1.2755, 1.3265, 1.2245, 1.2245, 1.1990; weights 1/SE^2:
    # 0.6147, 0.5683, 0.6669, 0.6669, 0.6956. Weighted means: t 3.0811, rate 8.2620;
    # Sxx = 6.4454, Sxy = -2.0944; slope -0.3249; chi-square = slope^2 x Sxx = 0.680,
    # far below 9.5495: no significant change.
    t = row(portsmouth.recent_trends)
    assert t["recent_trend_statistic"] == pytest.approx(0.680, abs=0.005)
    assert t["recent_trend"] == "No significant change"
    assert row(portsmouth.summary)["trend"] == "No significant change"


def test_deaths_target_waits_for_data_after_the_baseline(portsmouth):
    # The plan's baseline is 2022/23; the latest 3-year period ending by then in the 2021
    # edition is 2019-21, which is also the latest period: no change can be tested yet.
    t = row(portsmouth.targets)
    assert t["baseline_period"] == "2019-21"
    assert t["status"] == "insufficient data"
    assert row(portsmouth.summary)["rag"] == "grey"
    assert "no period after the baseline yet" in t["reason"]


def test_series_model_uses_non_overlapping_periods(portsmouth):
    # 2001-03, 2004-06, ..., 2019-21: seven periods with no year counted twice.
    m = row(portsmouth.trend_models)
    assert m["n_points"] == 7
    assert (m["first_period"], m["last_period"]) == ("2001-03", "2019-21")
    assert m["model"] == "Poisson GLM (log)" and m["ratio_per_year"] > 1


# --- every measure, every area -----------------------------------------------------------


@pytest.fixture(scope="module")
def full_table():
    """Every source of the bundled data folder as one tidy table."""
    from cdp_analysis import indicator_table

    return indicator_table.load(DATA)


def test_every_measure_gets_a_row_for_every_upper_tier_la(full_table, cat, plan):
    codes = areas.upper_tier_codes()
    # 152 authorities of May 2022, less 4 codes carried to April 2023 successors, plus the 6
    # April 2023 codes (data/lookups/area_changes.csv)
    assert len(codes) == 154
    ctx = prepare(full_table, cat, QUARTER)  # shared across areas: one pass for all
    tables = assess_areas(None, cat, plan, codes, QUARTER, context=ctx)
    summary = tables["summary"]
    ids = [m.id for m in cat.measures]
    assert summary.groupby("area_code").size().to_dict() == dict.fromkeys(codes, len(ids))
    for _, grp in summary.groupby("area_code"):
        assert grp["measure_id"].tolist() == ids  # catalogue order within priorities 1-3
    assert summary["rag"].isin(["red", "amber", "green", "grey"]).all()
    nodata = summary["period_label"].eq("")
    assert (summary.loc[nodata, "rag"] == "grey").all()
    assert (summary.loc[nodata, "reason"] == "No data for this area in the bundled files").all()
    # the single-area entry point agrees with the many-areas one for Portsmouth
    one = assess_area(None, cat, plan, PORTSMOUTH, QUARTER, context=ctx).summary
    many = summary[summary["area_code"].eq(PORTSMOUTH)].drop(columns="area_code")
    pd.testing.assert_frame_equal(one.reset_index(drop=True), many.reset_index(drop=True))
    assert np.isfinite(one.set_index("measure_id").loc["deaths_drug_misuse", "value"])
