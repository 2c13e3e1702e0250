"""The measures catalogue reader: ``data/indicators.yaml`` (priorities, objectives, measures).

:func:`load_indicators` validates the whole file before it returns a
:class:`~cdp_analysis.plan.model.Catalogue`: every problem found (unknown or missing keys, bad
values, duplicate ids, objectives that do not exist, malformed YAML) is reported together in one
:class:`~cdp_analysis.errors.InputError` naming the file, the YAML line, the key and what was
expected. :func:`indicators_table` gives one row per measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, Problem
from ..paths import default_data_dir
from ..safe_yaml import brief
from .model import (
    _ID_RE,
    _OBJECTIVE_RE,
    ALSO_FROM_KEYS,
    FREQUENCIES,
    INDICATORS_FILE,
    MEASURE_OPTIONAL,
    MEASURE_REQUIRED,
    METHODS,
    METHODS_FOR_UNIT,
    POLARITIES,
    SOURCES,
    TWELVE_MONTH_RULES,
    UNITS,
    Catalogue,
    Measure,
)
from .yaml_lines import _check_keys, _enum, _line, _Map, _Problems, _read_yaml, _Seq, _text


def _default_path(name: str, path: str | Path | None) -> Path:
    return Path(path) if path is not None else default_data_dir() / name


def load_indicators(path: str | Path | None = None) -> Catalogue:
    """Read and validate ``indicators.yaml`` (default: the data folder's).

    Raises :class:`InputError` listing every problem with its YAML line.
    """
    path = _default_path(INDICATORS_FILE, path)
    kind = "measures catalogue"
    data = _read_yaml(path, kind)
    probs = _Problems()
    if not isinstance(data, _Map):
        raise InputError(
            path,
            Problem(
                "the top level must be a mapping with keys priorities, objectives, measures",
                rows=[_line(data)] if _line(data) else None,
            ),
            kind=kind,
        )
    _check_keys(
        data,
        ("priorities", "objectives", "measures"),
        ("measure_count", "plan_area"),
        "top level",
        probs,
    )
    plan_area = _text(data, "plan_area", "top level", probs) or None

    priorities = _read_priorities(data.get("priorities"), data, probs)
    objectives = _read_objectives(data.get("objectives"), data, priorities, probs)
    measures = _read_measures(data.get("measures"), data, priorities, objectives, probs)
    _check_measure_count(data, probs)
    if probs:
        raise InputError(
            path,
            probs.items,
            kind=kind,
            fix="edit the file as its header comment describes (keys, allowed values)",
        )
    return Catalogue(priorities, objectives, tuple(measures), path, plan_area)


def _read_priorities(raw: Any, top: _Map, probs: _Problems) -> dict[int, str]:
    out: dict[int, str] = {}
    if raw is None:
        return out
    if not isinstance(raw, _Map) or not raw:
        probs.add(
            "'priorities' must map priority numbers to their text",
            _line(top, "priorities"),
            "priorities",
            'e.g. 1: "Disrupt local drug supply chains ..."',
        )
        return out
    for key, line in raw.duplicates:
        probs.add(f"priority {key} is given twice", line, "priorities")
    for key, text in raw.items():
        line = _line(raw, key)
        if isinstance(key, bool) or not isinstance(key, int) or key < 1:
            probs.add(
                f"priority number {brief(key)} is not a whole number",
                line,
                "priorities",
                "1, 2, 3, ...",
            )
            continue
        if not isinstance(text, str) or not text.strip():
            probs.add(f"priority {key} has no text", line, "priorities", "the plan's words")
            continue
        out[key] = text.strip()
    return out


def _read_objectives(
    raw: Any, top: _Map, priorities: dict[int, str], probs: _Problems
) -> dict[str, str]:
    out: dict[str, str] = {}
    if raw is None:
        return out
    if not isinstance(raw, _Map) or not raw:
        probs.add(
            "'objectives' must map objective numbers to their text",
            _line(top, "objectives"),
            "objectives",
            'e.g. "2.2": "Increase the percentage ..."',
        )
        return out
    for key, line in raw.duplicates:
        probs.add(f"objective {key} is given twice", line, "objectives")
    for key, text in raw.items():
        line = _line(raw, key)
        if not isinstance(key, str):
            probs.add(
                f"objective number {brief(key)} is not quoted (YAML reads a bare 2.10 as the "
                "number 2.1)",
                line,
                "objectives",
                'a quoted number such as "2.10"',
            )
            continue
        if not _OBJECTIVE_RE.match(key):
            probs.add(
                f"objective number '{key}' is not like \"2.2\"",
                line,
                "objectives",
                'priority.number, e.g. "2.2"',
            )
            continue
        if priorities and int(key.split(".")[0]) not in priorities:
            probs.add(
                f"objective '{key}' belongs to no priority in 'priorities'",
                line,
                "objectives",
                f"a number starting {', '.join(map(str, priorities))}",
            )
        if not isinstance(text, str) or not text.strip():
            probs.add(f"objective '{key}' has no text", line, "objectives", "the plan's words")
            continue
        out[key] = text.strip()
    return out


def _check_measure_count(top: _Map, probs: _Problems) -> None:
    """``measure_count`` (optional, written above the measures): a file cut off between two
    measures still parses, with fewer measures; the count it states then tells."""
    if "measure_count" not in top:
        return
    stated, raw = top["measure_count"], top.get("measures")
    line = _line(top, "measure_count")
    if isinstance(stated, bool) or not isinstance(stated, int) or stated < 1:
        probs.add(
            f"top level: measure_count must be a whole number, not {brief(stated)}",
            line, "measure_count", "the number of entries under measures, e.g. 32",
        )  # fmt: skip
        return
    got = len(raw) if isinstance(raw, _Seq) else 0
    if got == stated:
        return
    last = raw[-1].get("id") if got and isinstance(raw[-1], _Map) else None
    probs.add(
        f"top level: measure_count says {stated} measures but the file has {got}"
        + (f", the last '{last}'" if last else "")
        + ": if the file was cut off (a broken download or copy), restore the complete file; "
        "if you added or removed a measure, set measure_count to the new number",
        line, "measure_count",
    )  # fmt: skip


def _read_measures(
    raw: Any, top: _Map, priorities: dict[int, str], objectives: dict[str, str], probs: _Problems
) -> list[Measure]:
    if raw is None:
        return []
    if not isinstance(raw, _Seq) or not raw:
        probs.add(
            "'measures' must be a list of measures",
            _line(top, "measures"),
            "measures",
            "a list of mappings, one per measure",
        )
        return []
    out: list[Measure] = []
    seen_ids: dict[str, int | None] = {}
    seen_source: dict[tuple[str, str, str], str] = {}
    for i, m in enumerate(raw):
        if not isinstance(m, _Map):
            probs.add(f"measure {i + 1} is not a mapping of keys", raw.item_lines[i], "measures")
            continue
        measure = _read_measure(m, i, priorities, objectives, seen_ids, seen_source, probs)
        if measure is not None:
            out.append(measure)
    return out


def _read_measure(
    m: _Map,
    i: int,
    priorities: dict[int, str],
    objectives: dict[str, str],
    seen_ids: dict[str, int | None],
    seen_source: dict[tuple[str, str, str], str],
    probs: _Problems,
) -> Measure | None:
    """One entry of ``measures``; None once any problem has been found (in it or before it)."""
    mid = _text(m, "id", f"measure {i + 1}", probs)
    where = f"measure '{mid}'" if mid else f"measure {i + 1}"
    _check_keys(m, MEASURE_REQUIRED, MEASURE_OPTIONAL, where, probs)
    if mid:
        _check_measure_id(m, mid, where, seen_ids, probs)
    texts = {
        k: _text(m, k, where, probs)
        for k in ("name", "short_name", "plan_measure", "definition", "source_id")
    }
    category = _text(m, "category", where, probs, allow_empty=True)
    age = _text(m, "age", where, probs, allow_empty=True)
    fingertips_id = _fingertips_id(m, where, probs)
    also_from = _read_also_from(m, where, probs)
    priority = m.get("priority")
    if "priority" in m and (
        not isinstance(priority, int) or isinstance(priority, bool) or priority not in priorities
    ):
        probs.add(
            f"{where}: priority {brief(priority)} is not in 'priorities'",
            _line(m, "priority"),
            "priority",
            f"one of {', '.join(map(str, priorities)) or '1, 2, 3'}",
        )
    obj_list = _measure_objectives(m, where, objectives, probs)
    kinds = {
        key: _enum(m, key, allowed, where, probs)
        for key, allowed in (
            ("unit", UNITS),
            ("polarity", POLARITIES),
            ("method", METHODS),
            ("source", SOURCES),
            ("frequency", FREQUENCIES),
        )
    }
    _check_measure_kinds(m, where, kinds, texts["source_id"], probs)
    rules = _twelve_month_rules(m, where, kinds["unit"], kinds["frequency"], probs)
    source = kinds["source"]
    if source and texts["source_id"]:
        _check_source_once(
            m, mid, where, (source, texts["source_id"], category), seen_source, probs
        )
    if probs:
        return None
    return Measure(
        id=mid,
        name=texts["name"],
        short_name=texts["short_name"],
        priority=priority,
        objectives=tuple(obj_list),
        plan_measure=texts["plan_measure"],
        unit=kinds["unit"],
        polarity=kinds["polarity"],
        method=kinds["method"],
        source=source,
        source_id=texts["source_id"],
        frequency=kinds["frequency"],
        definition=" ".join(texts["definition"].split()),
        category=category,
        age=age,
        fingertips_id=fingertips_id,
        also_from=also_from,
        count_12_months=rules["count_12_months"],
        denominator_12_months=rules["denominator_12_months"],
    )


def _fingertips_id(m: _Map, where: str, probs: _Problems) -> str | None:
    """A measure's ``fingertips_id`` (digits), or None when it has none."""
    if "fingertips_id" not in m:
        return None
    fingertips_id = _text(m, "fingertips_id", where, probs)
    if fingertips_id and not fingertips_id.isdigit():
        probs.add(
            f"{where}: fingertips_id '{fingertips_id}' is not a number",
            _line(m, "fingertips_id"),
            "fingertips_id",
            'e.g. "92432"',
        )
    return fingertips_id


def _check_source_once(
    m: _Map,
    mid: str,
    where: str,
    key: tuple[str, str, str],
    seen_source: dict[tuple[str, str, str], str],
    probs: _Problems,
) -> None:
    """Each (source, source id, category) feeds one measure."""
    source, source_id, category = key
    if key in seen_source:
        probs.add(
            f"{where}: source {source} id '{source_id}' category "
            f"'{category}' is already used by measure '{seen_source[key]}'",
            _line(m, "source_id"),
            "source_id",
            "each source row to feed one measure",
        )
    seen_source.setdefault(key, mid)


def _check_measure_id(
    m: _Map, mid: str, where: str, seen_ids: dict[str, int | None], probs: _Problems
) -> None:
    """A measure id is snake_case and used once."""
    if not _ID_RE.match(mid):
        probs.add(
            f"{where}: id is not snake_case",
            _line(m, "id"),
            "id",
            "lower-case letters, digits and _ starting with a letter",
        )
    if mid in seen_ids:
        probs.add(
            f"{where}: id is used twice (first at line {seen_ids[mid]})",
            _line(m, "id"),
            "id",
            "unique ids",
        )
    seen_ids.setdefault(mid, _line(m, "id"))


def _measure_objectives(
    m: _Map, where: str, objectives: dict[str, str], probs: _Problems
) -> list[str]:
    """A measure's ``objectives``: quoted numbers that are in the catalogue's objectives."""
    objs = m.get("objectives")
    obj_list: list[str] = []
    if "objectives" not in m:
        return obj_list
    if not isinstance(objs, list) or not objs:
        probs.add(
            f"{where}: 'objectives' must be a non-empty list",
            _line(m, "objectives"),
            "objectives",
            'e.g. ["2.2"]',
        )
        return obj_list
    for o in objs:
        if not isinstance(o, str):
            probs.add(
                f"{where}: objective {brief(o)} is not quoted",
                _line(m, "objectives"),
                "objectives",
                'a quoted number such as "2.10"',
            )
        elif objectives and o not in objectives:
            probs.add(
                f"{where}: objective '{o}' is not in 'objectives'",
                _line(m, "objectives"),
                "objectives",
                f"one of {', '.join(objectives)}",
            )
        else:
            obj_list.append(o)
    return obj_list


def _check_measure_kinds(
    m: _Map, where: str, kinds: dict[str, str], source_id: str, probs: _Problems
) -> None:
    """The unit, method, source and frequency of a measure fit together."""
    unit, method = kinds["unit"], kinds["method"]
    source, frequency = kinds["source"], kinds["frequency"]
    if unit and method and method not in METHODS_FOR_UNIT[unit]:
        probs.add(
            f"{where}: method '{method}' does not suit unit '{unit}'",
            _line(m, "method"),
            "method",
            " or ".join(METHODS_FOR_UNIT[unit]),
        )
    if source == "fingertips" and source_id and not source_id.isdigit():
        probs.add(
            f"{where}: Fingertips indicator id '{source_id}' is not a number",
            _line(m, "source_id"),
            "source_id",
            'e.g. "90244"',
        )
    if source == "ons" and frequency and frequency != "three_year":
        probs.add(
            f"{where}: ONS deaths are three-year periods",
            _line(m, "frequency"),
            "frequency",
            "three_year",
        )
    if source == "local" and frequency not in ("", "single_quarter", "annual"):
        probs.add(
            f"{where}: local measures are single quarters or financial years",
            _line(m, "frequency"),
            "frequency",
            "single_quarter or annual",
        )


def _twelve_month_rules(
    m: _Map, where: str, unit: str, frequency: str, probs: _Problems
) -> dict[str, str]:
    """``count_12_months`` and ``denominator_12_months`` (default ``sum``)."""
    rules = {}
    for key in ("count_12_months", "denominator_12_months"):
        rules[key] = "sum"
        if key in m:
            rules[key] = _enum(m, key, TWELVE_MONTH_RULES, where, probs) or "sum"
            if frequency and frequency != "single_quarter":
                probs.add(
                    f"{where}: '{key}' applies only to single-quarter measures",
                    _line(m, key),
                    key,
                    "frequency single_quarter, or no such key",
                )
    if "denominator_12_months" in m and unit and unit != "percent":
        probs.add(
            f"{where}: 'denominator_12_months' applies only to percentages",
            _line(m, "denominator_12_months"),
            "denominator_12_months",
            "unit percent, or no such key",
        )
    return rules


def _read_also_from(m: _Map, where: str, probs: _Problems) -> tuple[tuple[str, str], ...]:
    """A measure's ``also_from``: a list of ``{source, source_id}`` mappings."""
    if "also_from" not in m:
        return ()
    raw = m.get("also_from")
    line = _line(m, "also_from")
    expected = 'a list such as [{source: fingertips, source_id: "92432"}]'
    if not isinstance(raw, list) or not raw:
        probs.add(f"{where}: 'also_from' must be a non-empty list", line, "also_from", expected)
        return ()
    out = []
    for j, entry in enumerate(raw):
        here = f"{where}: also_from entry {j + 1}"
        if not isinstance(entry, _Map):
            probs.add(f"{here} is not a mapping", line, "also_from", expected)
            continue
        _check_keys(entry, ALSO_FROM_KEYS, (), here, probs)
        source = _enum(entry, "source", SOURCES, here, probs)
        source_id = _text(entry, "source_id", here, probs)
        if source == "fingertips" and source_id and not source_id.isdigit():
            probs.add(
                f"{here}: Fingertips indicator id '{source_id}' is not a number",
                _line(entry, "source_id"), "source_id", 'e.g. "92432"',
            )  # fmt: skip
        if source and source_id:
            out.append((source, source_id))
    return tuple(out)


def indicators_table(catalogue: Catalogue | str | Path | None = None) -> pd.DataFrame:
    """One row per measure: id, names, priority (and its text), objectives, unit, polarity,
    method, source, source id, category, age, frequency and definition."""
    if not isinstance(catalogue, Catalogue):
        catalogue = load_indicators(catalogue)
    return catalogue.table()
