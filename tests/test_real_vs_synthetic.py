"""No real figure is compared, ranked, funnelled or spined among synthetic ones (nor the
reverse): a walk over every comparison of the bundled Portsmouth pack, at the latest quarter
and at 2018/19 Q3 (where the real January 2020 Fingertips snapshot of non-opiate completions
for 2018 sits among synthetic demo figures for 117 other authorities)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdp_analysis.assessment.benchmarks import NO_REAL_PEERS
from cdp_analysis.pages import sections
from cdp_analysis.pages.report_data import load_report
from cdp_analysis.tidy import ENGLAND_CODE, UTLA

COMPARED = {"Better", "Worse", "Similar", "Higher", "Lower"}


@pytest.fixture(scope="module", params=["latest", "2018-19Q3"])
def report(request):
    return load_report("E06000044", request.param)


def _kind(rows: pd.DataFrame) -> set[bool]:
    return set(rows["synthetic"].astype(bool))


def test_every_comparison_uses_figures_of_the_same_kind(report):
    a = report.assessment
    series = report.context.series
    latest = a.latest.set_index("measure_id")
    checked = 0
    for mid in latest.index:
        row = latest.loc[mid]
        if pd.isna(row["value"]):
            continue
        mine = bool(row["synthetic"])
        period = (
            (series["measure_id"] == mid)
            & (series["period_end"] == row["period_end"])
            & (series["period_start"] == row["period_start"])
        )
        pool = series[period & series["value"].notna()]
        # England
        eng = a.england.set_index("measure_id").loc[mid]
        if eng["vs_england"] in COMPARED:
            assert bool(eng["england_synthetic"]) == mine, mid
            checked += 1
        # national rank
        nat = a.national_ranks.set_index("measure_id").loc[mid]
        if np.isfinite(nat["rank"]):
            same = pool[pool["area_code"].isin(report.context.utla_codes)]
            assert nat["n"] == (same["synthetic"].astype(bool) == mine).sum(), mid
            checked += 1
        # comparators
        comp = a.comparators.set_index("measure_id").loc[mid]
        if np.isfinite(comp["comparator_rank"]):
            peers = pool[pool["area_code"].isin(report.comparators)]
            assert comp["comparator_n"] - 1 == (peers["synthetic"].astype(bool) == mine).sum()
            checked += 1
        # charts: comparator bars, funnel and spine take only same-kind rows
        shown = sections.same_kind_rows(report, mid)
        assert _kind(shown) <= {mine}, mid
        fig = sections.funnel_figure(report, mid)
        if fig is not None:
            checked += 1
    assert checked > 0


def test_real_snapshot_is_ranked_only_among_real_areas():
    r = load_report("E06000044", "2018-19Q3")
    row = r.assessment.latest.set_index("measure_id").loc["completions_non_opiate"]
    assert not bool(row["synthetic"])  # the latest figure is the real snapshot
    nat = r.assessment.national_ranks.set_index("measure_id").loc["completions_non_opiate"]
    # the snapshot covers 35 upper-tier LAs (Portsmouth among them), not 152
    assert nat["n"] <= 35
    utla_real = r.context.series[
        (r.context.series["measure_id"] == "completions_non_opiate")
        & (r.context.series["period_label"] == row["period_label"])
        & r.context.series["area_code"].isin(r.context.utla_codes)
        & ~r.context.series["synthetic"].astype(bool)
    ]
    assert nat["n"] == utla_real["value"].notna().sum()


def test_no_real_peers_message():
    assert NO_REAL_PEERS == "No comparison: the other areas' figures are demo data"
    assert ENGLAND_CODE and UTLA
