"""The plan as data: ``data/indicators.yaml`` (the measures) and ``data/targets.yaml`` (plans).

This module is the only reader of the two files. Both are validated in full before anything
is returned: every problem found (unknown or missing keys, bad values, duplicate ids,
objective numbers or measures that do not exist, malformed YAML) is reported together in one
:class:`~cdp_analysis.errors.InputError` naming the file, the YAML line, the key and what was
expected. The files' own header comments document their schema.

Public API:

- :func:`load_indicators` -> :class:`Catalogue` (priorities, objectives, measures)
- :func:`load_targets` -> list of :class:`Plan` (each with one :class:`Target` per measure)
- :func:`indicators_table` -> one row per measure, for tables and joins
- :func:`looks_like_indicators_yaml`, :func:`looks_like_targets_yaml` (content-based detection)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .. import safe_yaml
from ..errors import InputError, Problem
from ..paths import default_data_dir
from ..safe_yaml import brief

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


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# YAML reading with line numbers
# --------------------------------------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers where it and its keys are (1-based lines)."""

    line: int | None = None
    key_lines: dict
    duplicates: list


class _Seq(list):
    """A YAML sequence that remembers where it and its items are (1-based lines)."""

    line: int | None = None
    item_lines: list


class _LineLoader(safe_yaml.SafeLoader):
    """SafeLoader (libyaml's when available) whose mappings and sequences carry line
    numbers; duplicate keys kept."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    out.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in out:
            out.duplicates.append((key, line))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


_UTF8_FIX = "re-save the file as UTF-8 (in a text editor: Save As, with the encoding 'UTF-8')"


def _read_yaml(path: Path, kind: str) -> Any:
    """Parse a YAML file with line numbers; InputError when missing, empty or malformed."""
    if not path.is_file():
        raise InputError(
            path, "the file does not exist", kind=kind, fix=f"restore data/{path.name}"
        )
    size = path.stat().st_size
    if size > safe_yaml.MAX_BYTES:  # refused before it is read into memory
        raise InputError(
            path,
            f"the file is {size:,} bytes; YAML files are read up to {safe_yaml.MAX_BYTES:,} bytes",
            kind=kind,
            fix="check that this is the right file (plan files are a few tens of kB)",
        )
    raw = path.read_bytes()
    restore = (
        f"restore data/{path.name} from the project (git, or the release it came from): an "
        "empty file usually means a failed save or copy"
    )
    if not raw:
        raise InputError(path, "the file is empty (0 bytes)", kind=kind, fix=restore)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(path, "the file is UTF-16 text, not UTF-8", kind=kind, fix=_UTF8_FIX)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        char = len(raw[line_start : exc.start].decode("utf-8-sig")) + 1  # valid up to the byte
        raise InputError(
            path,
            Problem(
                f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02X} (character {char} of "
                "the line) cannot be read as UTF-8 (the file was probably saved as "
                "Windows-1252/Latin-1)",
                rows=[raw.count(b"\n", 0, exc.start) + 1],
                expected="UTF-8 text",
            ),
            kind=kind,
            fix=_UTF8_FIX,
        ) from None
    if not text.strip():
        raise InputError(
            path,
            f"the file is empty: its {len(raw)} bytes are blank space",
            kind=kind,
            fix=restore,
        )
    try:
        data = safe_yaml.load(text, _LineLoader)  # bounded, then a SafeLoader subclass
    except safe_yaml.YamlRefused as exc:
        raise InputError(
            path,
            Problem(exc.message, rows=[exc.line] if exc.line else None),
            kind=kind,
            fix=exc.fix,
        ) from None
    except yaml.MarkedYAMLError as exc:
        # the line where the construct began (context) and where the parser gave up (problem)
        marks = [m for m in (exc.context_mark, exc.problem_mark) if m is not None]
        rows = sorted({m.line + 1 for m in marks}) or None
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise InputError(
            path,
            Problem(f"the YAML is malformed: {_cap(what)}", rows=rows),
            kind=kind,
            fix="correct the YAML syntax at that line (indentation, quotes, colons)",
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise InputError(path, f"the YAML is malformed: {_cap(str(exc))}", kind=kind) from None
    if data is None:
        raise InputError(path, "the file holds only comments", kind=kind)
    return data


def _cap(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters (a message quoting a huge key stays short)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Problems:
    """Collects problems with their YAML lines."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(
        self,
        message: str,
        line: int | None = None,
        key: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.items.append(
            Problem(
                _cap(message),
                rows=[line] if line else None,
                column=None if key is None else _cap(key, 60),
                expected=expected,
            )
        )

    def __bool__(self) -> bool:
        return bool(self.items)


def _line(mapping: Any, key: Any = None) -> int | None:
    if isinstance(mapping, _Map):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return getattr(mapping, "line", None)


