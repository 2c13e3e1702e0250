"""Rolling-12-month measures mean what their definitions say (hand-worked values).

Single-quarter local measures are assessed over 12 months. Residential rehabilitation is
placements started in the 12 months (four quarters added) over the adults in treatment in
those 12 months (the last quarter's row, each person counted once), not over four quarterly
treatment populations added together. Young people's education sessions are the young people
reached in the 12 months (the last quarter's row), not four quarters' young people added.
Each test would fail on the old method (four quarters' figures summed), as its comment shows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cdp_analysis.assessment.measures import measure_table
from cdp_analysis.assessment.series import headline
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.plan.catalogue import load_indicators
from cdp_analysis.sources.local_measures import COLUMNS, read_local_measures

TODAY = date(2026, 11, 30)
QUARTERS = [
    ("2025/26 Q1", "2025-04-01", "2025-06-30"),
    ("2025/26 Q2", "2025-07-01", "2025-09-30"),
    ("2025/26 Q3", "2025-10-01", "2025-12-31"),
    ("2025/26 Q4", "2026-01-01", "2026-03-31"),
]


def _series(tmp_path: Path, measure: str, counts, denominators=None):
    dens = denominators or [""] * 4
    rows = [
        f"{measure},E06000044,{label},{start},{end},{c},{d},,Test provider"
        for (label, start, end), c, d in zip(QUARTERS, counts, dens, strict=True)
    ]
    path = tmp_path / "local.csv"
    path.write_text("\n".join([",".join(COLUMNS), *rows]) + "\n", encoding="utf-8")
    table = read_local_measures(path, today=TODAY)
    s = headline(table, measure_table(load_indicators()))
    return s[s["measure_id"] == measure].set_index("period_label")


def test_catalogue_rules():
    cat = load_indicators()
    assert cat.get("residential_rehab").count_12_months == "sum"
    assert cat.get("residential_rehab").denominator_12_months == "reported"
    assert cat.get("yp_education_sessions").count_12_months == "reported"


def test_residential_rehab_hand_worked(tmp_path):
    # placements started 4 + 5 + 6 + 7 = 22 in the 12 months; adults in treatment in the
    # 12 months to 2025/26 Q4 (each once): 1,870. 22 / 1,870 = 1.1765%.
    # The old method: 22 / (1,800 + 1,820 + 1,850 + 1,870 = 7,340) = 0.2997%.
    s = _series(tmp_path, "residential_rehab", [4, 5, 6, 7], [1800, 1820, 1850, 1870])
    row = s.loc["12 months to 2025/26 Q4"]
    assert row["count"] == 22
    assert row["denominator"] == 1870
    assert row["value"] == pytest.approx(100 * 22 / 1870)
    assert row["value"] == pytest.approx(1.17647, abs=1e-5)
    # a 12-month count still needs all four quarters: no figure for the 12 months to Q1-Q3
    assert list(s.index) == ["12 months to 2025/26 Q4"]


def test_yp_education_sessions_hand_worked(tmp_path):
    # each row reports the young people reached in the 12 months to its quarter end, each once:
    # the 12 months to 2025/26 Q4 is 1,870 young people (the old method added the four
    # quarters: 1,600 + 1,700 + 1,800 + 1,870 = 6,970).
    s = _series(tmp_path, "yp_education_sessions", [1600, 1700, 1800, 1870])
    assert s.loc["12 months to 2025/26 Q4", "value"] == 1870
    assert s.loc["12 months to 2025/26 Q4", "count"] == 1870
    # each quarter's row is a 12-month figure on its own
    assert s.loc["12 months to 2025/26 Q1", "value"] == 1600
    assert len(s) == 4


def test_bundled_demo_residential_rehab():
    # data/demo/local_measures_E06000044_demo.csv, 2025/26 Q1-Q4: starts 9, 5, 5, 7 = 26;
    # adults in treatment in the 12 months to 2025/26 Q4: 1,873. 26 / 1,873 = 1.388%
    # (the old method: 26 / (1,771 + 1,913 + 1,860 + 1,873 = 7,417) = 0.351%).
    path = PROJECT_ROOT / "data" / "demo" / "local_measures_E06000044_demo.csv"
    table = read_local_measures(path, today=TODAY)
    s = headline(table, measure_table(load_indicators()))
    rehab = s[s["measure_id"] == "residential_rehab"].set_index("period_label")
    row = rehab.loc["12 months to 2025/26 Q4"]
    assert (row["count"], row["denominator"]) == (26, 1873)
    assert row["value"] == pytest.approx(1.38815, abs=1e-5)
    yp = s[s["measure_id"] == "yp_education_sessions"].set_index("period_label")
    assert yp.loc["12 months to 2025/26 Q4", "value"] == 1870
