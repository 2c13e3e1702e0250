"""Every source in a data folder, as one tidy indicator table keyed by the plan's measures.

:func:`load` recognises each file by content (:mod:`cdp_analysis.validation`), reads it with
its own loader (which validates it), derives the record-level episode indicators, and maps
each source's own ids to the catalogue's measure ids (``indicator_id`` becomes e.g.
``completions_opiate``). Files under ``templates/`` are validated by ``cdp-analysis validate``
but never reported.

When two sources give the same row (same measure, area, breakdown and period), published
real data wins over synthetic demo data, and the rows set aside are counted in
``table.attrs["superseded"]``: e.g. the real January 2020 Fingertips snapshot of non-opiate
completions for calendar year 2018 replaces the demo series' rolling 12 months to 2018/19 Q3
for the 35 areas it covers. Two real sources disagreeing is an error.

The assembled table is cached in memory, and on disk as Parquet outside the data folder
(:mod:`cdp_analysis.table_cache`), keyed by the SHA-256 of every input file, the data
folder's path and the package version, so each report kernel reads it instead of
rebuilding it. A cache that does not read back cleanly is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import pandas as pd

from . import __version__, data_files, table_cache, tidy
from .errors import CdpError, InputError, Problem
from .paths import DATA_NOT_INPUTS
from .periods import Quarter
from .plan.catalogue import Catalogue, load_indicators
from .sources import episodes, fingertips, local_measures, ons
from .validation import detect

#: Folders of the data folder that are not report inputs.
NOT_INPUTS = DATA_NOT_INPUTS
#: Kinds of file that carry indicator rows, with the catalogue source they feed.
SOURCES = {
    "ONS drug poisoning deaths workbook": "ons",
    "Fingertips CSV export": "fingertips",
    "Fingertips compiled extract": "fingertips",
    "local measures CSV": "local",
    "record-level treatment episodes": "episodes",
}
#: Bump when the cached tables' shape changes, so old caches are not read.
CACHE_FORMAT = 3
#: Name prefix of `cdp-analysis fetch` downloads (dated, so names sort by date).
API_DOWNLOAD_PREFIX = "fingertips_api_"


def input_files(data_dir: str | Path) -> list[tuple[Path, str]]:
    """(path, kind) of every indicator source in the data folder, in path order."""
    data_dir = Path(data_dir)
    out = []
    for f in data_files.inputs(data_dir):
        st = f.stat()
        kind = _kind(f, st.st_mtime_ns, st.st_size)
        if kind in SOURCES:
            out.append((f, kind))
    # `cdp-analysis fetch` writes dated downloads: only the newest one is an input
    downloads = sorted(p for p, _ in out if p.name.startswith(API_DOWNLOAD_PREFIX))
    return [(p, k) for p, k in out if p not in downloads[:-1]]


@cache
def _kind(path: Path, mtime_ns: int, size: int) -> str | None:
    """Content-based kind of a file, remembered while the file is unchanged."""
    kind = detect(path)
    return kind.name if kind else None


def _read(path: Path, kind: str, data_dir: Path) -> pd.DataFrame:
    if kind == "ONS drug poisoning deaths workbook":
        return ons.load_workbook(path)
    if kind == "Fingertips CSV export":
        return fingertips.read_fingertips_csv(path, data_dir=data_dir)
    if kind == "Fingertips compiled extract":
        return fingertips.read_compiled_extract(path, data_dir=data_dir)
    if kind == "local measures CSV":
        return local_measures.read_local_measures(path, data_dir=data_dir)
    ep = episodes.load_episodes(path, data_dir=data_dir)
    return episodes.derive_indicators(ep, data_dir=data_dir)


def _file_sha256(path: Path) -> bytes:
    """SHA-256 of a file, remembered while its size and modification time are unchanged
    (a warm report kernel asks for the same digests once per notebook)."""
    st = path.stat()
    return _sha256_of(path.resolve(), st.st_mtime_ns, st.st_size)


@cache
def _sha256_of(path: Path, mtime_ns: int, size: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _digest(files: list[tuple[Path, str]], catalogue_path: Path) -> str:
    h = hashlib.sha256(f"cdp-analysis {__version__} cache {CACHE_FORMAT}\n".encode())
    h.update(str(catalogue_path.parent).encode() + b"\n")
    for f in [
        *(p for p, _ in files),
        catalogue_path,
        catalogue_path.parent / "lookups" / "areas.csv",
    ]:
        h.update(f.relative_to(catalogue_path.parent).as_posix().encode() + b"\0")
        h.update(_file_sha256(f) if f.is_file() else b"-")
    return h.hexdigest()


def map_to_measures(raw: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Rows of ``raw`` (source ids) that feed a catalogue measure, with measure ids.

    A measure takes the rows of its source id and category; ONS measures take Persons; areas
    are England, regions and upper-tier LAs only.
    """
    keep = raw["area_type"].isin([tidy.ENGLAND, tidy.REGION, tidy.UTLA])
    raw = raw[keep]
    parts = []
    for m in catalogue:
        sel = (raw["indicator_id"] == m.source_id) & (raw["category"] == m.category)
        if m.source == "ons":
            sel &= raw["sex"] == tidy.PERSONS
        if m.source == "episodes" and m.age:
            sel &= raw["age"] == m.age
        rows = raw[sel]
        if m.source in {"fingertips", "ons"}:
            rows = rows[~rows["source"].str.startswith("local")]
        parts.append(rows.assign(indicator_id=m.id))
    return pd.concat(parts, ignore_index=True) if parts else tidy.empty()


