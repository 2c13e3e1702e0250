"""The plan's data classes (:class:`Measure`, :class:`Catalogue`, :class:`Target`,
:class:`Plan`) and the allowed keys and values of the two plan files.

The readers are :mod:`cdp_analysis.plan.measures_file` (``indicators.yaml``) and
:mod:`cdp_analysis.plan.targets_file` (``targets.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

INDICATORS_FILE = "indicators.yaml"
TARGETS_FILE = "targets.yaml"

UNITS = ("percent", "per_100k", "count", "kg")
POLARITIES = ("higher_is_better", "lower_is_better", "not_applicable")
METHODS = ("wilson", "byar", "dsr", "count")
SOURCES = ("fingertips", "ons", "local", "episodes")
FREQUENCIES = ("quarterly", "single_quarter", "annual", "three_year")
TARGET_TYPES = ("value", "multiple_of_baseline", "direction", "none")
COMPARISONS = ("more_than", "at_least", "less_than", "at_most")
DIRECTIONS = ("increase", "decrease")

#: Neutral names of the catalogue's three measure groups, for an area with no plan of its own
#: and for a new plan file (the catalogue's priority words are Portsmouth's plan's).
NEUTRAL_PRIORITIES = {
    1: "Drug supply and crime",
    2: "Treatment, recovery and drug-related deaths",
    3: "Young people",
}

#: Which methods suit which unit.
METHODS_FOR_UNIT = {
    "percent": ("wilson",),
    "per_100k": ("dsr",),
    "count": ("byar", "count"),
    "kg": ("count",),
}

MEASURE_REQUIRED = (
    "id",
    "name",
    "short_name",
    "priority",
    "objectives",
    "plan_measure",
    "unit",
    "polarity",
    "method",
    "source",
    "source_id",
    "frequency",
    "definition",
)
MEASURE_OPTIONAL = (
    "category", "age", "fingertips_id", "also_from", "count_12_months", "denominator_12_months",
)  # fmt: skip
#: Keys of one entry of a measure's ``also_from`` list (other sources of the same figures).
ALSO_FROM_KEYS = ("source", "source_id")
#: How a single-quarter measure's 12-month figure is made from its quarters' rows:
#: ``sum`` adds the four quarters (events: each quarter's events are new ones);
#: ``reported`` takes the last quarter's row, which reports the figure for the 12 months to
#: its end (people, counted once however many quarters they appear in). A proportion of the
#: people in treatment has a ``reported`` denominator: four quarterly treatment populations
#: added together would count most people four times.
TWELVE_MONTH_RULES = ("sum", "reported")
PLAN_REQUIRED = ("id", "name", "area_code", "start", "end", "baseline_period", "targets")
#: A plan may give its own priorities and objectives (its own words); when it does, its
#: targets' ``objective`` numbers refer to them instead of those of indicators.yaml.
PLAN_OPTIONAL = ("priorities", "objectives")
TARGET_COMMON = ("measure", "type", "reason")
TARGET_OPTIONAL = ("objective", "note", "baseline_value")
TARGET_TYPE_KEYS = {
    "value": ("value", "comparison"),
    "multiple_of_baseline": ("multiple", "comparison"),
    "direction": ("direction",),
    "none": (),
}

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_OBJECTIVE_RE = re.compile(r"^\d+\.\d+$")
_FY_RE = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True)
class Measure:
    """One measure of the plan (one entry of ``indicators.yaml``)."""

    id: str
    name: str
    short_name: str
    priority: int
    objectives: tuple[str, ...]
    plan_measure: str
    unit: str
    polarity: str
    method: str
    source: str
    source_id: str
    frequency: str
    definition: str
    category: str = ""
    age: str = ""
    fingertips_id: str | None = None
    #: Other sources of the same figures, as (source, source_id) pairs: e.g. the Fingertips
    #: export of 92432 beside the ONS workbook. Per period the newest publication wins
    #: (:mod:`cdp_analysis.indicator_table`).
    also_from: tuple[tuple[str, str], ...] = ()

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        """Every (source, source_id) the measure reads: its own first, then ``also_from``."""
        return ((self.source, self.source_id), *self.also_from)

    count_12_months: str = "sum"
    denominator_12_months: str = "sum"

    @property
    def is_proportion(self) -> bool:
        """True when the value is a percentage of a denominator."""
        return self.unit == "percent"


@dataclass(frozen=True)
class Catalogue:
    """The plan's priorities, objectives and measures, in file order."""

    priorities: dict[int, str]
    objectives: dict[str, str]
    measures: tuple[Measure, ...]
    path: Path | None = None
    #: The area whose plan the catalogue's priorities, objectives and ``plan_measure`` words
    #: are (``plan_area`` in indicators.yaml; None: not said, and they serve any plan).
    plan_area: str | None = None

    def words_for(self, plan: Any) -> bool:
        """True when the catalogue's priority, objective and plan-measure words are this
        plan's own: the plan is for the catalogue's ``plan_area`` (or none is said). Another
        partnership's plan that gives no words of its own gets neutral ones."""
        return plan is not None and (self.plan_area is None or plan.area_code == self.plan_area)

    def __iter__(self):
        return iter(self.measures)

    def __len__(self) -> int:
        return len(self.measures)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.measures]

    def get(self, measure_id: str) -> Measure:
        """The measure with this id; KeyError naming the known ids otherwise."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(f"no measure '{measure_id}' in the catalogue (known: {', '.join(self.ids)})")

    def by_source(self, source: str) -> list[Measure]:
        """Measures read from one source (``fingertips``, ``ons``, ``local``, ``episodes``)."""
        return [m for m in self.measures if m.source == source]

    def table(self) -> pd.DataFrame:
        """One row per measure (see :func:`indicators_table`)."""
        rows = []
        for m in self.measures:
            rows.append(
                {
                    "measure_id": m.id,
                    "name": m.name,
                    "short_name": m.short_name,
                    "priority": m.priority,
                    "priority_name": self.priorities.get(m.priority, ""),
                    "objectives": ", ".join(m.objectives),
                    "plan_measure": m.plan_measure,
                    "unit": m.unit,
                    "polarity": m.polarity,
                    "method": m.method,
                    "source": m.source,
                    "source_id": m.source_id,
                    "category": m.category,
                    "age": m.age,
                    "fingertips_id": m.fingertips_id or "",
                    "also_from": ", ".join(f"{s} {i}" for s, i in m.also_from),
                    "frequency": m.frequency,
                    "count_12_months": m.count_12_months,
                    "denominator_12_months": m.denominator_12_months,
                    "definition": m.definition,
                }
            )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Target:
    """What a plan says should happen to one measure by the plan's end date."""

    measure: str
    type: str
    reason: str
    objective: str | None = None
    note: str | None = None
    baseline_value: float | None = None
    value: float | None = None
    multiple: float | None = None
    comparison: str | None = None
    direction: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Plan:
    """One plan: its area, period, baseline year and one target per measure."""

    id: str
    name: str
    area_code: str
    start: date
    end: date
    baseline_period: str
    targets: tuple[Target, ...] = field(default_factory=tuple)
    priorities: dict[int, str] = field(default_factory=dict)
    objectives: dict[str, str] = field(default_factory=dict)

    def target_for(self, measure_id: str) -> Target:
        """The target for one measure; KeyError when the plan has none."""
        for t in self.targets:
            if t.measure == measure_id:
                return t
        raise KeyError(f"plan '{self.id}' has no target for measure '{measure_id}'")

    def table(self) -> pd.DataFrame:
        """One row per target."""
        cols = [
            "measure",
            "type",
            "value",
            "multiple",
            "comparison",
            "direction",
            "baseline_value",
            "reason",
            "objective",
            "note",
        ]
        df = pd.DataFrame([{c: getattr(t, c) for c in cols} for t in self.targets], columns=cols)
        df.insert(0, "plan_id", self.id)
        return df
