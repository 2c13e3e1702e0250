"""Every applicable published PHEindicatormethods test vector, checked to 1e-6 relative.

The vectors (GPL-3) live in ``shared/reference/phe-indicator-methods/`` beside the project
and are not copied into it: these tests read them when present and skip otherwise (CI).
Files and rows not applicable to this package are listed in NOT_APPLICABLE with reasons;
a test fails if the folder gains a file that is neither checked nor listed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import stats

REPO = Path(__file__).resolve().parents[1]
CANDIDATES = [
    REPO.parent / "shared" / "reference" / "phe-indicator-methods",
    Path("/work/shared/reference/phe-indicator-methods"),
]
REF = next((p for p in CANDIDATES if p.is_dir()), None)
pytestmark = pytest.mark.skipif(
    REF is None, reason="shared/reference (PHEindicatormethods vectors) not present"
)

RTOL = 1e-6

CHECKED = {
    "phe_indmethods_byars_wilson_limits.csv",
    "phe_indmethods_proportion.csv",
    "phe_indmethods_proportion_grouped.csv",
    "phe_indmethods_rate.csv",
    "phe_indmethods_rate_grouped.csv",
    "phe_indmethods_esp2013.csv",
    "phe_indmethods_dsr_expected.csv",
    "phe_indmethods_dsr_input_multiarea.csv",
    "phe_indmethods_dsr_input_esp1976.csv",
    "phe_indmethods_dsr_input_nonindependent.csv",
    "phe_indmethods_isr_expected.csv",
    "phe_indmethods_funnel_prop_inputs.csv",
    "phe_indmethods_funnel_prop_outputs.csv",
    "phe_indmethods_funnel_prop_outputs_with_axis_variation.csv",
    "phe_indmethods_funnel_ratio_inputs.csv",
    "phe_indmethods_funnel_ratio_outputs.csv",
    "phe_indmethods_funnel_rate_input_funnels.csv",
    "phe_indmethods_funnel_rate_outputs.csv",
    "phe_indmethods_funnel_rate_outputs_2.csv",
    "phe_indmethods_funnel_rate_outputs_3.csv",
    "phe_indmethods_funnel_rate_dsr_inputs.csv",
    "phe_indmethods_trend_markers_prop_trends.csv",
    "phe_indmethods_trend_markers_prop_grouped.csv",
    "phe_indmethods_trend_markers_other_trends.csv",
    "phe_indmethods_trend_markers_other_grouped.csv",
    "phe_indmethods_trend_markers_other_6.csv",
}
NOT_APPLICABLE = {
    # Inputs for the slope index of inequality (no event counts): no SII function here.
    "phe_indmethods_DSR_testdata.csv": "SII test data, not a DSR check",
    # Inputs of the ISR function (age-specific reference rates): this package has no ISR
    # function; the ISR outputs' Byar/exact limits are checked in test_isr_limits.
    "phe_indmethods_isr_input_multiarea.csv": "ISR inputs; no ISR function",
    "phe_indmethods_isr_input_zero_population_err2.csv": "ISR error case; no ISR function",
    "phe_indmethods_isr_refdata.csv": "ISR reference rates; no ISR function",
    # Student's t means: not a method of this package.
    "phe_indmethods_mean_input.csv": "means (Student's t); no means function",
    "phe_indmethods_mean_results.csv": "means (Student's t); no means function",
}


def read(name: str) -> pd.DataFrame:
    df = pd.read_csv(REF / name, encoding="utf-8-sig")  # two files begin with a BOM
    df.columns = [c.strip() for c in df.columns]  # one header holds a newline
    return df


def close(actual, expected, rtol: float = RTOL) -> None:
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0, equal_nan=True)


def test_every_file_is_checked_or_explained():
    files = {p.name for p in REF.glob("*.csv")}
    assert files - CHECKED - set(NOT_APPLICABLE) == set()


LEVEL = {"95%": 0.95, "99.8%": 0.998}


def test_byars_and_wilson_limits():
    df = read("phe_indmethods_byars_wilson_limits.csv")
    for (method, conf), rows in df.groupby(["method", "confidence"]):
        if method == "Byars":  # raw Byar's approximation at every count
            lo, up = stats.byar_ci(rows["x"], LEVEL[conf], exact_below=0)
        else:
            lo, up = stats.wilson_ci(rows["x"], rows["n"], LEVEL[conf])
        close(lo, rows["lowercl"])
        close(up, rows["uppercl"])
    assert len(df) == 13


@pytest.mark.parametrize(
    "name", ["phe_indmethods_proportion.csv", "phe_indmethods_proportion_grouped.csv"]
)
def test_proportions(name):
    df = read(name)
    m = df["multiplier"]
    if "lower95_0cl" in df:
        pairs = [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")]
    else:
        pairs = [(0.95, "lowercl", "uppercl")]
    for level, lcol, ucol in pairs:
        lo, up = stats.wilson_ci(df["Numerator"], df["Denominator"], level)
        close(lo * m, df[lcol])
        close(up * m, df[ucol])
    close(df["Numerator"] / df["Denominator"] * m, df["value"])


@pytest.mark.parametrize("name", ["phe_indmethods_rate.csv", "phe_indmethods_rate_grouped.csv"])
def test_rates(name):
    df = read(name)
    if "lower95_0cl" in df:
        pairs = [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")]
    else:
        pairs = [(0.95, "lowercl", "uppercl")]
    for level, lcol, ucol in pairs:
        lo, up = stats.rate_ci(
            df["Numerator"], df["Denominator"], level, multiplier=df["multiplier"]
        )
        close(lo, df[lcol])
        close(up, df[ucol])
    # method column: Exact below 10 events, Byars from 10
    has = df["Numerator"].notna()
    assert (
        df.loc[has, "method"] == np.where(df.loc[has, "Numerator"] < 10, "Exact", "Byars")
    ).all()


def test_esp2013():
    df = read("phe_indmethods_esp2013.csv")
    assert list(stats.ESP2013.index) == list(df["age_band"])
    close(stats.ESP2013.to_numpy(), df["esp2013_population"], rtol=0)


def _dsr_inputs() -> dict[str, pd.DataFrame]:
    multi = read("phe_indmethods_dsr_input_multiarea.csv")
    esp1976 = read("phe_indmethods_dsr_input_esp1976.csv")
    return {"multi": multi, "esp1976": esp1976}


def test_dsr_expected_rows():
    exp = read("phe_indmethods_dsr_expected.csv")
    data = _dsr_inputs()
    multi, e76 = data["multi"], data["esp1976"]
    nonind = read("phe_indmethods_dsr_input_nonindependent.csv")
    checked = 0
    for _, row in exp.iterrows():  # a dozen expected rows: a loop over test cases
        statistic = row["statistic"]  # "dsr per 10000", or "dsr NA for total count < 10"
        mult = int(statistic.split()[-1]) if statistic.startswith("dsr per") else 100_000
        area = row["area"]
        if area == "testdata_1976":
            res = stats.dsr(
                e76["count"],
                e76["pop"],
                standard=e76["esp1976"],
                confidence=[0.95, 0.998],
                multiplier=mult,
            )
        elif area.startswith("testdata_nonind"):
            g = nonind[nonind["area"] == area]
            freq = g[["f1", "f2", "f3", "f4"]].fillna(0).to_numpy()
            res = stats.dsr(
                g["count"], g["pop"], confidence=[0.95, 0.998], multiplier=mult, frequencies=freq
            )
        else:
            g = multi[multi["area"] == area]
            res = stats.dsr(g["count"], g["pop"], confidence=[0.95, 0.998], multiplier=mult)
        value, lo95, up95 = res[0.95]
        _, lo998, up998 = res[0.998]
        close(value, row["value"])
        close(lo95, row["lower95_0cl"])
        close(up95, row["upper95_0cl"])
        if area != "testdata_1976":  # its published 99.8% limits are known to be wrong
            close(lo998, row["lower99_8cl"])
            close(up998, row["upper99_8cl"])
        checked += 1
    assert checked == len(exp) == 12


def test_dsr_grouped_matches_expected():
    exp = read("phe_indmethods_dsr_expected.csv")
    multi = _dsr_inputs()["multi"].copy()
    # PHEindicatormethods reads a missing count as 0; this package refuses to guess, so
    # the one missing count (testdata_tiny, total 9 either way) is filled explicitly.
    multi["count"] = multi["count"].fillna(0)
    out = stats.dsr_grouped(
        multi, "area", "count", "pop", confidence=[0.95, 0.998], multiplier=10_000
    )
    e = exp[
        exp["statistic"].isin(["dsr per 10000", "dsr NA for total count < 10"])
    ].drop_duplicates("area")
    e = e[e["area"].isin(out["area"])].set_index("area").loc[out["area"]]
    close(out["total_count"], e["total_count"], rtol=0)
    close(out["total_pop"], e["total_pop"], rtol=0)
    for col, ref in [
        ("value", "value"),
        ("lower_95", "lower95_0cl"),
        ("upper_95", "upper95_0cl"),
        ("lower_99_8", "lower99_8cl"),
        ("upper_99_8", "upper99_8cl"),
    ]:
        close(out[col], e[ref])

    nonind = read("phe_indmethods_dsr_input_nonindependent.csv")
    out = stats.dsr_grouped(
        nonind,
        "area",
        "count",
        "pop",
        confidence=[0.95, 0.998],
        frequency_cols=["f1", "f2", "f3", "f4"],
    )
    e = exp[exp["area"].str.startswith("testdata_nonind")].set_index("area").loc[out["area"]]
    for col, ref in [
        ("value", "value"),
        ("lower_95", "lower95_0cl"),
        ("upper_95", "upper95_0cl"),
        ("lower_99_8", "lower99_8cl"),
        ("upper_99_8", "upper99_8cl"),
    ]:
        close(out[col], e[ref])


def test_isr_limits():
    """ISR = O/E x reference rate; its limits are the Byar/exact limits of O scaled the same."""
    df = read("phe_indmethods_isr_expected.csv")
    # rates: x ref_rate; ratios: x 1 or x 100 (from the statistic's wording)
    times = np.where(df["statistic"].str.endswith("x 100"), 100.0, 1.0)
    scale = df["ref_rate"].fillna(pd.Series(times, index=df.index)) / df["expected"]
    for level, lcol, ucol in [
        (0.95, "lower95_0cl", "upper95_0cl"),
        (0.998, "lower99_8cl", "upper99_8cl"),
    ]:
        lo, up = stats.byar_ci(df["observed"], level)
        given = df[lcol].notna()  # the last rows were published at 95% only
        close((lo * scale)[given], df.loc[given, lcol])
        close((up * scale)[given], df.loc[given, ucol])
    close(df["observed"] * scale, df["value"])
    assert (df["method"] == np.where(df["observed"] < 10, "Exact", "Byars")).all()


def test_funnel_proportion_limits():
    inputs = read("phe_indmethods_funnel_prop_inputs.csv")
    cols = [
        "Population",
        "Lower2s0025limit",
        "Upper2s0025limit",
        "Lower3s0001limit",
        "Upper3s0001limit",
        "Baseline",
    ]
    mine = ["denominator", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "baseline"]
    for name, rows in [
        ("phe_indmethods_funnel_prop_outputs.csv", inputs),
        (
            "phe_indmethods_funnel_prop_outputs_with_axis_variation.csv",
            inputs[inputs["denominator"] < 31000],
        ),
    ]:
        exp = read(name)
        out = stats.funnel_limits_proportion(rows["numerator"], rows["denominator"], multiplier=100)
        assert len(out) == len(exp) == 100
        # published to 6 decimal places in the first file: allow its rounding
        np.testing.assert_allclose(out[mine].to_numpy(), exp[cols].to_numpy(), rtol=RTOL, atol=5e-7)


def test_funnel_proportion_significance():
    df = read("phe_indmethods_funnel_prop_inputs.csv")
    labels = stats.funnel_significance(df["numerator"], df["denominator"], "proportion")
    assert (labels.map(stats.PHE_LABELS) == df["significance"]).all()


RATIO_COLS = {
    "observed": "Observed_events",
    "lower_95_expected": "lower_2s_exp_events",
    "upper_95_expected": "upper_2s_exp_events",
    "lower_99_8_expected": "lower_3s_exp_events",
    "upper_99_8_expected": "upper_3s_exp_events",
}


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_funnel_ratio_limits(ratio_type):
    inputs = read("phe_indmethods_funnel_ratio_inputs.csv")
    exp = read("phe_indmethods_funnel_ratio_outputs.csv")
    out = stats.funnel_limits_ratio(inputs["obs"], inputs["expected"], ratio_type=ratio_type)
    assert len(out) == len(exp) == 100
    for mine, ref in RATIO_COLS.items():
        close(out[mine], exp[ref])
    for s, r in [("95", "2s"), ("99_8", "3s")]:
        close(out[f"lower_{s}"], exp[f"lower_{r}_{ratio_type}"])
        close(out[f"upper_{s}"], exp[f"upper_{r}_{ratio_type}"])


def test_funnel_ratio_significance():
    df = read("phe_indmethods_funnel_ratio_inputs.csv")
    labels = stats.funnel_significance(df["obs"], df["expected"], "ratio")
    assert (labels.map(stats.PHE_LABELS) == df["significance"]).all()


RATE_COLS = {
    "events": "Events",
    "lower_95_population_1_year": "lower_2s_population_1_year",
    "lower_95": "lower_2s_limit",
    "upper_95_population_1_year": "upper_2s_population_1_year",
    "upper_95": "upper_2s_limit",
    "lower_99_8_population_1_year": "lower_3s_population_1_year",
    "lower_99_8": "lower_3s_limit",
    "upper_99_8_population_1_year": "upper_3s_population_1_year",
    "upper_99_8": "upper_3s_limit",
    "baseline": "baseline",
}


def _rate_cases():
    fi = read("phe_indmethods_funnel_rate_input_funnels.csv")
    yield (
        "phe_indmethods_funnel_rate_outputs.csv",
        dict(counts=fi["ev"], rates=fi["rate"], rate_type="dsr"),
    )
    five = fi["ev"].where(fi["ev"] != fi["ev"].max(), 5)  # as PHE's test: largest count set to 5
    yield (
        "phe_indmethods_funnel_rate_outputs_2.csv",
        dict(counts=five, rates=fi["rate"], rate_type="crude"),
    )
    d = fi[["ev", "rate"]].copy()
    d["pop"] = 1e5 * d["ev"] / d["rate"]
    top = d["ev"] == d["ev"].max()
    d.loc[top, ["ev", "rate"]] = 0
    d = d[d["pop"] > d["pop"].max() / 2]
    yield (
        "phe_indmethods_funnel_rate_outputs_3.csv",
        dict(counts=d["ev"], rates=d["rate"], denominators=d["pop"], rate_type="crude"),
    )


@pytest.mark.parametrize("case", list(range(3)))
def test_funnel_rate_limits(case):
    name, kwargs = list(_rate_cases())[case]
    exp = read(name)
    out = stats.funnel_limits_rate(multiplier=1e5, years_of_data=3, **kwargs)
    assert len(out) == len(exp) == 100
    for mine, ref in RATE_COLS.items():
        close(out[mine], exp[ref])


def test_funnel_rate_points():
    fi = read("phe_indmethods_funnel_rate_input_funnels.csv")
    five = fi["ev"].where(fi["ev"] != fi["ev"].max(), 5)
    rate, pop = stats.funnel_points_rate(
        five, fi["rate"], multiplier=1e5, years_of_data=3, rate_type="dsr"
    )
    close(rate, fi["rate_chart"])
    close(pop, fi["denominator_derived"])
    rate, pop = stats.funnel_points_rate(
        fi["ev"], fi["rate"], multiplier=1e5, years_of_data=3, rate_type="crude"
    )
    close(rate, fi["rate_chart_crude"])
    close(pop, fi["denominator_derived_crude"])
    zero = fi["ev"].where(fi["ev"] != fi["ev"].max(), 0)
    rate, pop = stats.funnel_points_rate(
        zero, fi["rate"], denominators=fi["pop"], multiplier=1e5, years_of_data=5, rate_type="crude"
    )
    close(rate, fi["rate_chart_crude_with_denom"])
    close(pop, fi["denominator_derived_crude_with_denom"])


@pytest.mark.parametrize(
    ("column", "rate", "rate_type", "multiplier"),
    [
        ("dsr_per_100000", "rate_dsr", "dsr", 1e5),
        ("dsr_per_100", "rate_dsr", "dsr", 100),
        ("crude_per_100000", "rate_crude_per_100000", "crude", 1e5),
        ("crude_per_100", "rate_crude_per_100", "crude", 100),
    ],
)
def test_funnel_rate_significance(column, rate, rate_type, multiplier):
    df = read("phe_indmethods_funnel_rate_dsr_inputs.csv")
    for rows, suffix in [(df, "_with_0"), (df[df["count"] != 0], "_without_0")]:
        labels = stats.funnel_significance(
            rows["count"],
            rows["pop"],
            "rate",
            rates=rows[rate],
            rate_type=rate_type,
            multiplier=multiplier,
        )
        assert (labels.map(stats.PHE_LABELS) == rows[column + suffix]).all(), column + suffix


def _check_trend(out: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Compare markers, reasons and (4 d.p.) statistic and gradient with the last row of each group."""
    assert list(out["recent_trend"]) == list(expected["recent_trend"])
    assert list(out["recent_trend_reason"]) == list(expected["recent_trend_reason"])
    np.testing.assert_array_equal(
        out["statistic"].round(4).to_numpy(), expected["Significance"].to_numpy()
    )
    np.testing.assert_array_equal(
        out["gradient"].round(4).to_numpy(), expected["Gradient"].to_numpy()
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("phe_indmethods_trend_markers_prop_trends.csv", "proportion"),
        ("phe_indmethods_trend_markers_other_trends.csv", "other"),
        ("phe_indmethods_trend_markers_other_6.csv", "other"),
    ],
)
def test_trend_single_series(name, kind):
    df = read(name).assign(series=1)
    cols = (
        dict(count_col="Count", denominator_col="denominator")
        if kind == "proportion"
        else dict(value_col="Value", lower_col="LL", upper_col="UL")
    )
    out = stats.recent_trend_grouped(df, "series", "Year", kind=kind, **cols)
    _check_trend(out, df.dropna(subset=["recent_trend"]))


