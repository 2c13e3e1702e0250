"""Synthetic episodes: deterministic, valid, labelled, and plausible for Portsmouth."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import pytest

from cdp_analysis import tidy
from cdp_analysis.demo import episodes as demo
from cdp_analysis.sources import episodes as ep

TODAY = date(2026, 11, 30)


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=True).to_numpy()).hexdigest()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return demo.write_demo_episodes(tmp_path_factory.mktemp("demo") / "episodes_demo.csv")


@pytest.fixture(scope="module")
def table(demo_file):
    return ep.derive_indicators(ep.load_episodes(demo_file, today=TODAY))


def _series(table, indicator, category="", age=None):
    m = (table["indicator_id"] == indicator) & (table["category"] == category)
    if age is not None:
        m &= table["age"] == age
    return table[m].set_index("period_label")


def test_same_output_every_call(tmp_path):
    assert _digest(demo.generate_episodes()) == _digest(demo.generate_episodes())
    a = demo.write_demo_episodes(tmp_path / "a.csv", seed=5, n_clients=500)
    b = demo.write_demo_episodes(tmp_path / "b.csv", seed=5, n_clients=500)
    assert a.read_bytes() == b.read_bytes()
    assert _digest(demo.generate_episodes(seed=6)) != _digest(demo.generate_episodes(seed=5))


def test_written_file_is_valid_and_labelled_synthetic(demo_file, table):
    episodes = ep.load_episodes(demo_file, today=TODAY)
    assert episodes.attrs["synthetic"] is True
    assert (table["source"] == f"{tidy.SYNTHETIC}: local record-level episodes "
            "(episodes_demo.csv)").all()  # fmt: skip
    header = demo_file.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == [*ep.REQUIRED_COLUMNS, "notes", "synthetic"]
    # Notes are in the file but never reach the derived table.
    assert "never output" in demo_file.read_text(encoding="utf-8")
    assert not table.astype(str).apply(lambda c: c.str.contains("never output")).any().any()


def test_covers_the_requested_quarters(demo_file, table):
    raw = pd.read_csv(demo_file, dtype=str, keep_default_na=False)
    assert raw["start_date"].max() <= "2026-03-31"
    assert raw["exit_date"].replace("", "9999").min() >= "2017-07-01"
    # The default derivation range is exactly 2018/19 Q1 to 2025/26 Q4.
    labels = list(dict.fromkeys(table["period_label"]))
    assert labels[0] == "2018/19 Q1" and labels[-1] == "2025/26 Q4" and len(labels) == 32


def test_every_representation_starts_the_clients_next_episode(demo_file):
    df = ep.load_episodes(demo_file, today=TODAY)
    starts = set(zip(df["client_id"], df["start_date"], strict=True))
    rep = df[df["representation_date"].notna()]
    assert len(rep) > 500
    assert all(k in starts for k in zip(rep["client_id"], rep["representation_date"], strict=True))


def test_adult_volumes_and_mix_are_plausible(table):
    adults = _series(table, ep.ADULTS_IN_TREATMENT)["count"]
    year_ends = adults[adults.index.str.endswith("Q4")]
    assert year_ends.between(1600, 2000).all(), year_ends
    opiate = _series(table, ep.ADULTS_IN_TREATMENT, "Substance: opiate")["count"]
    share = (opiate / adults)[year_ends.index]
    assert share.between(0.38, 0.52).all(), share


@pytest.mark.parametrize(
    ("category", "low", "high"),
    [
        ("Substance: opiate", 3, 8),  # England ~5%
        ("Substance: non-opiate only", 28, 40),  # ~34%
        ("Substance: alcohol only", 29, 41),  # ~35%
        ("Substance: non-opiate and alcohol", 24, 36),  # ~30%
    ],
)
def test_completion_proportions_are_near_england(table, category, low, high):
    c = _series(table, ep.COMPLETIONS, category)
    c = c[c.index.str.endswith("Q4")]
    pooled = 100 * c["count"].sum() / c["denominator"].sum()
    assert low <= pooled <= high, pooled


def test_young_people_more_than_double_by_2025_26(table):
    yp = _series(table, ep.YP_IN_TREATMENT)["count"]
    assert 20 <= yp["2022/23 Q4"] <= 40
    assert yp["2025/26 Q4"] > 2 * yp["2022/23 Q4"]
    # Not a steady climb: at least one quarter after the baseline falls back.
    after = yp.loc["2022/23 Q4":]
    assert (after.diff() < 0).any()


def test_young_peoples_referrals_come_mostly_from_the_plans_partners(demo_file):
    df = ep.load_episodes(demo_file, today=TODAY)
    young = df[df["age_at_start"] < 18]
    main = young["referral_source"].isin(["education", "youth_offending", "self", "social_care"])
    assert main.mean() >= 0.75
    assert not young["referral_source"].isin(["criminal_justice"]).any()


def test_n_clients_sets_the_size_and_areas_share_it():
    df = demo.generate_episodes(area_code=["E06000044", "E06000045"], n_clients=3000)
    assert 2500 <= df["client_id"].nunique() <= 3500
    assert set(df["area_code"]) == {"E06000044", "E06000045"}
    # One client, one area.
    assert (df.groupby("client_id")["area_code"].nunique() == 1).all()


def test_rejects_reversed_quarters():
    with pytest.raises(ValueError, match="before"):
        demo.generate_episodes(first_quarter="2025-26Q1", last_quarter="2024-25Q1")
