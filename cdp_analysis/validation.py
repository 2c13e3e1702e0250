"""Recognise every kind of file the project reads, by content, and validate it.

``cdp-analysis validate PATH...`` calls :func:`validate_paths`. Each file is classified by what
it holds (header names, sheet titles, YAML keys), never by its name alone, then read with its
own loader, which raises :class:`~cdp_analysis.errors.InputError` naming the file, rows, column
and fix. Folders are walked recursively (the cache folder is skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import areas, data_files
from .data_files import LinkError
from .errors import CdpError
from .plan import catalogue
from .sources import episodes, fingertips, local_measures, ons

#: Suffixes of data files (anything else in a data folder is documentation or provenance).
DATA_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xls", ".yaml", ".yml"}
#: Files that are documentation or provenance, not data: listed, not validated.
DOC_SUFFIXES = {".md", ".txt", ".rst", ".json", ".gitkeep"}
#: Top-level folders never walked (the downloads cache; hidden folders and ``__pycache__``
#: are never walked at any depth, see :mod:`cdp_analysis.data_files`).
SKIP_DIRS = frozenset({"cache"})


@dataclass(frozen=True)
class Kind:
    """One kind of input file: how to recognise it and how to read (and so validate) it."""

    name: str
    sniff: Callable[[Path], bool]
    read: Callable[[Path, Path], object]  # (path, data_dir) -> loaded object


def _read_lookup(path: Path, data_dir: Path) -> object:
    # areas._read_lookup validates columns, types and duplicates
    return areas._read_lookup(path.resolve())


def _looks_like_lookup(path: Path) -> bool:
    return _header(path) >= set(areas.LOOKUP_COLUMNS)


def _looks_like_comparators(path: Path) -> bool:
    return _header(path) >= {"area_code", "comparator_code"}


def _looks_like_changes(path: Path) -> bool:
    return _header(path) >= set(areas.CHANGE_COLUMNS)


def _read_changes(path: Path, data_dir: Path) -> object:
    return areas._read_changes(path.resolve())


def _read_comparators(path: Path, data_dir: Path) -> object:
    return areas.read_comparators(path, data_dir)


def _looks_like_episodes(path: Path) -> bool:
    return _header(path) >= {"client_id", "start_date", "substance_group"}


def _header(path: Path) -> set[str]:
    """Column names on the first line, read as UTF-8 (or UTF-16 when it starts with a
    UTF-16 byte-order mark, so that a file saved in the wrong encoding is still recognised
    and its loader can say what is wrong with it)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(64 * 1024)
    except OSError:
        return set()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    else:
        text = raw.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    return {c.strip().strip('"') for c in first.split(",")}


def _catalogue_path(path: Path, data_dir: Path) -> Path:
    """The indicators.yaml beside a plan file, else the data folder's."""
    cat_path = path.parent / catalogue.INDICATORS_FILE
    return cat_path if cat_path.is_file() else data_dir / catalogue.INDICATORS_FILE


def _read_targets(path: Path, data_dir: Path) -> object:
    return catalogue.load_targets(path, catalogue.load_indicators(_catalogue_path(path, data_dir)))


def _plan_measure_ids(path: Path) -> list[str]:
    """The measure ids a plan file's targets name (``plans[*].targets[*].measure``), read
    with the bounded YAML reader; ``[]`` when the file does not read (validating it says why)."""
    from . import safe_yaml

    try:
        data = safe_yaml.load(path.read_bytes())
    except Exception:  # the plan file's own validation reports it
        return []
    plans = data.get("plans") if isinstance(data, dict) else None
    return [
        t["measure"]
        for plan in (plans if isinstance(plans, list) else [])
        if isinstance(plan, dict) and isinstance(plan.get("targets"), list)
        for t in plan["targets"]
        if isinstance(t, dict) and isinstance(t.get("measure"), str)
    ]


def _catalogue_notes(path: Path, cat: catalogue.Catalogue) -> tuple[str, ...]:
    """A note when the plan files beside indicators.yaml name measures it lacks: a copy cut
    off between two measures still parses, with fewer measures (without ``measure_count``
    nothing else shows it). A note, not a refusal: a misspelt measure in the plan file is
    the plan file's error, and validating that file says so."""
    ids = {m.id for m in cat.measures}
    missing: dict[str, str] = {}
    for plan_file in sorted(path.parent.glob("*.y*ml")):
        if plan_file == path or not catalogue.looks_like_targets_yaml(plan_file):
            continue
        for mid in _plan_measure_ids(plan_file):
            if mid not in ids:
                missing.setdefault(mid, plan_file.name)
    if not missing:
        return ()
    files = ", ".join(sorted(set(missing.values())))
    shown = ", ".join(f"'{m}'" for m in list(missing)[:5]) + (", ..." if len(missing) > 5 else "")
    last = f", the last '{cat.measures[-1].id}'" if cat.measures else ""
    return (
        f"{len(missing)} measure(s) named by the targets in {files} beside it are not in this "
        f"file ({shown}); it has {len(cat.measures)} measures{last}. If this file was cut off "
        "(a broken download or copy), restore the complete file; otherwise correct the plan "
        "file (validating it names each unknown measure)",
    )


