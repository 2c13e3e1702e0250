"""The plan's measures and targets as tables.

The catalogue (``data/indicators.yaml``, read by :mod:`cdp_analysis.plan.catalogue`) and a plan
of ``data/targets.yaml`` arrive as objects, dataclasses or plain dicts; the assessment works
on one row per measure (:func:`measure_table`) and one row per target (:func:`target_table`)
so that every step is a vectorised join rather than a loop over measures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..periods import parse_period

# The allowed values are the catalogue's own; they are checked again here because the
# assessment also accepts plain dicts that never passed through the catalogue's reader.
from ..plan.catalogue import (
    COMPARISONS,
    DIRECTIONS,
    FREQUENCIES,
    METHODS,
    POLARITIES,
    TARGET_TYPES,
    UNITS,
)

#: Value of one unit's multiplier: proportions are stored as percentages, rates per 100,000.
MULTIPLIER = {"percent": 100.0, "per_100k": 100_000.0, "count": 1.0, "kg": 1.0}

#: Default baseline end when a plan gives no baseline period: the end of 2022/23.
DEFAULT_BASELINE_END = date(2023, 3, 31)

MEASURE_COLUMNS = [
    "measure_id", "name", "short_name", "priority", "priority_name", "objectives",
    "plan_measure", "unit", "polarity", "method", "source", "source_id", "category",
    "frequency", "definition", "multiplier", "order",
]  # fmt: skip

TARGET_COLUMNS = [
    "measure_id", "target_type", "multiple", "target_value", "comparison", "direction",
    "plan_baseline_value", "target_reason", "objective",
]  # fmt: skip


def get(entry: Any, key: str, default: Any = None) -> Any:
    """``entry[key]`` for a mapping, ``entry.key`` for an object, else ``default``."""
    if isinstance(entry, Mapping):
        value = entry.get(key, default)
    else:
        value = getattr(entry, key, default)
    return default if value is None else value


def _entries(obj: Any, attr: str) -> list[Any]:
    """The list of entries held by ``obj`` under ``attr`` (or ``obj`` itself if a list)."""
    if obj is None:
        return []
    if isinstance(obj, pd.DataFrame):
        return obj.to_dict("records")
    held = get(obj, attr) if not isinstance(obj, list | tuple) else obj
    if held is None:
        held = obj
    if isinstance(held, Mapping):
        # {id: entry} -> entries carrying their id
        out = []
        for key, entry in held.items():
            if isinstance(entry, Mapping) and "id" not in entry:
                entry = {"id": key, **entry}
            out.append(entry)
        return out
    if isinstance(held, Iterable) and not isinstance(held, str | bytes):
        return list(held)
    raise InputError(
        None,
        f"cannot read {attr} from a {type(obj).__name__}",
        kind="catalogue",
        fix=f"pass the catalogue object, a list of {attr} or a mapping of id to entry",
    )


def _priority_names(catalogue: Any) -> dict[str, str]:
    """Priority number (as text) -> name, from the catalogue's ``priorities`` when it has them."""
    held = get(catalogue, "priorities") if not isinstance(catalogue, list | tuple) else None
    if held is None:
        return {}
    names: dict[str, str] = {}
    if isinstance(held, Mapping):
        for key, value in held.items():
            names[str(key)] = value if isinstance(value, str) else str(get(value, "name", ""))
        return names
    for p in held:
        key = get(p, "id", get(p, "number", get(p, "priority")))
        names[str(key)] = str(get(p, "name", ""))
    return names


