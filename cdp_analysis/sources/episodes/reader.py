"""Reading and validating an episodes CSV: text, structure, columns, then the row rules.

Every problem is an :class:`~cdp_analysis.errors.InputError` naming the file, the CSV line
numbers, the column, the expected value and the fix; nothing is dropped or coerced.
"""

from __future__ import annotations

import csv
import difflib
import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ... import areas, schemas, tidy
from ...errors import InputError, Problem
from ...text_files import decode_utf8
from . import rules as episode_rules
from .fields import (
    EXIT_REASONS,
    KIND,
    OPTIONAL_COLUMNS,
    REFERRAL_SOURCES,
    REQUIRED_COLUMNS,
    SEXES,
    SUBSTANCE_GROUPS,
    SYNTHETIC_COLUMN,
)

_FIX = (
    "correct the listed lines (in the case system or the extract) and export again; "
    "docs/episodes.md describes every column and allowed value"
)
_EMPTY_FIX = (
    "export the episodes again (a header row, then one row per episode): an empty file usually "
    "means an export or a copy failed; `cdp-analysis demo-data` writes the bundled demo "
    "extract (data/demo/episodes_E06000044_demo.csv) again"
)
_UTF8_FIX = (
    "re-save it as UTF-8: in Excel use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; "
    "in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'; or export the "
    "episodes from the case system again as UTF-8"
)


