"""Core types: quarters and periods, the area lookup, errors and the tidy table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cdp_analysis import areas, tidy
from cdp_analysis.errors import CdpError, InputError, Problem
from cdp_analysis.periods import (
    Quarter,
    financial_year,
    fingertips_quarter_labels,
    parse_period,
    quarter_range,
)


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2025-26Q4", date(2026, 1, 1), date(2026, 3, 31)),
        ("2025-26Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ("2022/23 Q3", date(2022, 10, 1), date(2022, 12, 31)),
        ("2099-00Q2", date(2099, 7, 1), date(2099, 9, 30)),
    ],
)
def test_quarter_dates(label, start, end):
    q = Quarter.parse(label)
    assert (q.start, q.end) == (start, end)


def test_quarter_labels_shift_and_rolling():
    q = Quarter.parse("2025-26Q4")
    assert q.label == "2025-26Q4" and q.fingertips_label == "2025/26 Q4"
    assert q.shift(1).label == "2026-27Q1" and q.shift(-4).label == "2024-25Q4"
    assert q.rolling_12m() == (date(2025, 4, 1), date(2026, 3, 31))
    assert Quarter.parse("2023-24Q1").rolling_12m() == (date(2022, 7, 1), date(2023, 6, 30))
    assert Quarter.containing(date(2026, 2, 14)) == q
    assert Quarter.containing(date(2025, 4, 1)).label == "2025-26Q1"
    assert len(quarter_range(Quarter(2018, 1), Quarter(2025, 4))) == 32


def test_fingertips_quarter_labels_of_dates():
    ends = pd.Series(
        pd.to_datetime(["2026-03-31", "2025-06-30", "2024-12-31", "2000-03-31", "2099-09-30"]),
        index=[5, 3, 8, 1, 0],
    )
    labels = fingertips_quarter_labels(ends)
    expected = ["2025/26 Q4", "2025/26 Q1", "2024/25 Q3", "1999/00 Q4", "2099/00 Q2"]
    assert labels.tolist() == expected
    assert labels.index.tolist() == [5, 3, 8, 1, 0]


@pytest.mark.parametrize("bad", ["2025-27Q4", "2025-26Q5", "2025Q4", "", "Q4"])
def test_bad_quarter_labels(bad):
    with pytest.raises(ValueError, match="quarter|financial year"):
        Quarter.parse(bad)


@pytest.mark.parametrize(
    ("label", "range_", "start", "end"),
    [
        ("2017", None, date(2017, 1, 1), date(2017, 12, 31)),
        ("2019-21", None, date(2019, 1, 1), date(2021, 12, 31)),
        ("2022 - 24", None, date(2022, 1, 1), date(2024, 12, 31)),
        ("2024/25", None, date(2024, 4, 1), date(2025, 3, 31)),
        ("2024/25 Q3", "12m", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024/25 Q3", "1q", date(2024, 10, 1), date(2024, 12, 31)),
        ("1999-01", None, date(1999, 1, 1), date(2001, 12, 31)),
    ],
)
def test_parse_period(label, range_, start, end):
    assert parse_period(label, range_) == (start, end)


@pytest.mark.parametrize("bad", ["2024/26", "twenty", "2024-10", "2021-19"])
def test_parse_period_rejects(bad):
    with pytest.raises(ValueError):
        parse_period(bad)


def test_financial_year():
    assert financial_year("2022/23") == (date(2022, 4, 1), date(2023, 3, 31))


def test_area_lookup_has_every_upper_tier_la():
    codes = areas.upper_tier_codes()
    # 152 of May 2022 - 4 codes carried to April 2023 successors + 6 April 2023 codes
    assert len(codes) == 154 and len(set(codes)) == 154
    assert "E06000044" in codes and "E06000063" in codes and "E10000023" not in codes
    assert areas.area("E06000044")["area_name"] == "Portsmouth"
    assert areas.area("E06000044")["parent_name"] == "South East"


def test_default_comparators_are_same_region():
    comp = areas.comparators("E06000044")
    assert "E06000044" not in comp
    assert "E06000045" in comp  # Southampton, South East
    assert "E09000001" not in comp  # City of London
    assert len(comp) == 18  # South East has 19 upper-tier LAs (May 2022 boundaries)


def test_unknown_area_gives_clear_error():
    with pytest.raises(CdpError, match="Unknown area code 'E06999999'"):
        areas.area("E06999999")
    with pytest.raises(CdpError, match="E06000044"):
        areas.area("Portsmouth")


def test_input_error_message_names_file_rows_column_and_fix():
    err = InputError(
        "data/x.csv",
        [Problem("not a number: 'abc'", rows=[3, 7], column="count", expected="a whole number")],
        kind="local measures",
        fix="correct the values",
    )
    text = str(err)
    assert "data/x.csv (local measures): 1 problem found" in text
    assert "rows 3, 7, column 'count': not a number: 'abc' (expected a whole number)" in text
    assert "Fix: correct the values" in text


def test_conform_orders_columns_and_types_without_dropping_rows():
    df = pd.DataFrame({"value": ["1.5", None], "indicator_id": [90245, 1], "area_code": ["a", "b"]})
    out = tidy.conform(df)
    assert list(out.columns) == tidy.COLUMNS
    assert len(out) == 2
    assert out["value"].dtype == float and out["indicator_id"].tolist() == ["90245", "1"]


def test_is_synthetic():
    s = pd.Series(["synthetic demo data (x.csv)", "Fingertips (OHID)", "Synthetic Demo Data"])
    assert tidy.is_synthetic(s).tolist() == [True, False, True]
