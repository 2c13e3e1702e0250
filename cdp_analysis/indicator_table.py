"""Every source in a data folder, as one tidy indicator table keyed by the plan's measures.

:func:`load` recognises each file by content (:mod:`cdp_analysis.validation`), reads it with
its own loader (which validates it), derives the record-level episode indicators, and maps
each source's own ids to the catalogue's measure ids (``indicator_id`` becomes e.g.
``completions_opiate``). Files under ``templates/`` are validated by ``cdp-analysis validate``
but never reported.

A measure may read several sources (``source`` and ``also_from`` in ``indicators.yaml``,
e.g. drug misuse deaths from the ONS workbook and from a Fingertips 92432 export). When
two files give the same row (same measure, area, breakdown and period):

* published real data wins over synthetic demo data (e.g. the real January 2020 Fingertips
  snapshot of non-opiate completions for calendar year 2018 replaces the demo series' value
  for the 35 areas it covers);
* among real rows, the most recent publication wins: the file whose latest period for that
  indicator is latest (a later ONS edition, or a Fingertips export running to 2022 - 24,
  over the ONS 2021 edition); on a tie, the measure's own ``source``, then file order;
* where the rows set aside differ from the one kept by more than rounding
  (:data:`REVISION_TOLERANCE`), the kept row's ``value_note`` says "revised: <old> in
  <source>" and ``table.attrs["revisions"]`` lists each revision;
* the same publication twice (same publisher and edition in two files) is refused.

Rows set aside are counted in ``table.attrs["superseded"]``. Every row keeps its ``source``
(publisher, edition and file), which the pages show beside each value.

ONS figures on May 2022 boundaries are carried onto the April 2023 codes where the area did
not change (:func:`cdp_analysis.areas.map_to_current`).

The assembled table is cached in memory, and on disk as Parquet outside the data folder
(:mod:`cdp_analysis.table_cache`), keyed by the SHA-256 of every input file, the data
folder's path and the package version, so each report kernel reads it instead of
rebuilding it. A cache that does not read back cleanly is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, areas, data_files, table_cache, tidy
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
CACHE_FORMAT = 4
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
        catalogue_path.parent / "lookups" / "area_changes.csv",
    ]:
        h.update(f.relative_to(catalogue_path.parent).as_posix().encode() + b"\0")
        h.update(_file_sha256(f) if f.is_file() else b"-")
    return h.hexdigest()


def map_to_measures(raw: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Rows of ``raw`` (source ids) that feed a catalogue measure, with measure ids.

    A measure takes the rows of each of its sources (its own ``source``/``source_id``, then
    any ``also_from``) with its category; ONS measures and ``also_from`` rows take Persons
    (and the measure's age when it names one); areas are England, regions and upper-tier
    LAs only. A column ``_primary`` marks rows of the measure's own source.
    """
    keep = raw["area_type"].isin([tidy.ENGLAND, tidy.REGION, tidy.UTLA])
    raw = raw[keep]
    parts = []
    for m in catalogue:
        for i, (source, source_id) in enumerate(
            getattr(m, "sources", None) or [(m.source, m.source_id)]
        ):
            sel = (raw["indicator_id"] == source_id) & (raw["category"] == m.category)
            if source == "ons" or i > 0:
                sel &= raw["sex"] == tidy.PERSONS
            if (source == "episodes" or i > 0) and m.age:
                sel &= raw["age"] == m.age
            rows = raw[sel]
            if source in {"fingertips", "ons"}:
                rows = rows[~rows["source"].str.startswith("local")]
            parts.append(rows.assign(indicator_id=m.id, _primary=i == 0))
    return pd.concat(parts, ignore_index=True) if parts else tidy.empty()


#: Two figures for the same period differ by more than rounding when their values differ by
#: more than half a unit of one decimal place (ONS and Fingertips publish rates to 1 dp or
#: more) or their counts differ.
REVISION_TOLERANCE = 0.05


def _publication_columns(df: pd.DataFrame, path: Path, kind: str, order: int) -> pd.DataFrame:
    """``df`` with the hidden columns that rank publications: ``_file``, ``_order`` (file
    order), ``_publisher`` (the catalogue source of the file kind) and ``_edition`` (the end
    of the latest period the file gives for each indicator: a later edition of a publication
    covers later periods)."""
    edition = df.groupby("indicator_id")["period_end"].transform("max")
    return df.assign(_file=str(path), _order=order, _publisher=SOURCES[kind], _edition=edition)


