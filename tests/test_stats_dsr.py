"""Directly standardised rates with Dobson limits: published figures and behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.stats import ESP2013, StatsInputError, dsr, dsr_grouped

# PHEindicatormethods' test areas (typed in): events and populations in ESP2013's 19 bands.
BIG_COUNTS = [127, 25, 18, 21, 12, 27, 48, 27, 29, 32, 32, 34, 45, 65, 38, 68, 74, 82, 91]
SMALL_COUNTS = [12, 4, 3, 2, 3, 4, 8, 2, 2, 3, 4, 5, 6, 8, 5, 6, 5, 5, 4]
TINY_COUNTS = [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 2, 3]
POPS = [
    636,
    558,
    609,
    543,
    384,
    594,
    669,
    843,
    660,
    576,
    606,
    522,
    426,
    273,
    300,
    288,
    153,
    123,
    207,
]
# Published (dsr per 10,000): value, lower 95, upper 95, lower 99.8, upper 99.8
BIG = (
    1043.0247991469423,
    971.770906798568,
    1117.894091547925,
    932.3287880219904,
    1162.0595999522059,
)
SMALL = (
    110.3212025300104,
    87.7455767536709,
    136.70882227251795,
    76.36420357939879,
    153.00328948244763,
)


def test_esp2013_published_figures():
    assert len(ESP2013) == 19
    assert ESP2013.sum() == 100_000
    assert ESP2013.index[0] == "0-4" and ESP2013.index[-1] == "90+"
    assert list(ESP2013.iloc[:5]) == [5000, 5500, 5500, 5500, 6000]
    assert list(ESP2013.iloc[-5:]) == [5000, 4000, 2500, 1500, 1000]


@pytest.mark.parametrize(("counts", "expected"), [(BIG_COUNTS, BIG), (SMALL_COUNTS, SMALL)])
def test_published_dsr(counts, expected):
    res = dsr(counts, POPS, confidence=[0.95, 0.998], multiplier=10_000)
    value, lo95, up95 = res[0.95]
    _, lo998, up998 = res[0.998]
    np.testing.assert_allclose([value, lo95, up95, lo998, up998], expected, rtol=1e-9)
    single = dsr(counts, POPS, multiplier=10_000)
    assert single == res[0.95]
    assert all(isinstance(v, float) for v in single)


def test_per_100000_scales():
    value, lo, up = dsr(BIG_COUNTS, POPS)
    assert value == pytest.approx(10430.247991469423, rel=1e-9)
    assert lo == pytest.approx(9717.709067985681, rel=1e-9)


def test_fewer_than_ten_events_is_nan():
    assert sum(TINY_COUNTS) == 9
    assert all(np.isnan(v) for v in dsr(TINY_COUNTS, POPS))


def test_hand_worked_value():
    # two bands, equal weights: rates 1% and 3% -> DSR 2% -> 2,000 per 100,000
    value, lo, up = dsr([10, 60], [1000, 2000], standard=[1, 1])
    assert value == pytest.approx(2000.0)
    assert lo < value < up


def test_missing_count_gives_nan():
    counts = BIG_COUNTS.copy()
    counts[3] = np.nan
    assert all(np.isnan(v) for v in dsr(counts, POPS))


def test_two_dimensional_input():
    values, lows, ups = dsr(
        np.array([BIG_COUNTS, SMALL_COUNTS]), np.array([POPS, POPS]), multiplier=10_000
    )
    np.testing.assert_allclose(values, [BIG[0], SMALL[0]], rtol=1e-9)
    np.testing.assert_allclose(lows, [BIG[1], SMALL[1]], rtol=1e-9)


def test_single_event_per_person_matches_independent():
    freq = np.zeros((19, 3))
    freq[:, 0] = BIG_COUNTS
    assert dsr(BIG_COUNTS, POPS, frequencies=freq) == pytest.approx(dsr(BIG_COUNTS, POPS))


def test_repeat_events_widen_the_interval():
    freq = np.zeros((19, 2))
    counts = np.array(BIG_COUNTS, dtype=float)
    even = counts - counts % 2
    freq[:, 1] = even / 2  # pairs of events in the same person
    freq[:, 0] = counts - even
    _, lo, up = dsr(BIG_COUNTS, POPS, frequencies=freq)
    _, lo_i, up_i = dsr(BIG_COUNTS, POPS)
    assert lo < lo_i and up > up_i


def test_frequencies_must_add_up():
    freq = np.zeros((19, 2))
    with pytest.raises(StatsInputError, match="differs from the count"):
        dsr(BIG_COUNTS, POPS, frequencies=freq)


def _long(areas=("big", "small", "tiny")) -> pd.DataFrame:
    counts = {"big": BIG_COUNTS, "small": SMALL_COUNTS, "tiny": TINY_COUNTS}
    return pd.DataFrame(
        {
            "area": np.repeat(areas, 19),
            "age": list(ESP2013.index) * len(areas),
            "count": np.concatenate([counts[a] for a in areas]),
            "pop": POPS * len(areas),
        }
    )


def test_grouped_matches_published_and_single():
    out = dsr_grouped(_long(), "area", "count", "pop", confidence=[0.95, 0.998], multiplier=10_000)
    assert list(out.columns) == [
        "area",
        "total_count",
        "total_pop",
        "value",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
    ]
    big = out.set_index("area").loc["big"]
    np.testing.assert_allclose(
        big[["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]], BIG, rtol=1e-9
    )
    assert big["total_count"] == 895 and big["total_pop"] == 8970
    assert out.set_index("area").loc["tiny", ["value", "lower_95"]].isna().all()


def test_grouped_by_label_ignores_row_order():
    df = _long().sample(frac=1, random_state=3)
    by_label = dsr_grouped(df, "area", "count", "pop", age_col="age").set_index("area").sort_index()
    by_position = dsr_grouped(_long(), "area", "count", "pop").set_index("area").sort_index()
    pd.testing.assert_frame_equal(by_label, by_position)


def test_grouped_standard_column():
    df = _long().assign(std=lambda d: d["age"].map(ESP2013))
    a = dsr_grouped(df, "area", "count", "pop", standard="std")
    b = dsr_grouped(df, "area", "count", "pop")
    pd.testing.assert_frame_equal(a, b)


def test_grouped_missing_count_only_affects_its_group():
    df = _long()
    df.loc[3, "count"] = np.nan
    out = dsr_grouped(df, "area", "count", "pop").set_index("area")
    assert np.isnan(out.loc["big", "value"]) and np.isnan(out.loc["big", "total_count"])
    assert out.loc["small", "value"] == pytest.approx(SMALL[0] * 10)


def test_grouped_wrong_band_count_raises():
    df = _long().iloc[:-1]
    with pytest.raises(StatsInputError, match="exactly 19 age bands"):
        dsr_grouped(df, "area", "count", "pop")


def test_grouped_unknown_band_label_raises():
    df = _long()
    df.loc[0, "age"] = "0-5"
    with pytest.raises(StatsInputError, match="not in the standard"):
        dsr_grouped(df, "area", "count", "pop", age_col="age")


@pytest.mark.parametrize(
    ("col", "value", "text"), [("pop", 0, "population"), ("count", -1, "negative")]
)
def test_impossible_values_raise(col, value, text):
    df = _long()
    df.loc[5, col] = value
    with pytest.raises(StatsInputError, match=text):
        dsr_grouped(df, "area", "count", "pop")


def test_standard_length_must_match():
    with pytest.raises(StatsInputError, match="standard population of 3 bands"):
        dsr(BIG_COUNTS, POPS, standard=[1, 2, 3])


def test_missing_columns_named():
    with pytest.raises(StatsInputError, match="columns not found: deaths"):
        dsr_grouped(_long(), "area", "deaths", "pop")
