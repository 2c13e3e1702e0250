"""The synthetic demo data generator and the committed demo files in data/demo/."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import areas
from cdp_analysis.commands import demo_data as command
from cdp_analysis.demo.generate import generate
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.plan.catalogue import load_indicators
from cdp_analysis.sources.local_measures import read_local_measures

DEMO = PROJECT_ROOT / "data" / "demo"
FINGERTIPS = "fingertips_completions_demo.csv"
LOCAL = "local_measures_E06000044_demo.csv"
EPISODES = "episodes_E06000044_demo.csv"
#: The real Fingertips export kept as a format fixture (copied unchanged from shared data).
REFERENCE_EXPORT = (
    Path(__file__).resolve().parent / "fixtures" / "fingertips" / "indicator-93495-all-areas.csv"
)

# The 27 columns of a Fingertips "all data" export, typed in from a real export.
FINGERTIPS_COLUMNS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Column not used", "Time period Sortable",
    "New data", "Compared to goal", "Time period range",
]  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_a")
    generate(out)
    return out


@pytest.fixture(scope="module")
def fingertips(generated) -> pd.DataFrame:
    return pd.read_csv(
        generated / FINGERTIPS, dtype={"Indicator ID": str}, keep_default_na=False, na_values=[""]
    )


@pytest.fixture(scope="module")
def local(generated) -> pd.DataFrame:
    return pd.read_csv(generated / LOCAL, dtype=str, keep_default_na=False)


def test_byte_identical_on_every_run(generated, tmp_path):
    written = generate(tmp_path)
    assert {p.name for p in written} >= {FINGERTIPS, LOCAL}
    for path in written:
        assert path.read_bytes() == (generated / path.name).read_bytes(), path.name


def test_committed_files_are_the_generators_output(generated):
    for path in sorted(generated.iterdir()):
        committed = DEMO / path.name
        assert committed.is_file(), f"run `cdp-analysis demo-data` and commit {committed}"
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale (a generator changed, or numpy's random streams did): "
            "run `cdp-analysis demo-data` and commit it"
        )


def test_command_writes_the_set(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    assert command.main(parser.parse_args(["--out", str(tmp_path)])) == 0
    assert (tmp_path / FINGERTIPS).is_file() and (tmp_path / LOCAL).is_file()
    assert "wrote" in capsys.readouterr().out


# ------------------------------------------------------------------------------ Fingertips


def test_fingertips_format(generated, fingertips):
    raw = (generated / FINGERTIPS).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfIndicator ID,")  # UTF-8 with a byte-order mark
    assert list(fingertips.columns) == FINGERTIPS_COLUMNS
    with open(REFERENCE_EXPORT, encoding="utf-8-sig") as fh:
        assert fh.readline().rstrip("\r\n").split(",") == FINGERTIPS_COLUMNS


def test_every_row_is_marked_synthetic(fingertips, local, generated):
    assert (fingertips["Value note"] == "Synthetic demo data").all()
    assert fingertips["Indicator Name"].str.endswith("(synthetic demo data)").all()
    assert (local["source"] == "synthetic demo data").all()
    episodes = generated / EPISODES
    if episodes.is_file():
        ep = pd.read_csv(episodes, dtype=str, keep_default_na=False)
        assert (ep["synthetic"] == "synthetic demo data").all()


def test_areas_indicators_and_periods(fingertips):
    assert set(fingertips["Indicator ID"]) == {"90244", "90245", "92447"}
    lookup = areas.lookup()
    assert fingertips["Area Code"].nunique() == 152 + 9 + 1
    # the demo covers the May 2022 authorities: none of the April 2023 codes
    created = set(areas.created_codes())
    assert set(fingertips["Area Code"]) == set(lookup["area_code"]) - created
    periods = fingertips["Time period"].unique()
    assert len(periods) == 32 and periods[0] == "2018/19 Q1" and periods[-1] == "2025/26 Q4"
    last = fingertips[fingertips["Time period"] == "2025/26 Q4"]
    assert (last["Time period Sortable"] == 20250400).all()
    assert (fingertips["Time period range"] == "12m").all()
    assert len(fingertips) == 3 * 162 * 32
    assert not fingertips.duplicated(["Indicator ID", "Area Code", "Time period"]).any()
    pompey = fingertips[fingertips["Area Code"] == "E06000044"].iloc[0]
    assert (pompey["Area Type"], pompey["Parent Code"], pompey["Parent Name"]) == (
        "UA",
        "E12000008",
        "South East region",
    )


def test_wilson_limits(fingertips):
    """Limits recomputed here with the Wilson score formula (z for 95% and 99.8%)."""
    x = fingertips["Count"].to_numpy(float)
    n = fingertips["Denominator"].to_numpy(float)
    assert (x <= n).all() and (n > 0).all()
    assert np.allclose(fingertips["Value"], 100 * x / n, atol=1e-6)
    for z, lo, hi in (
        (1.959963985, "Lower CI 95.0 limit", "Upper CI 95.0 limit"),
        (3.090232306, "Lower CI 99.8 limit", "Upper CI 99.8 limit"),
    ):
        centre = 2 * x + z * z
        half = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        assert np.allclose(fingertips[lo], 100 * (centre - half) / (2 * (n + z * z)), atol=2e-6)
        assert np.allclose(fingertips[hi], 100 * (centre + half) / (2 * (n + z * z)), atol=2e-6)


def test_regions_and_england_add_up(fingertips):
    lookup = areas.lookup().set_index("area_code")
    la = fingertips[fingertips["Area Type"].isin(["UA", "County"])].copy()
    assert la["Area Code"].nunique() == 152
    la["region"] = la["Area Code"].map(lookup["parent_code"])
    keys = ["Indicator ID", "Time period"]
    sums = la.groupby(["region", *keys])[["Count", "Denominator"]].sum()
    reg = fingertips[fingertips["Area Type"] == "Region"].set_index(["Area Code", *keys])
    reg.index.names = ["region", *keys]
    pd.testing.assert_frame_equal(
        reg[["Count", "Denominator"]].sort_index(), sums.sort_index(), check_dtype=False
    )
    eng = fingertips[fingertips["Area Code"] == "E92000001"].set_index(keys)
    pd.testing.assert_frame_equal(
        eng[["Count", "Denominator"]].sort_index(),
        la.groupby(keys)[["Count", "Denominator"]].sum().sort_index(),
        check_dtype=False,
    )


def test_levels_near_published_england(fingertips):
    eng = fingertips[fingertips["Area Code"] == "E92000001"]
    at = eng[eng["Time period"] == "2018/19 Q3"].set_index("Indicator ID")["Value"]
    assert 33.0 < at["90245"] < 35.5  # published England 2018: 34.4%
    assert 5.0 < at["90244"] < 7.0
    assert 34.5 < at["92447"] < 38.0


def test_portsmouth_story(fingertips):
    """Non-opiate and alcohol completions fall until 2022/23 (as the plan says), then recover."""
    p = fingertips[fingertips["Area Code"] == "E06000044"].set_index(
        ["Indicator ID", "Time period"]
    )
    for ind in ("90245", "92447"):
        start = p.loc[(ind, "2018/19 Q4"), "Value"]
        base = p.loc[(ind, "2022/23 Q4"), "Value"]
        latest = p.loc[(ind, "2025/26 Q4"), "Value"]
        assert base < start - 8 and latest > base + 5, ind
    # the non-opiate recovery is clear: the latest 95% interval lies above the baseline value
    latest_lower = p.loc[("90245", "2025/26 Q4"), "Lower CI 95.0 limit"]
    assert latest_lower > p.loc[("90245", "2022/23 Q4"), "Value"]


def test_fingertips_reader_accepts_it(generated):
    from cdp_analysis.sources.fingertips import read_fingertips_csv

    df = read_fingertips_csv(generated / FINGERTIPS)
    assert df["source"].str.startswith("synthetic demo data").all()
    assert len(df) == 3 * 162 * 32


# ------------------------------------------------------------------------------ local


def test_every_local_measure_is_present(local):
    cat = load_indicators()
    for m in cat.by_source("local"):
        rows = local[local["measure_id"] == m.source_id]
        n = 5 if m.frequency == "annual" else 20
        assert len(rows) == n, m.source_id
        assert rows["period_label"].iloc[0] in ("2021/22 Q1", "2021/22")
        assert rows["period_label"].iloc[-1] in ("2025/26 Q4", "2025/26")
        assert (rows["area_code"] == "E06000044").all()


def test_local_has_small_counts_for_disclosure_control(local):
    counts = pd.to_numeric(local["count"])
    small = local[(counts >= 1) & (counts <= 4)]
    assert small["measure_id"].nunique() >= 3 and len(small) >= 20


def test_local_file_validates(generated):
    df = read_local_measures(generated / LOCAL)
    assert len(df) == 16 * 20 + 5
    assert df["source"].str.startswith("synthetic demo data").all()
    rehab = df[df["indicator_id"] == "residential_rehab"]
    assert rehab["denominator"].notna().all() and rehab["lower_95"].notna().all()
