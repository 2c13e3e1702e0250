"""The indicator table's disk cache: Parquet files that hold data and can run nothing.

Building the indicator table reads every source in the data folder (seconds: the ONS
workbook, the record-level episodes); a pack run needs it in the run's own process and in
every report kernel, so it is kept on disk between processes and runs.

What makes the cache safe to read:

- **Data only.** Tables are stored as Parquet (Apache Arrow's columnar file format, read
  with pyarrow) and a small JSON description. Neither can carry code, unlike the pickle
  files earlier versions kept: nothing in this package loads pickle, joblib or dill.
- **Outside the data folder.** The cache lives in the user's cache folder
  (``platformdirs.user_cache_dir("cdp-analysis")``, e.g. ``~/.cache/cdp-analysis`` on
  Linux), or in ``$CDP_CACHE_DIR`` when set, never in a (possibly shared) data folder.
- **Keyed by content.** Files are named by the SHA-256 digest of every input file, the data
  folder's path, the package version and the cache format (see
  ``indicator_table.digest``): a changed input is a new key, never a stale hit.
- **Checked on read, rebuilt when in doubt.** The description records the SHA-256 of each
  Parquet file; a file whose bytes differ, that does not parse, or whose columns or types
  are not the tidy table's is deleted and the table rebuilt from the inputs. A garbled or
  planted cache file therefore changes nothing in a pack.

Writes go to a temporary name and are renamed into place; a cache folder that cannot be
written is skipped (the run works without a disk cache).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from . import __version__, tidy

#: Environment variable naming the cache folder (tests, shared machines).
ENV = "CDP_CACHE_DIR"
#: Bump when the layout of the files changes.
FORMAT = 1
PARTS = ("table", "extra")


def cache_dir() -> Path:
    """Where the indicator-table cache lives: ``$CDP_CACHE_DIR``, else the user cache folder."""
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("cdp-analysis", appauthor=False)) / "indicator-table"


def _paths(digest: str) -> tuple[Path, dict[str, Path]]:
    folder = cache_dir()
    return folder / f"{digest}.json", {p: folder / f"{digest}.{p}.parquet" for p in PARTS}


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _is_tidy(df: pd.DataFrame) -> bool:
    """Whether ``df`` has exactly the tidy columns with the tidy kinds of dtype."""
    if list(df.columns) != tidy.COLUMNS:
        return False
    types = pd.api.types
    return (
        all(types.is_string_dtype(df[c]) for c in tidy.STRING_COLUMNS)
        and all(df[c].dtype == "float64" for c in tidy.FLOAT_COLUMNS)
        and all(types.is_datetime64_dtype(df[c]) for c in tidy.DATE_COLUMNS)
    )


def _remove(digest: str) -> None:
    meta, parts = _paths(digest)
    for p in (meta, *parts.values()):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


def read(digest: str) -> tuple[pd.DataFrame, pd.DataFrame, dict] | None:
    """The cached (table, extra rows, info) for ``digest``, or None when there is no cache
    or it does not read back cleanly (it is then deleted, to be rebuilt)."""
    meta_path, parts = _paths(digest)
    if not meta_path.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if (
            not isinstance(meta, dict)
            or meta.get("format") != FORMAT
            or meta.get("digest") != digest
            or meta.get("version") != __version__
            or not isinstance(meta.get("sha256"), dict)
            or not isinstance(meta.get("info"), dict)
        ):
            raise ValueError("not this cache's description")
        frames = []
        for name, path in parts.items():
            if _sha256(path) != meta["sha256"].get(name):
                raise ValueError(f"{path.name} differs from the SHA-256 recorded for it")
            df = pq.read_table(path).to_pandas()
            if not _is_tidy(df):
                raise ValueError(f"{path.name} does not hold the tidy table's columns")
            if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0:
                raise ValueError(f"{path.name} has an unexpected index")
            frames.append(df)
    except Exception:  # anything at all: rebuild from the inputs, never trust it
        _remove(digest)
        return None
    return frames[0], frames[1], meta["info"]


def write(digest: str, table: pd.DataFrame, extra: pd.DataFrame, info: dict) -> bool:
    """Store ``table`` and ``extra`` (tidy tables) for ``digest``; False when the cache
    folder cannot be written (the run then works without it)."""
    meta_path, parts = _paths(digest)
    tmp_suffix = f".{os.getpid()}.tmp"  # one writer per process
    try:
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        sums = {}
        for name, df in zip(PARTS, (table, extra), strict=True):
            tmp = parts[name].with_name(parts[name].name + tmp_suffix)
            df.reset_index(drop=True).to_parquet(tmp, engine="pyarrow", index=False)
            sums[name] = _sha256(tmp)
            tmp.replace(parts[name])
        meta = {"format": FORMAT, "digest": digest, "version": __version__, "sha256": sums,
                "info": info}  # fmt: skip
        tmp = meta_path.with_name(meta_path.name + tmp_suffix)
        tmp.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        tmp.replace(meta_path)  # last: a description means the tables are complete
    except OSError:
        return False
    return True
