"""The tidy indicator table: the one shape every source is turned into.

One row per indicator x area x period x breakdown, modelled on the Fingertips export.
Values are in the indicator's unit: percentages 0-100 for proportions, rates per the
indicator's multiplier (e.g. per 100,000) for rates, plain numbers for counts; the four
limit columns are in the same unit (NaN when not calculated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Column order of the tidy table.
COLUMNS: list[str] = [
    "indicator_id",
    "area_code",
    "area_name",
    "area_type",
    "sex",
    "age",
    "category",
    "period_label",
    "period_start",
    "period_end",
    "count",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "value_note",
    "source",
]

#: Breakdown keys: together with indicator, area and period they identify a row.
KEY = ["indicator_id", "area_code", "sex", "age", "category", "period_start", "period_end"]

STRING_COLUMNS = [
    "indicator_id", "area_code", "area_name", "area_type", "sex", "age", "category",
    "period_label", "value_note", "source",
]  # fmt: skip
FLOAT_COLUMNS = [
    "count", "denominator", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
]  # fmt: skip
DATE_COLUMNS = ["period_start", "period_end"]

#: Area types used in the table.
ENGLAND, REGION, UTLA = "England", "Region", "UTLA"
ENGLAND_CODE = "E92000001"

#: Sex values (Fingertips spelling).
PERSONS, MALE, FEMALE = "Persons", "Male", "Female"

#: Every row of synthetic demo data has a ``source`` beginning with this text.
SYNTHETIC = "synthetic demo data"


def empty() -> pd.DataFrame:
    """An empty tidy table with the right columns and dtypes."""
    return conform(pd.DataFrame({c: [] for c in COLUMNS}))


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the tidy columns, in order, with the tidy dtypes.

    Missing optional columns are added (empty strings for text, NaN for numbers); this
    never drops rows. Use :func:`cdp_analysis.validation.validate_tidy` to check content.
    """
    out = pd.DataFrame(index=df.index)
    for col in COLUMNS:
        if col in df:
            out[col] = df[col]
        elif col in FLOAT_COLUMNS:
            out[col] = np.nan
        else:
            out[col] = ""
    for col in STRING_COLUMNS:
        out[col] = out[col].fillna("").astype(str)
    for col in FLOAT_COLUMNS:
        out[col] = pd.to_numeric(out[col]).astype(float)
    for col in DATE_COLUMNS:
        out[col] = pd.to_datetime(out[col])
    return out.reset_index(drop=True)


def is_synthetic(source: pd.Series | str) -> pd.Series | bool:
    """True where the row's source is synthetic demo data."""
    if isinstance(source, str):
        return source.lower().startswith(SYNTHETIC)
    return source.str.lower().str.startswith(SYNTHETIC)