def _text_list(value: Any) -> str:
    """Objectives as shown in a table: ``['2.2', '2.3']`` -> ``'2.2, 2.3'``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str | int | float):
        return str(value)
    return ", ".join(str(v) for v in value)


def measure_table(catalogue: Any) -> pd.DataFrame:
    """One row per measure of the catalogue, in catalogue order (column ``order``).

    Accepts the :mod:`cdp_analysis.plan.catalogue` object, a list of measure entries (dicts or
    dataclasses with the keys of ``data/indicators.yaml``), a mapping of id to entry, or a
    DataFrame already in this shape. Raises :class:`InputError` for a measure whose unit,
    polarity, method or frequency the assessment does not know.
    """
    if isinstance(catalogue, pd.DataFrame) and "measure_id" in catalogue:
        return catalogue.copy()
    names = _priority_names(catalogue)
    rows = []
    for i, m in enumerate(_entries(catalogue, "measures")):
        if dataclasses.is_dataclass(m) and not isinstance(m, type):
            m = dataclasses.asdict(m)
        priority = get(m, "priority", "")
        unit = str(get(m, "unit", ""))
        rows.append(
            {
                "measure_id": str(get(m, "id", "")),
                "name": str(get(m, "name", "")),
                "short_name": str(get(m, "short_name", get(m, "name", ""))),
                "priority": priority,
                "priority_name": str(get(m, "priority_name", names.get(str(priority), ""))),
                "objectives": _text_list(get(m, "objectives", "")),
                "plan_measure": str(get(m, "plan_measure", "")),
                "unit": unit,
                "polarity": str(get(m, "polarity", "not_applicable")),
                "method": str(get(m, "method", "")),
                "source": str(get(m, "source", "")),
                "source_id": str(get(m, "source_id", "")),
                "category": str(get(m, "category", "")),
                "frequency": str(get(m, "frequency", "")),
                "definition": str(get(m, "definition", "")),
                "multiplier": MULTIPLIER.get(unit, np.nan),
                "order": i,
                "count_12_months": str(get(m, "count_12_months", "sum") or "sum"),
                "denominator_12_months": str(get(m, "denominator_12_months", "sum") or "sum"),
                "sex": get(m, "sex", ""),
                "age": get(m, "age", ""),
            }
        )
    df = pd.DataFrame(
        rows, columns=[*MEASURE_COLUMNS, "sex", "age", "count_12_months", "denominator_12_months"]
    )
    _check_values(df, "unit", UNITS)
    _check_values(df, "polarity", POLARITIES)
    _check_values(df, "method", METHODS)
    _check_values(df, "frequency", FREQUENCIES)
    if df["measure_id"].eq("").any() or df["measure_id"].duplicated().any():
        bad = df.index[df["measure_id"].eq("") | df["measure_id"].duplicated(keep=False)]
        raise InputError(
            None,
            Problem("measure ids missing or repeated", rows=(bad + 1).tolist(), column="id"),
            kind="catalogue",
            fix="give every measure a unique id",
        )
    return df


def _check_values(df: pd.DataFrame, column: str, allowed: tuple[str, ...]) -> None:
    bad = ~df[column].isin(allowed)
    if bad.any():
        raise InputError(
            None,
            Problem(
                f"measures {df.loc[bad, 'measure_id'].tolist()} have {column} "
                f"{sorted(set(df.loc[bad, column]))}",
                column=column,
                expected=" | ".join(allowed),
            ),
            kind="catalogue",
            fix=f"correct the {column} of these measures in data/indicators.yaml",
        )


def plan_info(plan: Any) -> dict[str, Any]:
    """A plan's id, name, start, end and baseline end (dates), with the documented defaults."""
    if plan is None:
        return {"plan_id": "", "plan_name": "", "start": None, "end": None,
                "baseline_period": "", "baseline_end": DEFAULT_BASELINE_END}  # fmt: skip
    baseline_period = str(get(plan, "baseline_period", "") or "")
    return {
        "plan_id": str(get(plan, "id", "")),
        "plan_name": str(get(plan, "name", "")),
        "start": _as_date(get(plan, "start")),
        "end": _as_date(get(plan, "end")),
        "baseline_period": baseline_period,
        "baseline_end": baseline_end(baseline_period),
    }


def baseline_end(label: str | None) -> date:
    """End date of a plan's baseline period: ``2022/23`` -> 31 March 2023 (the default)."""
    if not label:
        return DEFAULT_BASELINE_END
    try:
        return parse_period(str(label))[1]
    except ValueError as err:
        raise InputError(
            None,
            Problem(str(err), column="baseline_period", expected="e.g. 2022/23 or 2022/23 Q4"),
            kind="targets",
            fix="correct the plan's baseline_period in data/targets.yaml",
        ) from err


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(str(value)).date()
    except ValueError as err:
        raise InputError(
            None,
            Problem(f"'{value}' is not a date", expected="YYYY-MM-DD"),
            kind="targets",
            fix="write plan start and end dates as YYYY-MM-DD in data/targets.yaml",
        ) from err


def target_table(plan: Any) -> pd.DataFrame:
    """One row per target of ``plan`` (``None`` -> an empty table)."""
    rows = []
    for t in _entries(plan, "targets") if plan is not None else []:
        if dataclasses.is_dataclass(t) and not isinstance(t, type):
            t = dataclasses.asdict(t)
        rows.append(
            {
                "measure_id": str(get(t, "measure", get(t, "measure_id", ""))),
                "target_type": str(get(t, "type", "none")),
                "multiple": float(get(t, "multiple", np.nan)),
                "target_value": float(get(t, "value", np.nan)),
                "comparison": str(get(t, "comparison", "")),
                "direction": str(get(t, "direction", "")),
                "plan_baseline_value": float(get(t, "baseline_value", np.nan)),
                "target_reason": str(get(t, "reason", "")),
                "objective": _text_list(get(t, "objective", "")),
            }
        )
    df = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    floats = ["multiple", "target_value", "plan_baseline_value"]
    df[floats] = df[floats].astype(float)
    problems = []
    bad = ~df["target_type"].isin(TARGET_TYPES)
    if bad.any():
        problems.append(
            Problem(
                f"targets for {df.loc[bad, 'measure_id'].tolist()} have an unknown type",
                column="type",
                expected=" | ".join(TARGET_TYPES),
            )
        )
    bad = ~df["comparison"].isin(("", *COMPARISONS))
    if bad.any():
        problems.append(
            Problem(
                f"targets for {df.loc[bad, 'measure_id'].tolist()} have an unknown comparison",
                column="comparison",
                expected=" | ".join(COMPARISONS),
            )
        )
    needs = {
        "value": ("target_value", "value"),
        "multiple_of_baseline": ("multiple", "multiple"),
    }
    for kind, (col, key) in needs.items():
        bad = df["target_type"].eq(kind) & df[col].isna()
        if bad.any():
            problems.append(
                Problem(
                    f"{kind} targets for {df.loc[bad, 'measure_id'].tolist()} have no {key}",
                    column=key,
                    expected="a number",
                )
            )
    bad = df["target_type"].eq("direction") & ~df["direction"].isin(DIRECTIONS)
    if bad.any():
        problems.append(
            Problem(
                f"direction targets for {df.loc[bad, 'measure_id'].tolist()} have no direction",
                column="direction",
                expected=" | ".join(DIRECTIONS),
            )
        )
    if problems:
        raise InputError(None, problems, kind="targets", fix="correct data/targets.yaml")
    return df
