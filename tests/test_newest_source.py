"""Newest real data wins per measure and period; April 2023 area codes; refused files.

Uses ``tests/fixtures/fingertips/TEST_FIXTURE_invented_92432_2022_24.csv``: invented numbers
in the real Fingertips export format (see that folder's README)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cdp_analysis import areas, indicator_table
from cdp_analysis.errors import CdpError
from cdp_analysis.paths import default_data_dir
from cdp_analysis.plan.catalogue import load_indicators
from cdp_analysis.validation import validate_file

DATA = default_data_dir()
FIXTURE = (
    Path(__file__).parent / "fixtures" / "fingertips" / "TEST_FIXTURE_invented_92432_2022_24.csv"
)


@pytest.fixture(scope="module")
def with_92432(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("d") / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cache"))
    shutil.copy(FIXTURE, data / "fingertips" / "indicator-92432-all-areas.csv")
    return data


@pytest.fixture(scope="module")
def table(with_92432) -> pd.DataFrame:
    return indicator_table.build(with_92432)


def _deaths(table, code, period):
    rows = table[
        (table["indicator_id"] == "deaths_drug_misuse")
        & (table["area_code"] == code)
        & (table["period_label"].str.replace(" ", "") == period.replace(" ", ""))
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_catalogue_names_both_sources():
    m = load_indicators(DATA / "indicators.yaml").get("deaths_drug_misuse")
    assert m.sources == (("ons", "ons_drug_misuse"), ("fingertips", "92432"))


def test_newest_period_comes_from_the_fingertips_export(table):
    row = _deaths(table, "E06000044", "2022 - 24")
    assert (row["count"], row["value"], row["lower_95"], row["upper_95"]) == (31, 5.0, 3.4, 7.1)
    assert row["source"].startswith("Fingertips (OHID) 92432, data to 2022 - 24")


def test_same_period_newer_edition_wins_and_revision_is_noted(table):
    # Portsmouth 2019-21 is the same in both: no revision note
    same = _deaths(table, "E06000044", "2019-21")
    assert same["value"] == 7.7 and "revised" not in same["value_note"]
    assert same["source"].startswith("Fingertips (OHID) 92432")  # the newer edition
    # Southampton 2019-21 differs (invented): the newer edition wins, the old figure is noted
    sot = _deaths(table, "E06000045", "2019-21")
    assert sot["value"] == 6.5
    assert "revised:" in sot["value_note"] and "ONS" in sot["value_note"]
    revs = [r for r in table.attrs["revisions"] if r["area_code"] == "E06000045"]
    assert revs and revs[0]["old_source"].startswith("ONS")


def test_older_periods_keep_their_ons_source(table):
    row = _deaths(table, "E06000044", "2016-18")
    assert (row["count"], row["value"]) == (53, 9.1)
    assert row["source"].startswith(
        "ONS, Deaths related to drug poisoning by local authority, 2021"
    )


def test_same_boundary_successor_carries_ons_figures(table):
    # North Yorkshire county E10000023 -> unitary E06000065 (same boundary): 2019-21 from ONS
    ny = table[
        (table["indicator_id"] == "deaths_drug_misuse") & (table["area_code"] == "E06000065")
    ]
    assert {"2019-21", "2022 - 24"} <= set(ny["period_label"])
    assert table[table["area_code"] == "E10000023"].empty
    # recoded district: Barnsley E08000016 -> E08000038
    assert not table[(table["area_code"] == "E08000038")
                     & (table["indicator_id"] == "deaths_drug_misuse")].empty  # fmt: skip


def test_split_county_has_no_figure_before_creation(table):
    cum = table[
        (table["indicator_id"] == "deaths_drug_misuse") & (table["area_code"] == "E06000063")
    ]
    assert list(cum["period_label"]) == ["2022 - 24"]
    note = areas.history_note("E06000063")
    assert "no figure for Cumberland before its creation" in note
    # the abolished county keeps its old-boundary figures under its own code
    assert not table[(table["area_code"] == "E10000006")
                     & (table["indicator_id"] == "deaths_drug_misuse")].empty  # fmt: skip


def test_new_codes_are_in_the_lookup():
    for code, name in [("E06000063", "Cumberland"), ("E06000064", "Westmorland and Furness"),
                       ("E06000065", "North Yorkshire"), ("E06000066", "Somerset"),
                       ("E08000038", "Barnsley"), ("E08000039", "Sheffield")]:  # fmt: skip
        assert areas.area(code)["area_name"] == name
    assert "E06000063" not in areas.comparators("E06000044")
    assert "Barnsley (E08000016)" in areas.history_note("E08000038")


def test_same_publication_twice_is_refused(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cache", "demo"))
    shutil.copy(FIXTURE, data / "fingertips" / "a.csv")
    shutil.copy(FIXTURE, data / "fingertips" / "b.csv")
    with pytest.raises(CdpError, match="same figures"):
        indicator_table.build(data)


def test_file_missing_a_column_is_refused_with_the_column_named(tmp_path):
    bad = tmp_path / "deaths.csv"
    bad.write_text("area_code,area_name,period,value\nE06000044,Portsmouth,2022 - 24,5.1\n")
    result = validate_file(bad, DATA)
    assert not result.ok
    assert "comparator_code" in result.message and "missing" in result.message
    assert "This is a bug" not in result.message


def test_build_refuses_a_file_it_would_otherwise_skip(tmp_path):
    from cdp_analysis.report.runner import preflight

    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cache"))
    (data / "fingertips" / "deaths.csv").write_text(
        "area_code,area_name,period,value\nE06000044,Portsmouth,2022 - 24,5.1\n"
    )
    with pytest.raises(CdpError, match="comparator_code"):
        preflight(data, data / "targets.yaml")


def test_objectives_list_has_all_24_and_says_why_none():
    from cdp_analysis.pages.objectives import objectives_html, objectives_table

    cat = load_indicators(DATA / "indicators.yaml")
    t = objectives_table(cat, "E06000044")
    assert len(t) == 24
    without = t.loc[t["measures"] == "", "objective"].tolist()
    assert without == ["1.2", "2.4", "2.5", "2.8", "2.9", "2.11", "2.12", "3.6"]
    assert t.loc[t["measures"] == "", "reason"].str.contains("local measures CSV").all()
    assert (
        t.loc[t["objective"] == "1.2", "template_row"]
        .item()
        .startswith("cuckooing_cases,E06000044,")
    )
    markup = objectives_html(cat, "E06000044")
    assert markup.count('<th scope="row" class="cdp-objective">') == 24 and "<caption>" in markup