def load_episodes(
    path: str | Path, *, today: date | None = None, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Read and validate an episodes CSV; return one row per episode.

    Columns are :data:`FIELDS`: every text column categorical (``client_id`` and
    ``area_code`` with the values found, the codes with their allowed values; ``exit_reason``
    NaN where blank), integer ``age_at_start``, datetime64 dates (NaT where blank) and
    ``line`` (the CSV line number). ``notes`` and ``date_of_birth`` are
    not returned. ``attrs`` holds ``file``, ``synthetic`` and ``source`` (the tidy source
    text). ``today`` (default: the current date) is the limit for dates in the future.
    Raises :class:`InputError` listing every problem found.
    """
    path = Path(path)
    raw, lines = _read_csv(path)
    return validate_episodes(raw, file=path, lines=lines, today=today, data_dir=data_dir)


def _read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Decode and parse the CSV as text; return the frame and each row's line number."""
    if not path.is_file():
        raise InputError(path, "the file does not exist", kind=KIND, fix="check the file name")
    data = path.read_bytes()
    text = decode_utf8(data, path, KIND, empty_fix=_EMPTY_FIX, utf8_fix=_UTF8_FIX)
    if data.endswith((b"\n\n", b"\n\r\n")):  # blank lines at the very end hold no episode
        data = data.rstrip(b"\r\n") + b"\n"
        text = text.rstrip("\r\n") + "\n"
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        cut = (
            ""
            if data.endswith(b"\n")
            else " (the file does not end with a line break: it may be truncated)"
        )
        raise InputError(
            path,
            f"not a well-formed CSV file ({str(exc).strip()}){cut}",
            kind=KIND,
            fix="quote any value containing a comma, and give every line the header's columns; "
            "if the file was downloaded or copied, fetch it again",
        ) from None
    n = len(df)
    lines = np.arange(2, n + 2, dtype=np.int64)
    # Quoted values may hold line breaks: then count them so line numbers stay true.
    if data.count(b"\n") > n + 1:
        extra = np.zeros(n, dtype=np.int64)
        for col in df.columns:
            extra += df[col].str.count("\n").to_numpy(dtype=np.int64)
        lines += np.concatenate([[0], np.cumsum(extra)[:-1]]) if n else extra
    _check_field_counts(path, text, len(df.columns), lines)
    return df, lines


def _check_field_counts(path: Path, text: str, width: int, lines: np.ndarray) -> None:
    """Refuse rows with fewer fields than the header: pandas pads them with blanks, so a row
    cut short (a truncated file) would otherwise be read as blank values. Fields are counted
    by the csv module (in C); a blank line (no fields) is left to the blank-line rule."""
    fields = np.fromiter(map(len, csv.reader(io.StringIO(text, newline=""))), dtype=np.int64)
    rows = fields[1:]
    if len(rows) != len(lines):  # pandas and the csv module disagree on where rows end
        raise InputError(
            path,
            "not a well-formed CSV file: rows could not be told apart (check the quotes)",
            kind=KIND,
            fix="quote any value containing a comma, a quote or a line break",
        )
    short = (rows > 0) & (rows < width)
    if short.any():
        raise InputError(
            path,
            Problem(
                "row has fewer fields than the header (it is cut short: the file may be truncated)",
                rows=lines[short].tolist(),
                expected=f"{width} comma-separated fields, as many as the header on line 1",
            ),
            kind=KIND,
            fix="if the file was downloaded or copied, fetch it again (it may be truncated); "
            "otherwise give every line the header's columns, quoting values that contain commas",
        )


def validate_episodes(
    raw: pd.DataFrame,
    *,
    file: str | Path | None = None,
    lines: np.ndarray | None = None,
    today: date | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Validate episodes read as text (every cell a string, blanks ``""``); see
    :func:`load_episodes`. ``lines`` are the rows' CSV line numbers (default 2, 3, ...)."""
    n = len(raw)
    lines = np.arange(2, n + 2) if lines is None else np.asarray(lines)
    if n == 0:
        raise InputError(
            file, "the file has a header but no episodes", kind=KIND,
            fix="export the episodes again: a header row, then one row per episode",
        )  # fmt: skip
    _check_columns(raw, file)
    today = pd.Timestamp(today if today is not None else date.today())
    frame = episode_rules.cells(raw, lines)
    checks = episode_rules.rules(frame, areas.upper_tier_codes(data_dir), today)
    problems = schemas.problems(frame, checks)
    if problems:
        raise InputError(file, problems, kind=KIND, fix=_FIX)
    return _episodes(raw, frame, Path(file).name if file is not None else "episodes")


def _episodes(raw: pd.DataFrame, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The validated episodes, typed (see :func:`load_episodes`), with their ``attrs``."""
    client_codes, client_ids = pd.factorize(raw["client_id"])
    out = pd.DataFrame(
        {
            "client_id": pd.Categorical.from_codes(client_codes, categories=client_ids),
            "area_code": pd.Categorical(raw["area_code"]),
            "age_at_start": episode_rules.ages(frame).astype(np.int16),
            "sex": pd.Categorical(raw["sex"], categories=SEXES),
            "substance_group": pd.Categorical(raw["substance_group"], categories=SUBSTANCE_GROUPS),
            "referral_source": pd.Categorical(raw["referral_source"], categories=REFERRAL_SOURCES),
            "start_date": frame["_start_date"].to_numpy(),
            "exit_date": frame["_exit_date"].to_numpy(),
            "exit_reason": pd.Categorical(
                raw["exit_reason"].replace("", None), categories=EXIT_REASONS
            ),
            "representation_date": frame["_representation_date"].to_numpy(),
            "line": frame.index.to_numpy(),
        }
    ).reset_index(drop=True)
    synthetic = SYNTHETIC_COLUMN in raw
    described = f"local record-level episodes ({name})"
    out.attrs = {
        "file": name,
        "synthetic": synthetic,
        "source": f"{tidy.SYNTHETIC}: {described}" if synthetic else described,
    }
    return out


def _check_columns(raw: pd.DataFrame, file: str | Path | None) -> None:
    cols = [str(c) for c in raw.columns]
    required = [
        c for c in REQUIRED_COLUMNS if not (c == "age_at_start" and "date_of_birth" in cols)
    ]
    missing = [c for c in required if c not in cols]
    unknown = [c for c in cols if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    problems = []
    for col in missing:
        near = difflib.get_close_matches(col.lower(), [u.lower().strip() for u in unknown], 1, 0.6)
        hint = ""
        if near:
            original = next(u for u in unknown if u.lower().strip() == near[0])
            hint = f": rename '{original}' to '{col}'"
        elif col == "age_at_start":
            hint = " (or give date_of_birth to derive it)"
        problems.append(
            Problem(
                f"missing column{hint}",
                rows=[1],
                column=col,
                expected=", ".join(REQUIRED_COLUMNS),
            )
        )
    for col in unknown:
        near = difflib.get_close_matches(col.lower(), REQUIRED_COLUMNS + OPTIONAL_COLUMNS, 1, 0.6)
        hint = f" (did you mean '{near[0]}'?)" if near else " (remove it from the extract)"
        problems.append(
            Problem(
                f"column not in the episodes template{hint}",
                rows=[1],
                column=col,
                expected="only the columns in docs/episodes.md",
            )
        )
    if problems:
        raise InputError(
            file,
            problems,
            kind=KIND,
            fix="use the column names of the template exactly (docs/episodes.md); header: "
            + ",".join(REQUIRED_COLUMNS),
        )
