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

import pandas as pd

from . import areas, catalogue, episodes, fingertips, local_measures, ons
from .errors import CdpError, InputError, Problem

#: Files that are documentation or provenance, not data: listed, not validated.
DOC_SUFFIXES = {".md", ".txt", ".rst", ".json", ".gitkeep"}
#: Folders never walked (downloads cache, hidden folders).
SKIP_DIRS = {"cache", "__pycache__"}


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


def _read_comparators(path: Path, data_dir: Path) -> object:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    known = set(areas.lookup(data_dir)["area_code"])
    problems = []
    for col in ("area_code", "comparator_code"):
        bad = ~df[col].isin(known)
        if bad.any():
            problems.append(
                Problem(
                    "area code not in data/lookups/areas.csv",
                    rows=(df.index[bad] + 2).tolist(),
                    column=col,
                    expected="an upper-tier local authority code such as E06000044",
                )
            )
    dup = df.duplicated(["area_code", "comparator_code"], keep=False)
    if dup.any():
        problems.append(Problem("duplicate pair", rows=(df.index[dup] + 2).tolist()))
    if problems:
        raise InputError(path, problems, kind="comparators lookup")
    return df


def _looks_like_episodes(path: Path) -> bool:
    return _header(path) >= {"client_id", "start_date", "substance_group"}


def _header(path: Path) -> set[str]:
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return set()
    return {c.strip().strip('"') for c in first.rstrip("\r\n").split(",")}


def _read_targets(path: Path, data_dir: Path) -> object:
    cat_path = path.parent / catalogue.INDICATORS_FILE
    if not cat_path.is_file():
        cat_path = data_dir / catalogue.INDICATORS_FILE
    return catalogue.load_targets(path, catalogue.load_indicators(cat_path))


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
]  # fmt: skip


@dataclass(frozen=True)
class Result:
    """The outcome for one file."""

    path: Path
    kind: str | None
    ok: bool
    message: str = ""
    skipped: bool = False


def detect(path: str | Path) -> Kind | None:
    """The kind of input ``path`` holds, or None when it is none the project reads."""
    path = Path(path)
    for kind in KINDS:
        try:
            if kind.sniff(path):
                return kind
        except Exception:  # a sniff that cannot read the file means "not this kind"
            continue
    return None


def iter_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and files under folders named (sorted, cache and hidden folders skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(
                    part in SKIP_DIRS or part.startswith(".") for part in rel[:-1]
                ):
                    out.append(f)
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
    if path.stat().st_size == 0:
        return Result(path, None, False, f"{path}: the file is empty (0 bytes)")
    kind = detect(path)
    if kind is None:
        return Result(
            path,
            None,
            False,
            f"{path}: not a kind of file cdp-analysis reads (expected a Fingertips CSV export, "
            "the ONS drug poisoning workbook, a local measures CSV, a record-level episodes "
            "CSV, indicators.yaml, targets.yaml or a lookup; see data/README.md)",
        )
    try:
        kind.read(path, data_dir)
    except CdpError as exc:
        return Result(path, kind.name, False, str(exc))
    return Result(path, kind.name, True)


def validate_paths(paths: Iterable[str | Path], data_dir: str | Path) -> list[Result]:
    """Validate every file named or under the folders named."""
    return [validate_file(f, data_dir) for f in iter_files(paths)]
