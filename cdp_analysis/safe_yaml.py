"""Reading YAML that cannot run code, exhaust memory or hang the tool.

Every YAML file the project reads (``indicators.yaml``, ``targets.yaml``, files sniffed by
``validate``) goes through :func:`check` before it is turned into Python objects:

- at most :data:`MAX_BYTES` bytes;
- at most :data:`MAX_DEPTH` levels of nesting;
- at most :data:`MAX_ALIASES` aliases (``*name``) and at most :data:`MAX_NODES` values once
  every alias is expanded, so an "alias bomb" (ten levels of ten aliases each, a billion
  values from a few hundred bytes) is refused after reading its few hundred events;
- only the plain YAML tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!seq``, ``!!map``, ``!!timestamp``): tags such as ``!!python/object`` are refused.

The checks read the file's event stream, which holds no expanded values, so a hostile file
is refused in milliseconds. Parsing uses libyaml's ``CSafeLoader`` when PyYAML was built with
it (several times faster), else the pure-Python ``SafeLoader``; both only ever build plain
data (dicts, lists, strings, numbers, dates).

:func:`brief` caps a value quoted in an error message (``reprlib``), so a message never
grows with the input.
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml

#: The fastest safe loader available: libyaml's when PyYAML has it.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Largest YAML file read (the bundled indicators.yaml is about 28 kB).
MAX_BYTES = 2_000_000
#: Deepest nesting of lists and mappings (the bundled files use 5).
MAX_DEPTH = 40
#: Most aliases (``*name``) in one file (the bundled files use none).
MAX_ALIASES = 200
#: Most values (scalars, lists, mappings) once aliases are expanded.
MAX_NODES = 200_000

_STD = "tag:yaml.org,2002:"
#: Tags a plan file may carry (the ones SafeLoader turns into plain data).
ALLOWED_TAGS = frozenset(
    _STD + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
TAGS_MESSAGE = "tags such as !!python are not allowed in cdp-analysis YAML files"

_brief = reprlib.Repr()
_brief.maxstring = 60
_brief.maxother = 60
_brief.maxlist = _brief.maxtuple = _brief.maxset = _brief.maxdict = 6
_brief.maxlevel = 2


def brief(value: Any) -> str:
    """``repr(value)`` capped at about 60 characters per string and 6 items per container."""
    return _brief.repr(value)


class YamlRefused(ValueError):
    """The YAML breaks one of the bounds above (or is malformed); ``line`` is 1-based."""

    def __init__(self, message: str, line: int | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.fix = message, line, fix


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


def check(text: str | bytes) -> None:
    """Raise :class:`YamlRefused` when ``text`` is too big, too deep, has too many aliases
    or expands to too many values, or carries a tag other than the plain ones; malformed
    YAML raises :class:`yaml.YAMLError` (as parsing it would)."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_BYTES:
        raise YamlRefused(
            f"the file is {size:,} bytes; YAML files are read up to {MAX_BYTES:,} bytes",
            fix="check that this is the right file (plan files are a few tens of kB)",
        )
    depth = aliases = expanded = 0
    sizes: dict[str, int] = {}  # anchor -> values it expands to
    open_: list[tuple[str | None, int]] = []  # (anchor, expanded count when it opened)
    for event in yaml.parse(text, Loader=SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else None
        tag = getattr(event, "tag", None)
        if tag and tag != "!" and tag not in ALLOWED_TAGS:
            raise YamlRefused(
                f"the tag {brief(_short_tag(tag))} is refused: {TAGS_MESSAGE}",
                line,
                fix="remove the tag and give the value as plain text or a number",
            )
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlRefused(
                    f"more than {MAX_ALIASES} aliases (*name); plan files need none",
                    line,
                    fix="write the values out instead of referring to anchors",
                )
            expanded += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlRefused(
                    f"nested more than {MAX_DEPTH} levels deep",
                    line,
                    fix="check the indentation and brackets near this line",
                )
            open_.append((event.anchor, expanded - 1))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_.pop()
            if anchor:
                sizes[anchor] = expanded - start
        if expanded > MAX_NODES:
            raise YamlRefused(
                f"the aliases (*name) expand to more than {MAX_NODES:,} values (an 'alias bomb')",
                line,
                fix="write the values out instead of referring to anchors",
            )


def load(text: str | bytes, loader: type | None = None) -> Any:
    """Check ``text`` (:func:`check`) and parse it with ``loader`` (a subclass of
    :data:`SafeLoader`; default :data:`SafeLoader`)."""
    check(text)
    return yaml.load(text, Loader=loader or SafeLoader)
