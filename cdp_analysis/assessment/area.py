"""Assess every measure of the plan for one area: :func:`assess_area`.

Work that is the same for every area (headline series and limits for all areas, England
comparison, ranks and funnel positions among all upper-tier LAs) is done once by
:func:`prepare` and can be shared: pass ``context=prepare(...)`` when assessing many areas
from one table. Everything else (comparators, trends, models, baseline, targets, RAG) is for
the one area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import areas
from ..errors import CdpError
from ..periods import Quarter
from . import baseline as bl
from . import benchmarks as bm
from . import latest as lt
from . import measures as ms
from . import rag
from . import series as sr
from . import targets as tg
from . import trends as tr


@dataclass
class NationalContext:
    """Tables for every area, computed once per table, catalogue and quarter."""

    measures: pd.DataFrame
    quarter: Quarter
    series: pd.DataFrame  # headline series of every area, limits filled
    latest: pd.DataFrame  # latest row of every measure and area
    england: pd.DataFrame  # every area's comparison with England
    national_ranks: pd.DataFrame  # rank among all upper-tier LAs
    funnel: pd.DataFrame  # funnel position among all upper-tier LAs
    utla_codes: list[str]
    _by_measure: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def measure_series(self, measure_id: str) -> pd.DataFrame:
        """Every area's rows of one measure in :attr:`series`, in the same order and with the
        same index as ``series[series["measure_id"] == measure_id]``. The series is split
        once: a report's pages ask for one measure's rows hundreds of times, and filtering
        the whole table each time was a sixth of a page's time (profiled). Shared: copy
        before changing it."""
        if not self._by_measure:
            self._by_measure.update(
                (key, part) for key, part in self.series.groupby("measure_id", sort=False)
            )
            self._by_measure[None] = self.series.iloc[0:0]
        return self._by_measure.get(measure_id, self._by_measure[None])


@dataclass
class Assessment:
    """Everything assessed for one area; ``summary`` is the RAG table (rag.SUMMARY_COLUMNS)."""

    area_code: str
    area_name: str
    quarter: Quarter
    plan_id: str
    comparator_codes: list[str]
    summary: pd.DataFrame
    latest: pd.DataFrame
    england: pd.DataFrame
    comparators: pd.DataFrame
    national_ranks: pd.DataFrame
    funnel: pd.DataFrame
    recent_trends: pd.DataFrame
    trend_models: pd.DataFrame
    projections: pd.DataFrame
    baseline: pd.DataFrame
    targets: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _quarter(quarter: Quarter | str) -> Quarter:
    if isinstance(quarter, Quarter):
        return quarter
    try:
        return Quarter.parse(str(quarter))
    except ValueError as err:
        raise CdpError(str(err)) from err


def prepare(
    table: pd.DataFrame,
    catalogue: Any,
    quarter: Quarter | str,
    data_dir: str | Path | None = None,
    disclose: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None,
) -> NationalContext:
    """The all-areas part of the assessment (see module docstring).

    ``disclose(series, measures)``, when given, is applied to the headline series before
    anything else is computed from it (the report passes
    :func:`cdp_analysis.disclosure.apply_to_series`), so every later table is built from
    figures that may be shown."""
    quarter = _quarter(quarter)
    measures = ms.measure_table(catalogue)
    series = lt.add_limits(sr.headline(table, measures), measures)
    if disclose is not None:
        series = disclose(series, measures)
    series = series[series["period_end"] <= pd.Timestamp(quarter.end)].reset_index(drop=True)
    latest = lt.latest_rows(series, quarter.end)
    utla = areas.upper_tier_codes(data_dir)
    return NationalContext(
        measures=measures,
        quarter=quarter,
        series=series,
        latest=latest,
        england=bm.england_comparison(latest, series, measures),
        national_ranks=bm.ranks(latest, series, measures, utla),
        funnel=bm.funnel_positions(latest, series, measures, utla),
        utla_codes=utla,
    )


def _tables(
    context: NationalContext,
    targets_plan: Any,
    codes: list[str],
    pairs: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """Every per-concern table for the areas ``codes`` (vectorised across them)."""
    measures = context.measures
    end = context.quarter.end
    plan = ms.plan_info(targets_plan)
    target_rows = ms.target_table(targets_plan)

    def mine(df: pd.DataFrame) -> pd.DataFrame:
        return df[df["area_code"].isin(codes)].reset_index(drop=True)

    series = mine(context.series)
    latest = mine(context.latest)
    england = mine(context.england)
    models = tr.trend_models(series, measures, end)
    baseline_rows = lt.latest_rows(series, plan["baseline_end"])
    projection_models = tr.projection_models(series, measures, end, baseline_rows, models)
    projections = tr.project(projection_models, plan["end"] or end)
    change = bl.change_since_baseline(baseline_rows, latest, measures)
    judged = tg.plan_end_rows(series, latest, plan["end"])
    judged_change = (
        change if judged is latest else bl.change_since_baseline(baseline_rows, judged, measures)
    )
    used = pd.concat(
        [series[["measure_id", "area_code", "synthetic"]],
         england[["measure_id", "area_code", "england_synthetic"]].rename(
             columns={"england_synthetic": "synthetic"})],
        ignore_index=True,
    )  # fmt: skip
    tables = {
        "latest": latest,
        "england": england,
        "comparators": bm.comparator_ranks(latest, context.series, measures, pairs),
        "national_ranks": mine(context.national_ranks),
        "funnel": mine(context.funnel),
        "recent_trends": tr.recent_trends(series, measures, end),
        "trend_models": models,
        "projections": projections,
        "baseline": change,
        "targets": tg.assess_targets(
            measures, target_rows, judged, judged_change, projections, plan, codes
        ),
        "synthetic": used.groupby(["measure_id", "area_code"], as_index=False)["synthetic"].any(),
    }
    tables["summary"] = rag.summary(
        measures, codes, latest, england, tables["comparators"], tables["national_ranks"],
        tables["funnel"], tables["recent_trends"], change, tables["targets"],
        tables["synthetic"],
    )  # fmt: skip
    return tables


def _pairs(codes: list[str], comparators, data_dir) -> pd.DataFrame:
    """(area_code, comparator_code) for every area assessed."""
    rows = [
        (code, other)
        for code in codes
        for other in areas.comparators(code, data_dir, comparators)
        if other != code
    ]
    return pd.DataFrame(rows, columns=["area_code", "comparator_code"])


def _context(table, catalogue, quarter, data_dir, context) -> NationalContext:
    if context is None:
        if table is None:
            raise CdpError("the assessment needs the tidy table (or a context from prepare())")
        return prepare(table, catalogue, quarter, data_dir)
    if context.quarter != quarter:
        raise CdpError(
            f"the shared context is for {context.quarter.label}, not {quarter.label}: "
            "call prepare() for this quarter"
        )
    return context


def assess_area(
    table: pd.DataFrame | None,
    catalogue: Any,
    targets_plan: Any,
    area_code: str,
    quarter: Quarter | str,
    comparators: list[str] | None = None,
    *,
    data_dir: str | Path | None = None,
    context: NationalContext | None = None,
) -> Assessment:
    """Assess every measure of ``catalogue`` for ``area_code`` at the reporting ``quarter``.

    Args:
        table: the tidy indicator table (``indicator_id`` = catalogue measure id), every area.
        catalogue: the catalogue (``cdp_analysis.plan.catalogue``) or a list of measure entries.
        targets_plan: one plan of ``data/targets.yaml`` (or None: every measure "no target").
        area_code: an area of ``data/lookups/areas.csv`` (any English upper-tier LA).
        quarter: reporting quarter (``Quarter`` or a label like ``2025-26Q4``).
        comparators: comparator area codes; default :func:`cdp_analysis.areas.comparators`
            (the other upper-tier LAs of the region).
        data_dir: the data folder holding ``lookups/`` (default: the bundled one).
        context: :func:`prepare` of the same table, catalogue and quarter, to share work
            across areas (``table`` and ``catalogue`` are then not read again).
    """
    quarter = _quarter(quarter)
    context = _context(table, catalogue, quarter, data_dir, context)
    me = areas.area(area_code, data_dir)
    comps = areas.comparators(area_code, data_dir, comparators)
    pairs = pd.DataFrame({"area_code": area_code, "comparator_code": comps})
    plan = ms.plan_info(targets_plan)
    notes = []
    plan_area = str(ms.get(targets_plan, "area_code", "")) if targets_plan is not None else ""
    if plan_area and plan_area != area_code:
        notes.append(
            f"The targets are those of {plan['plan_name'] or plan['plan_id']} for "
            f"{plan_area}, applied to {me['area_name']} ({area_code})."
        )
    history = areas.history_note(area_code, data_dir)
    if history:
        notes.append(history)
    t = _tables(context, targets_plan, [area_code], pairs)
    return Assessment(
        area_code=area_code,
        area_name=me["area_name"],
        quarter=quarter,
        plan_id=plan["plan_id"],
        comparator_codes=comps,
        summary=t["summary"].drop(columns="area_code"),
        latest=t["latest"],
        england=t["england"],
        comparators=t["comparators"],
        national_ranks=t["national_ranks"],
        funnel=t["funnel"],
        recent_trends=t["recent_trends"],
        trend_models=t["trend_models"],
        projections=t["projections"],
        baseline=t["baseline"],
        targets=t["targets"],
        notes=notes,
    )


def assess_areas(
    table: pd.DataFrame | None,
    catalogue: Any,
    targets_plan: Any,
    area_codes: list[str],
    quarter: Quarter | str,
    *,
    data_dir: str | Path | None = None,
    context: NationalContext | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`assess_area` for many areas at once (each with its default comparators).

    Returns the per-concern tables keyed by name (``summary``, ``latest``, ``england``,
    ``comparators``, ``national_ranks``, ``funnel``, ``recent_trends``, ``trend_models``,
    ``projections``, ``baseline``, ``targets``), each with an ``area_code`` column.
    """
    quarter = _quarter(quarter)
    context = _context(table, catalogue, quarter, data_dir, context)
    codes = list(dict.fromkeys(area_codes))
    known = set(areas.lookup(data_dir)["area_code"])
    for code in (c for c in codes if c not in known):
        areas.area(code, data_dir)  # raises, naming close matches
    return _tables(context, targets_plan, codes, _pairs(codes, None, data_dir))
