"""The plans reader: ``data/targets.yaml`` (and any plan file of the same form).

:func:`load_targets` reads every plan (area, period, baseline year, optionally its own
priorities and objectives) and checks that it gives exactly one target per measure of the
catalogue. Every problem found is reported together in one
:class:`~cdp_analysis.errors.InputError` naming the file, the YAML line, the key and what was
expected.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..safe_yaml import brief
from .measures_file import _default_path, load_indicators
from .model import (
    _FY_RE,
    _OBJECTIVE_RE,
    _PLAN_ID_RE,
    COMPARISONS,
    DIRECTIONS,
    INDICATORS_FILE,
    PLAN_OPTIONAL,
    PLAN_REQUIRED,
    TARGET_COMMON,
    TARGET_OPTIONAL,
    TARGET_TYPE_KEYS,
    TARGET_TYPES,
    TARGETS_FILE,
    Catalogue,
    Measure,
    Plan,
    Target,
)
from .yaml_lines import (
    _check_keys,
    _enum,
    _line,
    _Map,
    _number,
    _Problems,
    _read_yaml,
    _Seq,
    _text,
)


def load_targets(path: str | Path | None = None, catalogue: Catalogue | None = None) -> list[Plan]:
    """Read and validate ``targets.yaml`` against the catalogue (default: the data folder's).

    Every plan must give exactly one target for every measure in the catalogue. Raises
    :class:`InputError` listing every problem with its YAML line.
    """
    path = _default_path(TARGETS_FILE, path)
    if catalogue is None:
        catalogue = load_indicators(path.parent / INDICATORS_FILE)
    kind = "plans and targets"
    data = _read_yaml(path, kind)
    probs = _Problems()
    if not isinstance(data, _Map):
        raise InputError(path, "the top level must be a mapping with the key 'plans'", kind=kind)
    _check_keys(data, ("plans",), (), "top level", probs)
    raw = data.get("plans")
    plans: list[Plan] = []
    if "plans" in data and (not isinstance(raw, _Seq) or not raw):
        probs.add(
            "'plans' must be a list of plans",
            _line(data, "plans"),
            "plans",
            "a list with one mapping per plan",
        )
        raw = _Seq()
        raw.item_lines = []
    seen: dict[str, int | None] = {}
    for i, p in enumerate(raw or []):
        if not isinstance(p, _Map):
            probs.add(f"plan {i + 1} is not a mapping of keys", raw.item_lines[i], "plans")
            continue
        plan = _read_plan(p, i, catalogue, probs)
        if plan is not None:
            if plan.id in seen:
                probs.add(
                    f"plan '{plan.id}' is given twice (first at line {seen[plan.id]})",
                    _line(p, "id"),
                    "id",
                    "unique plan ids",
                )
            seen.setdefault(plan.id, _line(p, "id"))
            plans.append(plan)
    if probs:
        raise InputError(path, probs.items, kind=kind, fix=_targets_fix(probs, catalogue))
    return plans


def _targets_fix(probs: _Problems, catalogue: Catalogue) -> str:
    """The fix line: when targets name measures the catalogue lacks, indicators.yaml may have
    been cut off (a broken copy that still parses), so say how far it goes."""
    fix = "edit the file as its header comment describes (keys, allowed values)"
    unknown = [p for p in probs.items if ": no measure '" in p.message]
    if not unknown or not catalogue.measures:
        return fix
    where = catalogue.path.name if catalogue.path else "indicators.yaml"
    return (
        f"{len(unknown)} target(s) name a measure that {where} does not have. {where} has "
        f"{len(catalogue.measures)} measures, the last '{catalogue.measures[-1].id}': if that "
        f"file was cut off (a broken download or copy), restore the complete file; otherwise "
        "give each target a measure id from it"
    )


def _read_plan(p: _Map, i: int, catalogue: Catalogue, probs: _Problems) -> Plan | None:
    from ..areas import lookup  # the area lookup lives with the data; read only when needed

    n_before = len(probs.items)
    pid = _text(p, "id", f"plan {i + 1}", probs)
    where = f"plan '{pid}'" if pid else f"plan {i + 1}"
    _check_keys(p, PLAN_REQUIRED, PLAN_OPTIONAL, where, probs)
    if pid and not _PLAN_ID_RE.match(pid):
        probs.add(
            f"{where}: id is not lower-case letters, digits, - and _",
            _line(p, "id"),
            "id",
            "e.g. portsmouth-2023-26",
        )
    name = _text(p, "name", where, probs)
    area_code = _text(p, "area_code", where, probs)
    if area_code:
        try:
            known = set(lookup()["area_code"])
        except InputError:  # no lookup to check against: leave it to the report
            known = {area_code}
        if area_code not in known:
            probs.add(
                f"{where}: unknown area code '{area_code}'",
                _line(p, "area_code"),
                "area_code",
                "a code in data/lookups/areas.csv, e.g. E06000044",
            )
    dates = {}
    for key in ("start", "end"):
        if key in p:
            v = p[key]
            if not isinstance(v, date):
                probs.add(
                    f"{where}: '{key}' is {brief(v)}, not a date",
                    _line(p, key),
                    key,
                    "a date like 2026-03-31 (no quotes)",
                )
            else:
                dates[key] = v
    if len(dates) == 2 and dates["end"] <= dates["start"]:
        probs.add(
            f"{where}: end {dates['end']} is not after start {dates['start']}",
            _line(p, "end"),
            "end",
            "an end date after the start date",
        )
    baseline = _text(p, "baseline_period", where, probs)
    m = _FY_RE.match(baseline)
    if baseline and (not m or (int(m.group(1)) + 1) % 100 != int(m.group(2))):
        probs.add(
            f"{where}: baseline_period '{baseline}' is not a financial year",
            _line(p, "baseline_period"),
            "baseline_period",
            'e.g. "2022/23"',
        )
    priorities, objectives = _plan_objectives(p, where, probs)
    targets = _read_targets(
        p.get("targets"), p, where, catalogue, probs, objectives or catalogue.objectives
    )
    if len(probs.items) > n_before:
        return None
    return Plan(
        pid,
        name,
        area_code,
        dates["start"],
        dates["end"],
        baseline,
        tuple(targets),
        priorities,
        objectives,
    )


def _plan_objectives(p: _Map, where: str, probs: _Problems) -> tuple[dict, dict]:
    """A plan's own ``priorities`` ({number: text}) and ``objectives`` ({"n.m": text})."""
    priorities: dict[int, str] = {}
    objectives: dict[str, str] = {}
    raw = p.get("priorities")
    if "priorities" in p:
        if not isinstance(raw, dict) or not raw:
            probs.add(
                f"{where}: 'priorities' must map numbers to the plan's words",
                _line(p, "priorities"),
                "priorities",
                '1: "Disrupt local drug supply chains"',
            )
        else:
            for k, v in raw.items():
                if isinstance(k, bool) or not isinstance(k, int) or not isinstance(v, str):
                    probs.add(
                        f"{where}: priority {k!r} must be a number with text",
                        _line(raw, k),
                        "priorities",
                        '1: "the priority in the plan\'s words"',
                    )
                else:
                    priorities[k] = " ".join(v.split())
    raw = p.get("objectives")
    if "objectives" in p:
        if not isinstance(raw, dict) or not raw:
            probs.add(
                f"{where}: 'objectives' must map quoted numbers to the plan's words",
                _line(p, "objectives"),
                "objectives",
                '"1.1": "Disruption of county lines"',
            )
        else:
            for k, v in raw.items():
                if not isinstance(k, str) or not _OBJECTIVE_RE.match(k) or not isinstance(v, str):
                    probs.add(
                        f'{where}: objective {k!r} must be a quoted number such as "2.10" '
                        "with the objective's text",
                        _line(raw, k),
                        "objectives",
                        '"1.1": "the objective in the plan\'s words"',
                    )
                else:
                    objectives[k] = " ".join(v.split())
    return priorities, objectives


def _read_targets(
    raw: Any,
    plan: _Map,
    where: str,
    catalogue: Catalogue,
    probs: _Problems,
    objectives: dict[str, str] | None = None,
) -> list[Target]:
    if objectives is None:
        objectives = catalogue.objectives
    if "targets" not in plan:  # reported as a missing key
        return []
    if raw is None or (isinstance(raw, _Seq) and not raw):  # 'targets:' left empty, or []
        probs.add(
            f"{where} has no targets: every measure needs one ('targets' must be a list with "
            "one target per measure); see the header of targets.yaml",
            _line(plan, "targets"),
            "targets",
            "one entry per measure in indicators.yaml (type none when the plan sets no change)",
        )
        return []
    if not isinstance(raw, _Seq):
        probs.add(
            f"{where}: 'targets' must be a list",
            _line(plan, "targets"),
            "targets",
            "one entry per measure in indicators.yaml",
        )
        return []
    out: list[Target] = []
    seen: dict[str, int | None] = {}
    for i, t in enumerate(raw):
        if not isinstance(t, _Map):
            probs.add(
                f"{where}: target {i + 1} is not a mapping of keys", raw.item_lines[i], "targets"
            )
            continue
        out.append(_read_target(t, i, where, catalogue, probs, objectives, seen))
    missing = [m for m in catalogue.ids if m not in seen]
    if missing:
        probs.add(
            f"{where}: no target for measure{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            _line(plan, "targets"),
            "targets",
            "one entry per measure in indicators.yaml (type none when the plan sets no change)",
        )
    return out


def _read_target(
    t: _Map,
    i: int,
    where: str,
    catalogue: Catalogue,
    probs: _Problems,
    objectives: dict[str, str],
    seen: dict[str, int | None],
) -> Target:
    """One entry of a plan's ``targets`` (problems go to ``probs``)."""
    mid = _text(t, "measure", f"{where} target {i + 1}", probs)
    tw = f"{where} target '{mid}'" if mid else f"{where} target {i + 1}"
    ttype = _enum(t, "type", TARGET_TYPES, tw, probs)
    required = _check_target_keys(t, tw, ttype, probs)
    measure = _target_measure(t, mid, tw, catalogue, seen, probs) if mid else None
    reason = _text(t, "reason", tw, probs)
    note = _text(t, "note", tw, probs) if "note" in t else None
    objective = _target_objective(t, tw, catalogue, objectives, probs)
    numbers = _target_numbers(t, tw, ttype, required, measure, probs)
    comparison = _enum(t, "comparison", COMPARISONS, tw, probs) if "comparison" in t else None
    direction = _enum(t, "direction", DIRECTIONS, tw, probs) if "direction" in t else None
    if measure is not None and direction:
        clash = (direction == "decrease" and measure.polarity == "higher_is_better") or (
            direction == "increase" and measure.polarity == "lower_is_better"
        )
        if clash:
            probs.add(
                f"{tw}: direction '{direction}' contradicts the measure's polarity "
                f"'{measure.polarity}'",
                _line(t, "direction"),
                "direction",
                "increase" if measure.polarity == "higher_is_better" else "decrease",
            )
    return Target(
        measure=mid,
        type=ttype,
        reason=" ".join(reason.split()),
        objective=objective,
        note=note,
        baseline_value=numbers["baseline_value"],
        value=numbers["value"],
        multiple=numbers["multiple"],
        comparison=comparison or None,
        direction=direction or None,
        line=_line(t),
    )


def _check_target_keys(t: _Map, tw: str, ttype: str, probs: _Problems) -> tuple[str, ...]:
    """Unknown, duplicate and missing keys of a target of type ``ttype``; the required keys."""
    allowed = TARGET_OPTIONAL + (
        TARGET_TYPE_KEYS[ttype] if ttype else tuple(k for v in TARGET_TYPE_KEYS.values() for k in v)
    )
    required = TARGET_COMMON + (TARGET_TYPE_KEYS[ttype] if ttype else ())
    for key, line in t.duplicates:
        probs.add(f"{tw}: key '{key}' is given twice", line, str(key))
    for key in t:
        if key not in set(required) | set(allowed):
            other = [k for k, v in TARGET_TYPE_KEYS.items() if key in v]
            msg = (
                f"{tw}: '{key}' does not apply to type '{ttype}' (it belongs to type "
                f"{' / '.join(other)})"
                if other
                else f"{tw}: unknown key '{key}'"
            )
            probs.add(
                msg,
                _line(t, key),
                str(key),
                f"keys {', '.join(required + tuple(a for a in allowed if a not in required))}",
            )
    for key in required:
        if key not in t:
            hint = f" (type '{ttype}' needs it)" if key in TARGET_TYPE_KEYS.get(ttype, ()) else ""
            probs.add(f"{tw}: missing key '{key}'{hint}", _line(t), key)
    return required


def _target_measure(
    t: _Map,
    mid: str,
    tw: str,
    catalogue: Catalogue,
    seen: dict[str, int | None],
    probs: _Problems,
) -> Measure | None:
    """The catalogue's measure a target names (once per plan); None when there is none."""
    known = {m.id: m for m in catalogue.measures}
    measure = None
    if mid not in known:
        probs.add(
            f"{tw}: no measure '{mid}' in indicators.yaml",
            _line(t, "measure"),
            "measure",
            "a measure id from indicators.yaml",
        )
    else:
        measure = known[mid]
    if mid in seen:
        probs.add(
            f"{tw}: the measure has two targets in this plan (first at line {seen[mid]})",
            _line(t, "measure"),
            "measure",
            "one target per measure",
        )
    seen.setdefault(mid, _line(t, "measure"))
    return measure


def _target_objective(
    t: _Map, tw: str, catalogue: Catalogue, objectives: dict[str, str], probs: _Problems
) -> str | None:
    """A target's ``objective``: a quoted number among the plan's (or catalogue's) objectives."""
    if "objective" not in t:
        return None
    objective = t["objective"]
    if not isinstance(objective, str):
        probs.add(
            f"{tw}: objective {brief(objective)} is not quoted",
            _line(t, "objective"),
            "objective",
            'a quoted number such as "2.10"',
        )
        return None
    if objective not in objectives:
        whose = (
            "indicators.yaml objectives"
            if objectives is catalogue.objectives
            else "the plan's objectives"
        )
        probs.add(
            f"{tw}: objective '{objective}' is not in {whose}",
            _line(t, "objective"),
            "objective",
            f"one of {', '.join(objectives)}",
        )
    return objective


def _target_numbers(
    t: _Map,
    tw: str,
    ttype: str,
    required: tuple[str, ...],
    measure: Measure | None,
    probs: _Problems,
) -> dict[str, float | None]:
    """A target's ``value``, ``multiple`` and ``baseline_value``, checked for its type."""
    numbers: dict[str, float | None] = {}
    for key in ("value", "multiple", "baseline_value"):
        v = t.get(key)
        if v is None:
            numbers[key] = None
        elif not _number(v):
            probs.add(f"{tw}: '{key}' is {brief(v)}, not a number", _line(t, key), key, "a number")
            numbers[key] = None
        else:
            numbers[key] = float(v)
    if ttype == "multiple_of_baseline" and numbers["multiple"] is not None:
        if numbers["multiple"] <= 0:
            probs.add(
                f"{tw}: multiple must be above 0",
                _line(t, "multiple"),
                "multiple",
                "e.g. 2 for double",
            )
    if (
        ttype in ("value", "multiple_of_baseline")
        and "value" in required
        and "value" in t
        and t["value"] is None
    ):
        probs.add(f"{tw}: 'value' is empty", _line(t, "value"), "value", "a number")
    if ttype == "direction" and numbers["baseline_value"] is not None:
        # a direction target is a significant change from the data's own baseline
        # period (a test needs its counts), not from a number typed in
        probs.add(
            f"{tw}: baseline_value cannot be set for a direction target (the change is "
            "tested against the data for the baseline period)",
            _line(t, "baseline_value"),
            "baseline_value",
            "no baseline_value, or type value / multiple_of_baseline",
        )
    if ttype == "multiple_of_baseline" and "multiple" in t and t["multiple"] is None:
        probs.add(f"{tw}: 'multiple' is empty", _line(t, "multiple"), "multiple", "a number")
    if measure is not None and measure.unit == "percent":
        for key in ("value", "baseline_value"):
            v = numbers[key]
            if v is not None and not 0 <= v <= 100:
                probs.add(
                    f"{tw}: {key} {v:g} is not a percentage",
                    _line(t, key),
                    key,
                    "a number from 0 to 100",
                )
    return numbers