#: Every kind, in the order they are tried (the first whose sniff matches wins).
KINDS: list[Kind] = [
    Kind("ONS drug poisoning deaths workbook", ons.looks_like_ons_workbook,
         lambda p, d: ons.load_workbook(p)),
    Kind("Fingertips CSV export", fingertips.looks_like_fingertips_csv,
         lambda p, d: fingertips.read_fingertips_csv(p, data_dir=d)),
    Kind("Fingertips compiled extract", fingertips.looks_like_compiled_extract,
         lambda p, d: fingertips.read_compiled_extract(p, data_dir=d)),
    Kind("local measures CSV", local_measures.looks_like_local_measures,
         lambda p, d: local_measures.read_local_measures(p, data_dir=d)),
    Kind("record-level treatment episodes", _looks_like_episodes,
         lambda p, d: episodes.load_episodes(p, data_dir=d)),
    Kind("plan indicators (indicators.yaml)", catalogue.looks_like_indicators_yaml,
         lambda p, d: catalogue.load_indicators(p)),
    Kind("plan targets (targets.yaml)", catalogue.looks_like_targets_yaml, _read_targets),
    Kind("area lookup", _looks_like_lookup, _read_lookup),
    Kind("comparators lookup", _looks_like_comparators, _read_comparators),
    Kind("area changes lookup", _looks_like_changes, _read_changes),
]  # fmt: skip


#: Expected columns of each CSV kind, for recognising a file whose header is damaged (a
#: renamed or missing column): the kind sharing at least half its columns with the header.
CSV_COLUMNS: dict[str, list[str]] = {
    "Fingertips CSV export": list(fingertips.COLUMNS),
    "Fingertips compiled extract": list(fingertips.COMPILED_COLUMNS),
    "local measures CSV": list(local_measures.COLUMNS),
    "record-level treatment episodes": list(episodes.REQUIRED_COLUMNS),
    "area lookup": list(areas.LOOKUP_COLUMNS),
    "comparators lookup": ["area_code", "comparator_code"],
    "area changes lookup": list(areas.CHANGE_COLUMNS),
}

#: Name hints, for files whose content says nothing (empty, unreadable): (kind, words).
NAME_HINTS: list[tuple[str, tuple[str, ...]]] = [
    ("plan targets (targets.yaml)", ("target",)),
    ("plan indicators (indicators.yaml)", ("indicator",)),
    ("record-level treatment episodes", ("episode",)),
    ("local measures CSV", ("local_measure", "local measure", "local-measure")),
    ("Fingertips compiled extract", ("walkthrough", "compiled")),
    ("Fingertips CSV export", ("fingertips", "indicator-")),
    ("comparators lookup", ("comparator",)),
    ("area changes lookup", ("area_changes",)),
    ("area lookup", ("areas.csv", "lookups/areas", "lookup")),
]
_BY_NAME = {k.name: k for k in KINDS}