def _resolve_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    synthetic = tidy.is_synthetic(table["source"])
    dup = table.duplicated(tidy.KEY, keep=False)
    real_dup = table[dup & ~synthetic].duplicated(tidy.KEY, keep=False)
    if real_dup.any():
        clash = table[dup & ~synthetic][real_dup].iloc[0]
        raise CdpError(
            "Two data files give the same figures for "
            f"{clash['indicator_id']}, {clash['area_code']}, {clash['period_label']} "
            f"({clash['source']}). Keep one edition of each source in the data folder."
        )
    order = table.assign(_syn=synthetic).sort_values("_syn", kind="stable")
    out = order.drop_duplicates(tidy.KEY, keep="first").drop(columns="_syn")
    out.attrs["superseded"] = int(len(table) - len(out))
    return out


#: Source rows kept beside the measures for context on the report pages (not plan measures).
SUPPLEMENTARY = (
    "episodes_representations",
    "ons_drug_misuse_annual_count",
    "ons_drug_poisoning_annual_count",
)


def build(data_dir: str | Path, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Read every source in ``data_dir`` and return the tidy table (no caching)."""
    return _build(data_dir, catalogue)[0]


def _build(
    data_dir: str | Path, catalogue: Catalogue | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy table, and the rows of :data:`SUPPLEMENTARY` source ids for England,
    regions and upper-tier LAs (Persons)."""
    data_dir = Path(data_dir)
    catalogue = catalogue or load_indicators(data_dir / "indicators.yaml")
    files = input_files(data_dir)
    if not files:
        raise InputError(
            data_dir,
            Problem("no data files found", expected="Fingertips, ONS, local or episodes files"),
            fix="point --data at a folder like the bundled data/ (see data/README.md)",
        )
    raw = pd.concat([_read(p, k, data_dir) for p, k in files], ignore_index=True)
    table = _resolve_duplicates(map_to_measures(raw, catalogue))
    superseded = table.attrs["superseded"]
    table = table.sort_values(["indicator_id", "area_code", "period_end", "period_start"])
    table = tidy.conform(table)
    table.attrs["superseded"] = superseded
    table.attrs["files"] = [str(p) for p, _ in files]
    extra = raw[
        raw["indicator_id"].isin(SUPPLEMENTARY)
        & raw["area_type"].isin([tidy.ENGLAND, tidy.REGION, tidy.UTLA])
        & (raw["sex"] == tidy.PERSONS)
    ]
    return table, tidy.conform(extra)


@cache
def _load_cached(data_dir: Path, digest: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    cached = table_cache.read(digest)
    if cached is not None:
        table, extra, meta = cached
        table.attrs["superseded"] = int(meta.get("superseded", 0))
        table.attrs["files"] = [str(p) for p, _ in input_files(data_dir)]
        return table, extra
    table, extra = _build(data_dir)
    table_cache.write(digest, table, extra, {"superseded": int(table.attrs["superseded"])})
    return table, extra


def digest(data_dir: str | Path) -> str:
    """SHA-256 over the data folder's inputs, the catalogue, the area lookup and the version."""
    data_dir = Path(data_dir).resolve()
    return _digest(input_files(data_dir), data_dir / "indicators.yaml")


def load(data_dir: str | Path) -> pd.DataFrame:
    """The tidy indicator table for ``data_dir`` (cached; a copy, safe to modify)."""
    data_dir = Path(data_dir).resolve()
    table = _load_cached(data_dir, digest(data_dir))[0]
    out = table.copy()
    out.attrs = dict(table.attrs)
    return out


def supplementary(data_dir: str | Path, indicator_id: str) -> pd.DataFrame:
    """Rows of one :data:`SUPPLEMENTARY` source id (cached; a copy)."""
    if indicator_id not in SUPPLEMENTARY:
        raise ValueError(f"'{indicator_id}' is not one of {SUPPLEMENTARY}")
    data_dir = Path(data_dir).resolve()
    extra = _load_cached(data_dir, digest(data_dir))[1]
    return extra[extra["indicator_id"] == indicator_id].copy()


def latest_quarter(data_dir: str | Path) -> Quarter:
    """The latest quarter with quarterly data (rolling or single quarters) in ``data_dir``."""
    data_dir = Path(data_dir).resolve()
    return _latest_quarter(data_dir, digest(data_dir))


@cache
def _latest_quarter(data_dir: Path, digest: str) -> Quarter:
    table = _load_cached(data_dir, digest)[0]
    cat = load_indicators(data_dir / "indicators.yaml")
    quarterly = [m.id for m in cat if m.frequency in {"quarterly", "single_quarter"}]
    ends = table.loc[table["indicator_id"].isin(quarterly), "period_end"]
    if ends.empty:
        raise CdpError(f"No quarterly data in {data_dir}: give --quarter explicitly.")
    return Quarter.containing(ends.max())