def _short_source(source: str) -> str:
    return source.split(" (")[0]


def _resolve_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """One row per key: real data over synthetic demo data; among real rows, the newest
    publication (latest ``_edition``), then the measure's own source, then file order.

    The same publication twice (same publisher and edition, two files) is refused. Where the
    row kept and a row set aside differ by more than rounding, the kept row's ``value_note``
    says so and ``attrs["revisions"]`` lists the revision.
    """
    if "_edition" not in table:  # rows built without file information
        table = table.assign(_file="", _order=0, _publisher="", _edition=pd.NaT)
    if "_primary" not in table:
        table = table.assign(_primary=True)
    synthetic = tidy.is_synthetic(table["source"])
    table = table.assign(_syn=synthetic)
    real = table[~synthetic]
    real_dup = real[real.duplicated(tidy.KEY, keep=False)]
    if not real_dup.empty:
        same = real_dup.duplicated([*tidy.KEY, "_publisher", "_edition"], keep=False)
        clash = real_dup[same & real_dup.duplicated([*tidy.KEY, "_publisher", "_edition"])]
        clash = clash[clash["_file"] != ""]
        if not clash.empty:
            c = clash.iloc[0]
            raise CdpError(
                "Two data files give the same figures for "
                f"{c['indicator_id']}, {c['area_code']}, {c['period_label']} "
                f"({c['source']}). Keep one copy of each edition of a source in the data folder."
            )
    order = table.sort_values(
        ["_syn", "_edition", "_primary", "_order"],
        ascending=[True, False, False, True],
        kind="stable",
        na_position="last",
    )
    out = order.drop_duplicates(tidy.KEY, keep="first")
    revisions = _revisions(order, out)
    if revisions:
        notes = {}
        for r in revisions:
            notes.setdefault(r["index"], []).append(
                f"revised: {r['old_value']:g}"
                + (f" ({r['old_count']:g})" if np.isfinite(r["old_count"]) else "")
                + f" in {r['old_source']}"
            )
        idx = list(notes)
        extra = pd.Series({i: "; ".join(v) for i, v in notes.items()})
        cur = out.loc[idx, "value_note"].fillna("")
        out.loc[idx, "value_note"] = np.where(cur.eq(""), extra[idx], cur + "; " + extra[idx])
    kept_per_file = out["_file"].value_counts().to_dict()
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    out.attrs["kept_per_file"] = {str(k): int(v) for k, v in kept_per_file.items()}
    out.attrs["superseded"] = int(len(table) - len(out))
    out.attrs["revisions"] = [{k: v for k, v in r.items() if k != "index"} for r in revisions]
    return out


def _revisions(order: pd.DataFrame, kept: pd.DataFrame) -> list[dict]:
    """Real rows set aside whose value or count differs from the kept row's by more than
    rounding, one dict each (indicator, area, period, kept and old value, count, source)."""
    real = order[~order["_syn"]]
    dup = real[real.duplicated(tidy.KEY, keep=False)]
    if dup.empty:
        return []
    first = dup.drop_duplicates(tidy.KEY, keep="first")
    rest = dup[~dup.index.isin(first.index)]
    pairs = rest.merge(
        first[[*tidy.KEY, "value", "count", "source"]].reset_index(),
        on=tidy.KEY, suffixes=("_old", ""),
    )  # fmt: skip
    diff_value = (pairs["value"] - pairs["value_old"]).abs() > REVISION_TOLERANCE + 1e-9
    diff_count = (pairs["count"] - pairs["count_old"]).abs() > 0
    changed = pairs[diff_value.fillna(False) | diff_count.fillna(False)]
    return [
        {
            "index": r["index"],
            "indicator_id": r["indicator_id"],
            "area_code": r["area_code"],
            "period_label": r["period_label"],
            "value": float(r["value"]),
            "count": float(r["count"]),
            "source": _short_source(r["source"]),
            "old_value": float(r["value_old"]),
            "old_count": float(r["count_old"]),
            "old_source": _short_source(r["source_old"]),
        }
        for r in changed.to_dict("records")
    ]


