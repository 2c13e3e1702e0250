"""Disclosure control: the rules, hand-worked, and the report's use of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import disclosure
from cdp_analysis.pages.report_data import load_report


def rows(counts, *, category=None, denominator=None, area="E06000044", end="2026-03-31", age="18+"):
    n = len(counts)
    return pd.DataFrame(
        {
            "indicator_id": "x",
            "area_code": area,
            "sex": "Persons",
            "age": age,
            "category": category if category is not None else [""] * n,
            "period_end": pd.Timestamp(end),
            "count": np.array(counts, dtype=float),
            "denominator": np.array(denominator if denominator else [np.nan] * n, dtype=float),
            "value": np.array(counts, dtype=float),
            "lower_95": 0.0,
            "upper_95": 99.0,
            "lower_99_8": 0.0,
            "upper_99_8": 99.0,
            "value_note": "",
        }
    )


def test_counts_1_to_4_are_suppressed_zero_and_5_are_not():
    df = rows([0, 1, 4, 5, 12])
    out = disclosure.apply(df, pd.Series(True, index=df.index))
    assert out["count"].isna().tolist() == [False, True, True, False, False]
    assert out["value"].isna().tolist() == [False, True, True, False, False]
    assert out["upper_95"].isna().tolist() == [False, True, True, False, False]
    assert out.loc[1, "value_note"] == "Suppressed: fewer than 5"
    assert df["count"].tolist() == [0, 1, 4, 5, 12]  # input untouched


def test_small_denominator_suppresses_the_percentage():
    df = rows([0, 2, 30], denominator=[3, 40, 60])
    out = disclosure.apply(df, pd.Series(True, index=df.index))
    assert out["value"].isna().tolist() == [True, True, False]
    assert out["denominator"].isna().tolist() == [True, True, False]


def test_published_rows_are_shown_as_published():
    df = rows([1, 2, 3])
    out = disclosure.apply(df, pd.Series(False, index=df.index))
    assert out["count"].tolist() == [1, 2, 3]


def test_existing_note_is_kept_after_the_suppression_note():
    df = rows([2]).assign(value_note="Provisional")
    out = disclosure.apply(df, pd.Series(True, index=df.index))
    assert out.loc[0, "value_note"] == "Suppressed: fewer than 5; Provisional"


def test_secondary_suppression_when_parts_add_up_to_the_shown_total():
    # total 30 = 3 + 12 + 15: hiding only the 3 would let a reader work it out (30-12-15)
    df = rows([30, 3, 12, 15], category=["", "a", "b", "c"])
    fam = pd.Series("fam", index=df.index)
    out = disclosure.apply(df, pd.Series(True, index=df.index), fam)
    assert out["count"].isna().tolist() == [False, True, True, False]  # 12: next smallest


def test_no_secondary_suppression_when_parts_do_not_add_up():
    # three of several categories shown: 30 - 12 - 10 = 8 covers the hidden ones too
    df = rows([30, 3, 12, 10], category=["", "a", "b", "c"])
    fam = pd.Series("fam", index=df.index)
    out = disclosure.apply(df, pd.Series(True, index=df.index), fam)
    assert out["count"].isna().tolist() == [False, True, False, False]


def test_secondary_is_per_area_and_period():
    a = rows([30, 3, 12, 15], category=["", "a", "b", "c"])
    b = rows([30, 3, 12, 15], category=["", "a", "b", "c"], end="2025-12-31")
    c = rows([30, 6, 9, 15], category=["", "a", "b", "c"], area="E06000045")
    df = pd.concat([a, b, c], ignore_index=True)
    out = disclosure.apply(df, pd.Series(True, index=df.index), pd.Series("f", index=df.index))
    assert out["count"].isna().sum() == 4  # two in each of the first two families, none in c


def test_secondary_keeps_going_until_the_hidden_remainder_is_not_small():
    # 2 and 1 are both small: their sum (3) would be 20 - 17, so 17 goes too
    df = rows([20, 2, 1, 17], category=["", "a", "b", "c"])
    out = disclosure.apply(df, pd.Series(True, index=df.index), pd.Series("f", index=df.index))
    assert out["count"].isna().tolist() == [False, True, True, True]


def test_secondary_never_picks_a_zero_part():
    # hiding the 0 beside the 2 would still leave 20 - 18 = 2: the 18 must go
    df = rows([20, 2, 0, 18], category=["", "a", "b", "c"])
    out = disclosure.apply(df, pd.Series(True, index=df.index), pd.Series("f", index=df.index))
    assert out["count"].isna().tolist() == [False, True, False, True]


def test_age_bands_are_separate_families():
    # adults 47 = 4 + 14 + 5 + 24; young people 2 (suppressed) in the same source and period
    adults = rows([47, 4, 14, 5, 24], category=["", "a", "b", "c", "d"])
    young = rows([2, 2], category=["", "a"], age="<18")
    df = pd.concat([adults, young], ignore_index=True)
    out = disclosure.apply(df, pd.Series(True, index=df.index), pd.Series("f", index=df.index))
    adult_out = out[out["age"] == "18+"]
    assert adult_out["count"].isna().tolist() == [False, True, False, True, False]


def test_two_equal_smallest_parts_suppress_only_one():
    df = rows([32, 2, 10, 10, 10], category=["", "a", "b", "c", "d"])
    out = disclosure.apply(df, pd.Series(True, index=df.index), pd.Series("f", index=df.index))
    assert out["count"].isna().sum() == 2


@pytest.fixture(scope="module")
def portsmouth():
    return load_report("E06000044", "2025-26Q4")


def test_report_series_has_no_small_local_counts(portsmouth):
    s = portsmouth.context.series
    local = (
        s["measure_id"]
        .map(portsmouth.context.measures.set_index("measure_id")["source"])
        .isin(disclosure.LOCAL_SOURCES)
    )
    shown = s[local]
    assert not disclosure.small(shown["count"]).any()
    assert not disclosure.small(shown["denominator"]).any()
    assert shown["value_note"].str.contains("Suppressed").any()  # the demo data has some


def test_amounts_in_kg_are_not_suppressed(portsmouth):
    s = portsmouth.context.series
    kg = s[s["measure_id"] == "drug_seizure_amount"]
    assert not kg["value_note"].str.contains("Suppressed").any()


def test_report_keeps_published_small_numbers(portsmouth):
    s = portsmouth.context.series
    ons = s[s["measure_id"] == "deaths_drug_misuse"]
    assert not ons["value_note"].str.contains("Suppressed").any()


def test_supplementary_episode_rows_are_suppressed(portsmouth):
    rep = portsmouth.supplementary("episodes_representations")
    assert not rep.empty
    assert not disclosure.small(rep["count"]).any()