def _guess(path: Path) -> Kind | None:
    """The kind a data file (.csv, .xlsx, .yaml) was meant to be when its content is not
    recognisable: by the columns its header shares with a kind, else by its name."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return _BY_NAME["ONS drug poisoning deaths workbook"]
    if suffix not in {".csv", ".yaml", ".yml"}:
        return None
    if suffix == ".csv":
        header = {h.strip().lower() for h in _header(path)}
        best, score = None, 0.0
        for name, cols in CSV_COLUMNS.items():
            share = len(header & {c.lower() for c in cols}) / len(cols)
            if share > score:
                best, score = name, share
        if best is not None and score >= 0.5:
            return _BY_NAME[best]
    text = path.as_posix().lower()
    for name, words in NAME_HINTS:
        is_yaml_kind = name.endswith(".yaml)")
        if is_yaml_kind == (suffix != ".csv") and any(w in text for w in words):
            return _BY_NAME[name]
    return None


@dataclass(frozen=True)
class Result:
    """The outcome for one file."""

    path: Path
    kind: str | None
    ok: bool
    message: str = ""
    skipped: bool = False
    #: Things a valid file may still lack (e.g. a plan's objectives that no measure evidences).
    notes: tuple[str, ...] = ()


def detect(path: str | Path, *, guess: bool = True) -> Kind | None:
    """The kind of input ``path`` holds: by content (sheet titles, header names, YAML keys);
    failing that, with ``guess``, the kind it was evidently meant to be (most of a kind's
    columns, or its name), so that its own loader can say what is wrong. None when it is
    none the project reads."""
    path = Path(path)
    for kind in KINDS:
        try:
            if kind.sniff(path):
                return kind
        except Exception:  # a sniff that cannot read the file means "not this kind"
            continue
    return _guess(path) if guess else None


def iter_files(
    paths: Iterable[str | Path], on_error: Callable[[LinkError], None] | None = None
) -> list[Path]:
    """Files named, and files under folders named (sorted; the top-level ``cache/`` folder,
    hidden files and folders skipped; symbolic links by the one rule of
    :mod:`cdp_analysis.data_files`: a bad link raises :class:`LinkError`, or with
    ``on_error`` is passed to it)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += data_files.walk(p, skip_top=SKIP_DIRS, on_error=on_error)
        else:
            out.append(p)
    return out


def validate_file(path: str | Path, data_dir: str | Path) -> Result:
    """Recognise and validate one file."""
    path, data_dir = Path(path), Path(data_dir)
    if not path.exists():
        return Result(path, None, False, f"{path}: no such file or folder")
    if path.suffix.lower() in DOC_SUFFIXES or path.name.startswith("."):
        return Result(path, "documentation", True, "not data (skipped)", skipped=True)
    kind = detect(path)
    if kind is None and path.stat().st_size == 0:
        return Result(
            path, None, False,
            f"{path}: the file is empty (0 bytes)\n  Fix: export or copy the file again, or "
            "remove it from the data folder",
        )  # fmt: skip
    if kind is None:
        return Result(
            path,
            None,
            False,
            f"{path}: not a kind of file cdp-analysis reads (expected a Fingertips CSV export, "
            "the ONS drug poisoning workbook, a local measures CSV, a record-level episodes "
            "CSV, indicators.yaml, targets.yaml or a lookup; see data/README.md)\n"
            "  Fix: move files that are not inputs out of the data folder, or give the "
            "file the columns of one of these kinds",
        )
    try:
        loaded = kind.read(path, data_dir)
    except CdpError as exc:
        return Result(path, kind.name, False, str(exc))
    except Exception as exc:  # a loader bug must not hide the other files' results
        return Result(
            path, kind.name, False,
            f"{path}: cdp-analysis could not read this file ({type(exc).__name__}: {exc}). "
            "This is a bug in cdp-analysis: please report it with the file's first lines.",
        )  # fmt: skip
    if kind.read is _read_targets:
        return Result(path, kind.name, True, notes=_plan_notes(path, data_dir, loaded))
    if isinstance(loaded, catalogue.Catalogue):
        return Result(path, kind.name, True, notes=_catalogue_notes(path, loaded))
    return Result(path, kind.name, True)


def _plan_notes(path: Path, data_dir: Path, plans: list) -> tuple[str, ...]:
    """One line per objective of each plan that no measure evidences (the plan is valid,
    but the pack will show nothing for that objective), and one per placeholder of a new
    plan file not yet replaced by the plan's words."""
    from .plan.plans import objectives_without_measure
    from .plan.template import template_words_left

    cat = catalogue.load_indicators(_catalogue_path(path, data_dir))
    notes = []
    for plan in plans:
        for what in template_words_left(plan):
            notes.append(
                f"plan '{plan.id}': the {what} still has the template's placeholder words: "
                "give the plan's own (they are shown on the pack)"
            )
        for number, text in objectives_without_measure(plan, cat):
            notes.append(
                f"plan '{plan.id}': objective {number} has no measure (\"{text}\"): give a "
                'target for a measure with objective: "' + number + '", or add a measure '
                "to indicators.yaml"
            )
    return tuple(notes)


def validate_paths(paths: Iterable[str | Path], data_dir: str | Path) -> list[Result]:
    """Validate every file named or under the folders named; a symbolic link that breaks
    the rule of :mod:`cdp_analysis.data_files` is a failed result naming the link."""
    links: list[LinkError] = []
    files = iter_files(paths, on_error=links.append)
    return [Result(e.link, None, False, str(e)) for e in links] + [
        validate_file(f, data_dir) for f in files
    ]