def _edition_words(source: str) -> str:
    """A row's ``source`` without its closing file part: ``ONS, ..., 2021 registrations``."""
    return source.rsplit(" (", 1)[0] if source.endswith(")") and " (" in source else source


def _file_log(
    files: list[tuple[Path, str]],
    raw: pd.DataFrame,
    mapped: pd.DataFrame,
    kept_per_file: dict[str, int],
    data_dir: Path,
) -> list[dict]:
    """One plain dict per indicator source file, for the pack's data log: its path relative
    to the data folder, kind, whether its rows are real and/or synthetic, the editions it
    gives (its rows' ``source`` without the file part), the first and last period it gives
    for the plan's measures, and how many measure rows it gave and how many the table kept
    (the rest were superseded by a newer publication or by real data)."""
    out = []
    for path, kind in files:
        rows = raw[raw["_file"] == str(path)]
        used = mapped[mapped["_file"] == str(path)]
        synthetic = tidy.is_synthetic(rows["source"]) if len(rows) else pd.Series(dtype=bool)
        entry = {
            "file": path.relative_to(data_dir).as_posix(),
            "kind": kind,
            "publisher": SOURCES[kind],
            "real": bool((~synthetic).any()),
            "synthetic": bool(synthetic.any()),
            "editions": sorted({_edition_words(s) for s in used["source"].unique()}),
            "first_period": None,
            "last_period": None,
            "rows": int(len(used)),
            "kept": int(kept_per_file.get(str(path), 0)),
        }
        if len(used):
            entry["first_period"] = str(used.loc[used["period_start"].idxmin(), "period_label"])
            entry["last_period"] = str(used.loc[used["period_end"].idxmax(), "period_label"])
        out.append(entry)
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
    raw = pd.concat(
        [_publication_columns(_read(p, k, data_dir), p, k, i) for i, (p, k) in enumerate(files)],
        ignore_index=True,
    )
    raw = areas.map_to_current(raw, data_dir)
    mapped = map_to_measures(raw, catalogue)
    table = _resolve_duplicates(mapped)
    attrs = dict(table.attrs)
    attrs["file_log"] = _file_log(files, raw, mapped, attrs.pop("kept_per_file"), data_dir)
    table = table.sort_values(["indicator_id", "area_code", "period_end", "period_start"])
    table = tidy.conform(table)
    table.attrs.update(attrs)
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
        table.attrs["file_log"] = list(meta.get("file_log", []))
        table.attrs["files"] = [str(p) for p, _ in input_files(data_dir)]
        return table, extra
    table, extra = _build(data_dir)
    info = {"superseded": int(table.attrs["superseded"]), "file_log": table.attrs["file_log"]}
    table_cache.write(digest, table, extra, info)
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


def resolve_quarter(quarter: str | Quarter, data_dir: str | Path) -> Quarter:
    """A reporting quarter: a label such as ``2025-26Q4``, a :class:`Quarter`, or ``latest``
    (the latest quarter with quarterly data). A quarter after the latest data is refused:
    its pack would show older figures under a later label."""
    latest = latest_quarter(data_dir)
    if isinstance(quarter, Quarter):
        q = quarter
    elif str(quarter).strip().lower() == "latest":
        return latest
    else:
        try:
            q = Quarter.parse(str(quarter))
        except ValueError as err:
            raise CdpError(str(err)) from err
    if q > latest:
        raise CdpError(
            f"No data reach {q.label} yet: the latest quarter in {data_dir} is {latest.label}. "
            "Add the new quarter's data (see cdp-analysis fetch and the user guide) or use "
            "--quarter latest."
        )
    return q


@cache
def _latest_quarter(data_dir: Path, digest: str) -> Quarter:
    table = _load_cached(data_dir, digest)[0]
    cat = load_indicators(data_dir / "indicators.yaml")
    quarterly = [m.id for m in cat if m.frequency in {"quarterly", "single_quarter"}]
    ends = table.loc[table["indicator_id"].isin(quarterly), "period_end"]
    if ends.empty:
        raise CdpError(f"No quarterly data in {data_dir}: give --quarter explicitly.")
    return Quarter.containing(ends.max())