def test_trend_other_grouped():
    df = read("phe_indmethods_trend_markers_other_grouped.csv")
    out = stats.recent_trend_grouped(
        df, "Ethnicity", "Year", kind="other", value_col="Value", lower_col="LL", upper_col="UL"
    )
    _check_trend(out, df.dropna(subset=["recent_trend"]))


IMPOSSIBLE_GROUPS = [
    "Black, Black British, Caribbean or African",
    "Mixed or multiple ethnic groups",
]


def test_trend_proportion_grouped():
    df = read("phe_indmethods_trend_markers_prop_grouped.csv")
    cols = dict(kind="proportion", count_col="Count", denominator_col="denominator")
    # Two groups hold counts above their denominators (e.g. 122 of 95.3): impossible for a
    # proportion, so this package refuses the table (PHE returns "Missing values" for
    # them because each also has a missing value). Their published marker is still
    # "Cannot be calculated"; the other groups are checked against the published figures.
    with pytest.raises(stats.StatsInputError, match="above the denominator"):
        stats.recent_trend_grouped(df, "Ethnicity", "Year", **cols)
    bad = df[df["Ethnicity"].isin(IMPOSSIBLE_GROUPS)].dropna(subset=["recent_trend"])
    assert set(bad["recent_trend"]) == {"Cannot be calculated"}
    ok = df[~df["Ethnicity"].isin(IMPOSSIBLE_GROUPS)]
    out = stats.recent_trend_grouped(ok, "Ethnicity", "Year", **cols)
    _check_trend(out, ok.dropna(subset=["recent_trend"]))
