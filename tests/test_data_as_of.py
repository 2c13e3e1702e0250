"""'Data as of / next update' per source (issue 15): stated from the data, never guessed."""

from __future__ import annotations

import pytest

from cdp_analysis.pages.data_as_of import NEXT_UNKNOWN, data_as_of, data_as_of_html
from cdp_analysis.pages.report_data import load_report


@pytest.fixture(scope="module")
def report():
    return load_report("E06000044", "2025-26Q4")


def test_deaths_say_their_edition_latest_period_and_how_old(report):
    lines = data_as_of(report, ["deaths_drug_misuse", "deaths_drug_poisoning"])
    assert lines == [
        "ONS, Deaths related to drug poisoning by local authority, 2021 registrations: latest "
        "figures 2019-21, 4 years before the reporting quarter; " + NEXT_UNKNOWN + "."
    ]


def test_every_source_of_the_area_is_listed_and_no_date_is_invented(report):
    lines = data_as_of(report)
    assert any(
        t.startswith("Fingertips (OHID), January 2020 snapshot: latest figures 2018") for t in lines
    )
    assert any(t.startswith("synthetic demo data") and "never updated" in t for t in lines)
    real = [t for t in lines if not t.startswith("synthetic")]
    assert real and all(NEXT_UNKNOWN in t for t in real)


def test_html_is_a_list_and_escaped(report):
    markup = data_as_of_html(report, ["deaths_drug_misuse"])
    assert markup.startswith('<div class="cdp-data-as-of">') and markup.count("<li>") == 1
    assert data_as_of_html(report, ["no_such_measure"]) == ""
