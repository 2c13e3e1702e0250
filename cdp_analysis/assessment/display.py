"""Numbers as readers see them: "38.2%", "7.7 per 100,000", "1,234", "3rd of 10"."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: Decimal places shown for each unit.
DECIMALS = {"percent": 1, "per_100k": 1, "count": 0, "kg": 1}

#: En dash between the ends of a range, as in published tables.
DASH = "\u2013"


def number(value: float, unit: str) -> str:
    """A number in its unit without the unit's words: ``1234`` -> ``"1,234"``."""
    if value is None or not np.isfinite(value):
        return ""
    places = DECIMALS.get(unit, 1)  # counts, and projected counts, as whole numbers
    return f"{value:,.{places}f}"


def value_text(value: float, unit: str) -> str:
    """A value with its unit: ``"38.2%"``, ``"7.7 per 100,000"``, ``"1,234"``, ``"2.5 kg"``."""
    text = number(value, unit)
    if not text:
        return ""
    return text + {"percent": "%", "per_100k": " per 100,000", "kg": " kg"}.get(unit, "")


def range_text(lower: float, upper: float, unit: str) -> str:
    """``"28.0%–34.5%"``, ``"5.6–10.3 per 100,000"``; empty when either end is missing."""
    lo, hi = number(lower, unit), number(upper, unit)
    if not lo or not hi:
        return ""
    if unit == "percent":
        return f"{lo}%{DASH}{hi}%"
    return f"{lo}{DASH}{value_text(upper, unit)}"


def values_text(values: pd.Series, units: pd.Series) -> pd.Series:
    """:func:`value_text` over aligned Series of values and units."""
    return pd.Series(
        [value_text(v, u) for v, u in zip(values, units, strict=True)],
        index=values.index,
        dtype=object,
    )


def ordinal(n: int) -> str:
    """``1`` -> ``"1st"``, ``12`` -> ``"12th"``, ``23`` -> ``"23rd"``."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def month_year(d: date | pd.Timestamp) -> str:
    """``2026-03-31`` -> ``"March 2026"``."""
    return pd.Timestamp(d).strftime("%B %Y")


def p_text(p: float) -> str:
    """A p-value as published: ``"p < 0.001"`` or ``"p = 0.012"``."""
    if p is None or not np.isfinite(p):
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
