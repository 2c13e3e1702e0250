"""A suppressed baseline or latest value says it was suppressed, and why (never "no value").

The pack is built from the bundled data with two local measures edited so that small
numbers are suppressed by the disclosure rule: CAWN notices in the 12 months to 2022/23 Q4
(the plan's baseline, 1 + 0 + 1 + 0 = 2) and CPI reports in the 12 months to 2025/26 Q4 (the
latest, 1 + 1 + 0 + 1 = 3). Both measures have direction targets."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from cdp_analysis import disclosure
from cdp_analysis.assessment import targets as tg
from cdp_analysis.pages import sections
from cdp_analysis.pages.report_data import load_report
from cdp_analysis.paths import default_data_dir

DEMO = "demo/local_measures_E06000044_demo.csv"
SMALL = {
    ("cawn_notices", "2022/23"): ["1", "0", "1", "0"],
    ("cpi_drug_reports", "2025/26"): ["1", "1", "0", "1"],
}
RULE = "suppressed to protect confidentiality: the disclosure rule withholds counts from 1 to 4"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    data = tmp_path_factory.mktemp("suppressed") / "data"
    shutil.copytree(default_data_dir(), data, ignore=shutil.ignore_patterns("cache"))
    path = data / DEMO
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        year, _, q = row["period_label"].partition(" Q")
        small = SMALL.get((row["measure_id"], year))
        if small:
            row["count"] = small[int(q) - 1]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return load_report("E06000044", "2025-26Q4", data_dir=data)


def _target(report, measure_id):
    t = report.assessment.targets
    return t[(t["measure_id"] == measure_id) & (t["area_code"] == "E06000044")].iloc[0]


def test_suppressed_baseline_says_suppressed_and_why(report):
    reason = _target(report, "cawn_notices")["reason"]
    assert "the baseline value (12 months to 2022/23 Q4) was " + RULE in reason, reason
    assert "no value" not in reason.lower()
    row = report.summary_row("cawn_notices")
    assert row["reason"] == reason
    assert "no value" not in row["change_since_baseline"].lower()


def test_suppressed_latest_says_suppressed_and_why(report):
    row = report.summary_row("cpi_drug_reports")
    assert np.isnan(row["value"])
    assert row["value_display"] == "Suppressed (small numbers)"
    assert row["reason"].startswith("The 12 months to 2025/26 Q4 value was " + RULE)
    text = sections.headline_text(report, "cpi_drug_reports")
    assert text.startswith("The 12 months to 2025/26 Q4 figure for Portsmouth was " + RULE)
    assert "no figure" not in text.lower() and "no value" not in text.lower()


def test_publisher_suppression_and_not_calculated_are_named():
    fingertips = "Value suppressed for disclosure control due to small count"
    assert disclosure.withheld_reason(fingertips) == (
        f"suppressed by the publisher to protect confidentiality ({fingertips})"
    )
    assert disclosure.withheld_label(fingertips) == "Suppressed by the publisher (small numbers)"
    ons = "Not calculated: fewer than 10 deaths"
    assert disclosure.withheld_reason(ons) == (
        "not calculated by the publisher: fewer than 10 deaths, too few for a reliable rate"
    )
    assert disclosure.withheld_label(ons) == "Not calculated (fewer than 10 deaths)"
    assert disclosure.withheld_reason("") == disclosure.withheld_reason("provisional") == ""


def test_missing_baseline_that_was_not_suppressed_still_says_no_value():
    t = {
        "unit": "count", "status": tg.INSUFFICIENT, "target_type": "direction",
        "value": 20.0, "value_note": "", "period_label": "12 months to 2025/26 Q4",
        "baseline_period": "12 months to 2022/23 Q4", "baseline_value": np.nan,
        "baseline_value_note": "", "direction": "increase", "comparison": "more_than",
        "change": "Cannot be calculated", "change_reason": "",
    }  # fmt: skip
    assert "no value for the baseline period" in tg._reason(t, {"end": None})


def test_demo_file_is_where_the_test_expects():
    assert (default_data_dir() / DEMO).is_file()