def _check_keys(
    m: _Map, required: Iterable[str], allowed: Iterable[str], where: str, probs: _Problems
) -> None:
    required = list(required)
    allowed = set(required) | set(allowed)
    for key, line in m.duplicates:
        probs.add(f"{where}: key '{key}' is given twice", line, str(key))
    for key in m:
        if key not in allowed:
            probs.add(
                f"{where}: unknown key '{key}'",
                _line(m, key),
                str(key),
                f"one of {', '.join(sorted(allowed))}",
            )
    for key in required:
        if key not in m:
            probs.add(f"{where}: missing key '{key}'", _line(m), key)


def _text(m: _Map, key: str, where: str, probs: _Problems, allow_empty: bool = False) -> str:
    """A string value (numbers given for ids are accepted as their text)."""
    if key not in m:
        return ""
    v = m[key]
    if v is None:
        v = ""
    if isinstance(v, bool) or not isinstance(v, str | int):
        probs.add(f"{where}: '{key}' must be text, got {brief(v)}", _line(m, key), key, "text")
        return ""
    v = str(v).strip()
    if not v and not allow_empty:
        probs.add(f"{where}: '{key}' is empty", _line(m, key), key, "some text")
    return v


def _enum(m: _Map, key: str, allowed: tuple[str, ...], where: str, probs: _Problems) -> str:
    if key not in m:
        return ""
    v = m[key]
    if v not in allowed:
        probs.add(
            f"{where}: '{key}' is {brief(v)}", _line(m, key), key, f"one of {', '.join(allowed)}"
        )
        return ""
    return v


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# --------------------------------------------------------------------------------------------
# indicators.yaml
# --------------------------------------------------------------------------------------------


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
    _check_keys(data, ("priorities", "objectives", "measures"), (), "top level", probs)

    priorities = _read_priorities(data.get("priorities"), data, probs)
    objectives = _read_objectives(data.get("objectives"), data, priorities, probs)
    measures = _read_measures(data.get("measures"), data, priorities, objectives, probs)
    if probs:
        raise InputError(
            path,
            probs.items,
            kind=kind,
            fix="edit the file as its header comment describes (keys, allowed values)",
        )
    return Catalogue(priorities, objectives, tuple(measures), path)


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
        item_line = raw.item_lines[i]
        if not isinstance(m, _Map):
            probs.add(f"measure {i + 1} is not a mapping of keys", item_line, "measures")
            continue
        mid = _text(m, "id", f"measure {i + 1}", probs)
        where = f"measure '{mid}'" if mid else f"measure {i + 1}"
        _check_keys(m, MEASURE_REQUIRED, MEASURE_OPTIONAL, where, probs)
        if mid:
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
        texts = {
            k: _text(m, k, where, probs)
            for k in ("name", "short_name", "plan_measure", "definition", "source_id")
        }
        category = _text(m, "category", where, probs, allow_empty=True)
        age = _text(m, "age", where, probs, allow_empty=True)
        fingertips_id = None
        if "fingertips_id" in m:
            fingertips_id = _text(m, "fingertips_id", where, probs)
            if fingertips_id and not fingertips_id.isdigit():
                probs.add(
                    f"{where}: fingertips_id '{fingertips_id}' is not a number",
                    _line(m, "fingertips_id"),
                    "fingertips_id",
                    'e.g. "92432"',
                )
        also_from = _read_also_from(m, where, probs)
        priority = m.get("priority")
        if "priority" in m and (
            not isinstance(priority, int)
            or isinstance(priority, bool)
            or priority not in priorities
        ):
            probs.add(
                f"{where}: priority {brief(priority)} is not in 'priorities'",
                _line(m, "priority"),
                "priority",
                f"one of {', '.join(map(str, priorities)) or '1, 2, 3'}",
            )
        objs = m.get("objectives")
        obj_list: list[str] = []
        if "objectives" in m:
            if not isinstance(objs, list) or not objs:
                probs.add(
                    f"{where}: 'objectives' must be a non-empty list",
                    _line(m, "objectives"),
                    "objectives",
                    'e.g. ["2.2"]',
                )
            else:
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
        unit = _enum(m, "unit", UNITS, where, probs)
        polarity = _enum(m, "polarity", POLARITIES, where, probs)
        method = _enum(m, "method", METHODS, where, probs)
        source = _enum(m, "source", SOURCES, where, probs)
        frequency = _enum(m, "frequency", FREQUENCIES, where, probs)
        if unit and method and method not in METHODS_FOR_UNIT[unit]:
            probs.add(
                f"{where}: method '{method}' does not suit unit '{unit}'",
                _line(m, "method"),
                "method",
                " or ".join(METHODS_FOR_UNIT[unit]),
            )
        if source == "fingertips" and texts["source_id"] and not texts["source_id"].isdigit():
            probs.add(
                f"{where}: Fingertips indicator id '{texts['source_id']}' is not a number",
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
        if source and texts["source_id"]:
            key = (source, texts["source_id"], category)
            if key in seen_source:
                probs.add(
                    f"{where}: source {source} id '{texts['source_id']}' category "
                    f"'{category}' is already used by measure '{seen_source[key]}'",
                    _line(m, "source_id"),
                    "source_id",
                    "each source row to feed one measure",
                )
            seen_source.setdefault(key, mid)
        if probs:
            continue
        out.append(
            Measure(
                id=mid,
                name=texts["name"],
                short_name=texts["short_name"],
                priority=priority,
                objectives=tuple(obj_list),
                plan_measure=texts["plan_measure"],
                unit=unit,
                polarity=polarity,
                method=method,
                source=source,
                source_id=texts["source_id"],
                frequency=frequency,
                definition=" ".join(texts["definition"].split()),
                category=category,
                age=age,
                fingertips_id=fingertips_id,
                also_from=also_from,
                count_12_months=rules["count_12_months"],
                denominator_12_months=rules["denominator_12_months"],
            )
        )
    return out


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


# --------------------------------------------------------------------------------------------
# targets.yaml
# --------------------------------------------------------------------------------------------


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
        raise InputError(
            path,
            probs.items,
            kind=kind,
            fix="edit the file as its header comment describes (keys, allowed values)",
        )
    return plans


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
    known = {m.id: m for m in catalogue.measures}
    out: list[Target] = []
    seen: dict[str, int | None] = {}
    for i, t in enumerate(raw):
        if not isinstance(t, _Map):
            probs.add(
                f"{where}: target {i + 1} is not a mapping of keys", raw.item_lines[i], "targets"
            )
            continue
        mid = _text(t, "measure", f"{where} target {i + 1}", probs)
        tw = f"{where} target '{mid}'" if mid else f"{where} target {i + 1}"
        ttype = _enum(t, "type", TARGET_TYPES, tw, probs)
        allowed = TARGET_OPTIONAL + (
            TARGET_TYPE_KEYS[ttype]
            if ttype
            else tuple(k for v in TARGET_TYPE_KEYS.values() for k in v)
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
                hint = (
                    f" (type '{ttype}' needs it)" if key in TARGET_TYPE_KEYS.get(ttype, ()) else ""
                )
                probs.add(f"{tw}: missing key '{key}'{hint}", _line(t), key)
        measure = None
        if mid:
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
        reason = _text(t, "reason", tw, probs)
        note = _text(t, "note", tw, probs) if "note" in t else None
        objective = None
        if "objective" in t:
            objective = t["objective"]
            if not isinstance(objective, str):
                probs.add(
                    f"{tw}: objective {brief(objective)} is not quoted",
                    _line(t, "objective"),
                    "objective",
                    'a quoted number such as "2.10"',
                )
                objective = None
            elif objective not in objectives:
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
        numbers: dict[str, float | None] = {}
        for key in ("value", "multiple", "baseline_value"):
            v = t.get(key)
            if v is None:
                numbers[key] = None
            elif not _number(v):
                probs.add(
                    f"{tw}: '{key}' is {brief(v)}, not a number", _line(t, key), key, "a number"
                )
                numbers[key] = None
            else:
                numbers[key] = float(v)
        if (
            ttype == "multiple_of_baseline"
            and numbers["multiple"] is not None
            and numbers["multiple"] <= 0
        ):
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
        out.append(
            Target(
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
        )
    missing = [m for m in catalogue.ids if m not in seen]
    if missing:
        probs.add(
            f"{where}: no target for measure{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            _line(plan, "targets"),
            "targets",
            "one entry per measure in indicators.yaml (type none when the plan sets no change)",
        )
    return out


# --------------------------------------------------------------------------------------------
# Detection by content
# --------------------------------------------------------------------------------------------


def _top_keys(path: str | Path) -> set[str]:
    try:
        p = Path(path)
        if not p.is_file() or p.stat().st_size > safe_yaml.MAX_BYTES:
            return set()
        data = safe_yaml.load(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, safe_yaml.YamlRefused, RecursionError):
        return set()
    return {str(k) for k in data} if isinstance(data, dict) else set()


def looks_like_indicators_yaml(path: str | Path) -> bool:
    """True when the file parses as YAML with top-level ``measures`` and ``objectives``."""
    return {"measures", "objectives"} <= _top_keys(path)


def looks_like_targets_yaml(path: str | Path) -> bool:
    """True when the file parses as YAML with a top-level ``plans`` list."""
    return "plans" in _top_keys(path)
