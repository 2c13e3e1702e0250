"""Measure metadata as the charts need it, and numbers written in the measure's unit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..disclosure import withheld_cell, withheld_label, withheld_reason

#: Axis label for each catalogue unit.
AXIS_LABELS = {
    "percent": "Percent (%)",
    "per_100k": "Rate per 100,000 population",
    "count": "Number",
    "kg": "Kilograms (kg)",
}

POLARITY_WORDS = {
    "higher_is_better": "Higher is better.",
    "lower_is_better": "Lower is better.",
    "not_applicable": "Neither higher nor lower is better.",
}


@dataclass(frozen=True)
class MeasureInfo:
    """What a chart needs to know about a measure (a subset of the catalogue's fields)."""

    id: str = ""
    name: str = ""
    short_name: str = ""
    unit: str = ""
    polarity: str = "not_applicable"

    @property
    def label(self) -> str:
        """Short name for titles, falling back to the full name or the id."""
        return self.short_name or self.name or self.id or "This measure"

    @property
    def axis_label(self) -> str:
        return AXIS_LABELS.get(self.unit, "Value")


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping | pd.Series):
        return obj.get(key)
    return getattr(obj, key, None)


def measure_info(measure: Any = None, data: pd.DataFrame | None = None) -> MeasureInfo:
    """Build :class:`MeasureInfo` from a catalogue entry (mapping, Series or object with
    ``id``, ``name``, ``short_name``, ``unit``, ``polarity``); missing fields fall back to the
    data's ``indicator_id``."""
    fields = {}
    for key in ("id", "name", "short_name", "unit", "polarity"):
        value = _get(measure, key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            fields[key] = str(value)
    if "id" not in fields and data is not None and "indicator_id" in data and len(data):
        fields["id"] = str(data["indicator_id"].iloc[0])
    return MeasureInfo(**fields)


def missing_words(note: object, period: str) -> tuple[str, str]:
    """(short, long) words for an area whose value a chart cannot show, from its
    ``value_note``: a value withheld for small numbers says so and why
    (:func:`cdp_analysis.disclosure.withheld_reason`), e.g. ``("value suppressed", "no value
    shown for 2025/26 Q4, as it was suppressed to protect confidentiality: ...")``; any other
    gap reads ``("no value for 2025/26 Q4", "no value for 2025/26 Q4")``."""
    why = withheld_reason(note)
    if not why:
        return f"no value for {period}", f"no value for {period}"
    return f"value {withheld_cell(note)}", f"no value shown for {period}, as it was {why}"


def missing_label(note: object) -> str:
    """How a list of areas without a value is headed: ``Suppressed (small numbers)``,
    ``Suppressed by the publisher (small numbers)``, ``Not calculated (...)``, or ``No value``."""
    return withheld_label(note) or "No value"


def format_value(value: float | None, unit: str) -> str:
    """``23.4%``, ``12.3 per 100,000``, ``1,234``, ``5.6 kg``; ``no value`` for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "no value"
    v = float(value)
    if unit == "percent":
        return f"{v:.1f}%"
    if unit == "per_100k":
        return f"{v:,.1f} per 100,000"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "kg":
        return f"{v:,.1f} kg"
    return f"{v:,.1f}" if v != round(v) else f"{v:,.0f}"


def format_interval(lower: float, upper: float, unit: str) -> str:
    """``(95% CI 20.1% to 25.3%)`` or an empty string when a limit is missing."""
    if pd.isna(lower) or pd.isna(upper):
        return ""
    return f" (95% confidence interval {format_value(lower, unit)} to {format_value(upper, unit)})"


def ordinal(n: int) -> str:
    """1 -> 1st, 2 -> 2nd, 11 -> 11th, 23 -> 23rd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
