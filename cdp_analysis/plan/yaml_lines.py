"""Line-numbered safe YAML reading for the plan files, and problem collection.

:func:`_read_yaml` parses a file with :mod:`cdp_analysis.safe_yaml` (bounded, a SafeLoader:
nothing in the file can execute code) into mappings and sequences that remember their YAML
lines; a missing, empty, non-UTF-8 or malformed file is one :class:`InputError`.
:class:`_Problems` collects every problem with its line so that a file's problems are reported
together; :func:`_check_keys`, :func:`_text` and :func:`_enum` read keys into it.
:func:`looks_like_indicators_yaml` and :func:`looks_like_targets_yaml` detect the files by content.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .. import safe_yaml
from ..errors import InputError, Problem
from ..safe_yaml import brief


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
