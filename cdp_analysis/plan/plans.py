"""Each partnership's own plan: which plan (if any) an area's pack is judged against.

Where plans come from, for an area with code ``CODE``:

- the plans file given to the run (``--plan FILE``; default ``DATA/targets.yaml``, which holds
  Portsmouth's *Substance Misuse Plan for Portsmouth 2023-2026*), and
- the area's own plan file ``DATA/plans/CODE.yaml`` when it exists (``cdp-analysis plan new
  --area CODE`` writes one to fill in).

Only plans whose ``area_code`` is the area's are ever applied: another partnership's targets
are never used for an area. An area with no plan of its own is reported against the
*national frame*: England, its region, the recent trend and the national ambitions stated as
numbers (:data:`NATIONAL_AMBITIONS`), and its pages say so in one sentence
(:data:`NO_PLAN_SENTENCE`).

Public API: :func:`area_plan_file`, :func:`plans_for_area`, :func:`choose_plan`,
:func:`objectives_without_measure`, :data:`NO_PLAN_SENTENCE`, :data:`NATIONAL_AMBITIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..periods import Quarter
from .catalogue import Catalogue, Plan, load_targets

PLANS_DIR = "plans"

#: The sentence at the top of every page of a pack with no local plan.
NO_PLAN_SENTENCE = (
    "No local plan was given: measures are compared with England and over time, not with "
    "local targets"
)


@dataclass(frozen=True)
class NationalAmbition:
    """A national ambition stated as a number that one area's measure can be judged by."""

    measure: str
    value: float
    comparison: str
    words: str
    source: str


#: National ambitions stated as numbers for a single area's measure. Empty on purpose: the
#: National Combating Drugs Outcomes Framework (Home Office and DHSC, 2022; supporting
#: metrics and technical guidance, May 2023) sets outcomes and metrics, and *From Harm to
#: Hope* (2021) states national totals (e.g. 54,500 new treatment places, nearly 1,000 deaths
#: prevented, over 2,000 county lines closed), but no number we could confirm from the
#: published text applies to one area's value of a measure in this pack. Add an entry only
#: with the document and page that state it.
NATIONAL_AMBITIONS: tuple[NationalAmbition, ...] = ()

#: What pages say about national ambitions when none is confirmed.
NO_AMBITIONS_SENTENCE = (
    "The National Combating Drugs Outcomes Framework sets national outcomes and metrics; "
    "its ambitions are national totals, and none is stated as a number for a single area, "
    "so no measure here is rated against one."
)


def area_plan_file(area_code: str, data_dir: str | Path) -> Path:
    """``DATA/plans/<area_code>.yaml``: where an area's own plan lives (it may not exist)."""
    return Path(data_dir) / PLANS_DIR / f"{area_code}.yaml"


def plans_for_area(
    area_code: str, plans: list[Plan], data_dir: str | Path, catalogue: Catalogue
) -> list[Plan]:
    """The area's plans: those of ``plans`` (the run's plans file) written for the area,
    then those of the area's own plan file when it exists (read and validated here)."""
    mine = [p for p in plans if p.area_code == area_code]
    own = area_plan_file(area_code, data_dir)
    if own.is_file():
        seen = {p.id for p in mine}
        mine += [
            p for p in load_targets(own, catalogue) if p.area_code == area_code and p.id not in seen
        ]
    return mine


def choose_plan(plans: list[Plan], area_code: str, quarter: Quarter) -> Plan | None:
    """The area's plan for the reporting quarter, or None when the area has none.

    Among the plans written for the area (``area_code``; other areas' plans are never
    used), the one whose period holds the quarter's end; else the latest that started by
    then; else the earliest."""
    mine = [p for p in plans if p.area_code == area_code]
    if not mine:
        return None
    end = quarter.end
    covering = [p for p in mine if p.start <= end <= p.end]
    if covering:
        return covering[0]
    started = [p for p in mine if p.start <= end]
    if started:
        return max(started, key=lambda p: p.start)
    return min(mine, key=lambda p: p.start)


def plan_objectives(plan: Plan, catalogue: Catalogue) -> dict[str, str]:
    """The plan's objectives: its own when it lists them, else the catalogue's when they are
    this plan's (``Catalogue.words_for``: the catalogue's ``plan_area``), else none."""
    if plan.objectives:
        return dict(plan.objectives)
    return dict(catalogue.objectives) if catalogue.words_for(plan) else {}


def objectives_without_measure(plan: Plan, catalogue: Catalogue) -> list[tuple[str, str]]:
    """(number, text) of each objective of the plan that no measure evidences.

    A measure evidences an objective when one of the plan's targets for it names the
    objective (``objective:``) or, for a plan that uses the catalogue's objectives, when
    the measure lists the objective in ``indicators.yaml`` (``objectives:``)."""
    objectives = plan_objectives(plan, catalogue)
    covered = {t.objective for t in plan.targets if t.objective}
    if not plan.objectives:
        for m in catalogue.measures:
            covered.update(m.objectives)
    return [(k, v) for k, v in objectives.items() if k not in covered]
