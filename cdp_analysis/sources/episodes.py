"""Record-level treatment episodes (NDTMS-like): data dictionary, validation, derivations.

A local extract holds one row per treatment episode. :func:`load_episodes` reads and
validates it (every problem is an :class:`~cdp_analysis.errors.InputError` naming the file,
the CSV line numbers, the column, the expected value and the fix; nothing is dropped or
coerced). :func:`derive_indicators` turns validated episodes into the tidy indicator table for
every area and every quarter at once (rolling 12 months ending at each quarter end), with
vectorised interval logic: no loop over clients or episodes.

Data dictionary (CSV, UTF-8, header row, one row per episode; dates ``YYYY-MM-DD``, or
``DD/MM/YYYY`` as UK Excel writes them)
=============================================================================================

=====================  ========  ===============================================================
column                 required  meaning and allowed values
=====================  ========  ===============================================================
client_id              yes       pseudonymised client identifier (any non-blank text); the same
                                 person has the same id in every episode
area_code              yes       upper-tier local authority of residence, a UTLA code in
                                 ``data/lookups/areas.csv`` (e.g. ``E06000044`` Portsmouth)
age_at_start           yes [1]_  whole years of age on ``start_date``, 0-120
sex                    yes       ``male``, ``female``, ``other``, ``not_stated``
substance_group        yes       the four NDTMS adult groups: ``opiate``, ``non_opiate_only``,
                                 ``non_opiate_and_alcohol``, ``alcohol_only`` (young people's
                                 episodes use the same four)
referral_source        yes       ``self``, ``education``, ``youth_offending``,
                                 ``criminal_justice``, ``gp``, ``social_care``, ``health``,
                                 ``other``
start_date             yes       date the episode started (triage / first intervention)
exit_date              no        date the episode ended; blank while still in treatment
exit_reason            no        blank exactly when ``exit_date`` is blank, else one of
                                 ``completed_free_of_dependence`` (NDTMS "successful
                                 completion - drug free", "- alcohol free" and "- occasional
                                 user (not opiates or crack)"), ``dropped_out``,
                                 ``transferred``, ``died``, ``prison``, ``treatment_declined``,
                                 ``other``
representation_date    no        date the client next presented to treatment after this exit;
                                 blank if they have not (or the episode is open)
date_of_birth          optional  accepted only to derive ``age_at_start`` [1]_
notes                  optional  free text from the case system: read, never validated,
                                 dropped on load, never output
synthetic              optional  marks demo data: when present, every line must say
                                 ``synthetic demo data`` (a file cannot mix real and synthetic
                                 episodes); the tidy rows' ``source`` then begins with it
=====================  ========  ===============================================================

.. [1] ``age_at_start`` is preferred: a date of birth is a direct identifier and the
   derivations need only the age. Some provider systems export dates of birth rather than
   ages, so a file may carry ``date_of_birth`` instead of (or as well as) ``age_at_start``;
   the age is then computed as completed years on ``start_date`` (both present: they must
   agree) and the date of birth is dropped on load, so it never travels further.

Any other column is refused (rename it or remove it): the template is strict so that renamed
columns are caught and no unexpected identifiers are carried along.

Rules checked on load, besides the values above: the file is UTF-8 (not UTF-16) and not empty;
every row has the header's fields (a row cut short means a truncated file); dates are real
calendar dates and not in the future; ``exit_date`` is not before ``start_date``; ``representation_date`` needs an
``exit_date`` and is not before it; one episode per client per ``start_date``; and a
successful completion followed in the file by another episode of the same client (starting on
or after the exit) has a ``representation_date`` on or before that episode's start.

Derived indicators (tidy ``indicator_id``, ``age``, ``category``)
-----------------------------------------------------------------

For each area, each quarter end Q and the 12 months W = [Q.rolling_12m()] ending there. An
episode is an adult's when ``age_at_start`` >= 18, a young person's when under 18; adult and
young people's counts are kept apart (as NDTMS's two datasets are), so a client with episodes
in both age bands in W counts in each. All counts are distinct clients.

* ``episodes_adults_in_treatment`` (18+): clients with an episode overlapping W
  (``start_date`` <= end of W and ``exit_date`` blank or >= start of W). A client is counted
  in one substance group: that of their latest-starting episode overlapping W, so the groups
  add up to the total (``category`` ``""``).
* ``episodes_completions`` (18+): clients with an episode that exited in W as
  ``completed_free_of_dependence`` and whose ``representation_date`` is blank or more than 6
  calendar months after that exit (re-presenting on or before exit + 6 months, month ends
  clipped, e.g. 31 Aug -> 28/29 Feb, disqualifies). Reported in the client's group as above;
  ``denominator`` is the adults in treatment in W (the Fingertips denominator), ``value`` the
  percentage, with Wilson limits.
* ``episodes_representations`` (18+ and <18): clients with a completion exiting in W who did
  re-present within 6 months (the completions the rule above excludes).
* ``episodes_yp_in_treatment`` (<18): as adults, by referral source of the latest episode.
* ``episodes_yp_completions`` (<18): as adults; total only.
* ``episodes_new_presentations`` (18+ by substance, <18 by referral source): clients with an
  episode starting in W.

Whether an exit re-presents within 6 months is known only 6 months later. The numbers follow
the Fingertips definition (completions in W, re-presentations up to 6 months after each exit,
whenever that falls), so for a quarter whose end + 6 months is after ``as_at`` (the extract
date: by default the latest date in the file) some re-presentations cannot be seen yet:
completions are then too high and re-presentations too low. Those rows are kept, with
``value_note`` saying they are provisional.

Counts are raw here; small-number suppression is applied downstream (``disclosure.py``).
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import areas, tidy
from ..errors import InputError, Problem
from ..periods import Quarter, quarter_range
from ..text_files import decode_utf8

KIND = "record-level treatment episodes"

# --- the data dictionary ---------------------------------------------------------------------

SUBSTANCE_GROUPS = ("opiate", "non_opiate_only", "non_opiate_and_alcohol", "alcohol_only")
REFERRAL_SOURCES = (
    "self", "education", "youth_offending", "criminal_justice", "gp", "social_care", "health",
    "other",
)  # fmt: skip
COMPLETED = "completed_free_of_dependence"
EXIT_REASONS = (
    COMPLETED, "dropped_out", "transferred", "died", "prison", "treatment_declined", "other",
)  # fmt: skip
SEXES = ("male", "female", "other", "not_stated")

#: NDTMS discharge reasons recorded here as ``completed_free_of_dependence``.
NDTMS_COMPLETION_REASONS = (
    "successful completion - drug free",
    "successful completion - alcohol free",
    "successful completion - occasional user (not opiates or crack)",
)

#: Tidy ``category`` labels for each code.
SUBSTANCE_CATEGORIES = {
    "opiate": "Substance: opiate",
    "non_opiate_only": "Substance: non-opiate only",
    "non_opiate_and_alcohol": "Substance: non-opiate and alcohol",
    "alcohol_only": "Substance: alcohol only",
}
REFERRAL_CATEGORIES = {
    "self": "Referral source: Self",
    "education": "Referral source: Education",
    "youth_offending": "Referral source: Youth offending",
    "criminal_justice": "Referral source: Criminal justice",
    "gp": "Referral source: GP",
    "social_care": "Referral source: Social care",
    "health": "Referral source: Health",
    "other": "Referral source: Other",
}

SYNTHETIC_COLUMN = "synthetic"
REQUIRED_COLUMNS = [
    "client_id", "area_code", "age_at_start", "sex", "substance_group", "referral_source",
    "start_date", "exit_date", "exit_reason", "representation_date",
]  # fmt: skip
OPTIONAL_COLUMNS = ["date_of_birth", "notes", SYNTHETIC_COLUMN]
DATE_COLUMNS = ["start_date", "exit_date", "representation_date"]

#: Columns of the frame :func:`load_episodes` returns (``line``: the CSV line number).
FIELDS = [*REQUIRED_COLUMNS, "line"]

ADULT_AGE = 18
MAX_AGE = 120
REPRESENTATION_MONTHS = 6

# --- indicators ------------------------------------------------------------------------------

ADULTS_IN_TREATMENT = "episodes_adults_in_treatment"
COMPLETIONS = "episodes_completions"
REPRESENTATIONS = "episodes_representations"
YP_IN_TREATMENT = "episodes_yp_in_treatment"
YP_COMPLETIONS = "episodes_yp_completions"
NEW_PRESENTATIONS = "episodes_new_presentations"
INDICATORS = (
    ADULTS_IN_TREATMENT, COMPLETIONS, REPRESENTATIONS, YP_IN_TREATMENT, YP_COMPLETIONS,
    NEW_PRESENTATIONS,
)  # fmt: skip
AGE_ADULTS, AGE_YP = "18+ yrs", "<18 yrs"

PROVISIONAL_NOTE = (
    "Provisional: re-presentations up to 6 months after exit cannot all be seen yet "
    "(records to {as_at})"
)
NO_DENOMINATOR_NOTE = "Not calculated: no one in treatment in the period"

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
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_MAX_VALUES_LISTED = 10
_DAY_SPAN = np.int64(1 << 32)  # more days than any two dates apart: keys client * span + day


# --- loading and validation ------------------------------------------------------------------


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
    name = Path(file).name if file is not None else "episodes"
    n = len(raw)
    lines = np.arange(2, n + 2) if lines is None else np.asarray(lines)
    if n == 0:
        raise InputError(
            file, "the file has a header but no episodes", kind=KIND,
            fix="export the episodes again: a header row, then one row per episode",
        )  # fmt: skip
    _check_columns(raw, file)
    today = pd.Timestamp(today if today is not None else date.today())
    problems: list[Problem] = []

    def rows(mask: np.ndarray | pd.Series) -> list[int]:
        return lines[np.asarray(mask, dtype=bool)].tolist()

    empty = {c: _is(raw[c], "") for c in raw.columns}
    blank_line = np.logical_and.reduce(list(empty.values()))
    if blank_line.any():
        problems.append(Problem("blank line", rows=rows(blank_line), expected="an episode"))
    live = ~blank_line

    def blank(col: str) -> np.ndarray:
        return empty[col] & live

    # Required text and codes.
    for col in ["client_id", "area_code", "sex", "substance_group", "referral_source"]:
        if blank(col).any():
            problems.append(Problem("blank", rows=rows(blank(col)), column=col))
    ut = areas.upper_tier_codes(data_dir)
    problems += _unknown_values(raw, "area_code", ut, lines, "an upper-tier local authority "
                                "code in data/lookups/areas.csv, e.g. E06000044", empty)  # fmt: skip
    for col, allowed in [
        ("sex", SEXES),
        ("substance_group", SUBSTANCE_GROUPS),
        ("referral_source", REFERRAL_SOURCES),
        ("exit_reason", EXIT_REASONS),
    ]:
        problems += _unknown_values(raw, col, allowed, lines, "one of " + ", ".join(allowed), empty)

    # Dates.
    dates: dict[str, pd.Series] = {}
    for col in DATE_COLUMNS + (["date_of_birth"] if "date_of_birth" in raw else []):
        dates[col], bad = _parse_dates(raw[col], empty[col])
        if bad.any():
            examples = ", ".join(f"'{v}'" for v in pd.unique(raw.loc[bad, col])[:3])
            problems.append(
                Problem(
                    f"not a real date ({examples})",
                    rows=rows(bad),
                    column=col,
                    expected="a calendar date as YYYY-MM-DD (or DD/MM/YYYY)",
                )
            )
        future = (dates[col] > today).to_numpy()
        if future.any():
            problems.append(
                Problem(
                    f"date in the future (after {today.date()})",
                    rows=rows(future),
                    column=col,
                    expected="a date on or before today",
                )
            )
    start, exit_, rep = (dates[c] for c in DATE_COLUMNS)
    if blank("start_date").any():
        problems.append(Problem("blank", rows=rows(blank("start_date")), column="start_date"))

    # Age, given or derived from a date of birth.
    age, age_problems = _ages(raw, start, dates.get("date_of_birth"), lines, live, empty)
    problems += age_problems

    # Rules across columns.
    has_exit = exit_.notna().to_numpy()
    has_reason = ~empty["exit_reason"]
    for mask, msg, col, expected in [
        (has_exit & ~has_reason & ~blank("exit_date"), "exit_date given but exit_reason blank",
         "exit_reason", "an exit reason for every exit"),
        (has_reason & blank("exit_date"), "exit_reason given but exit_date blank", "exit_date",
         "an exit date, or no exit reason while the episode is open"),
        ((exit_ < start).to_numpy(), "exit before start", "exit_date",
         "exit_date on or after start_date"),
        (~empty["representation_date"] & blank("exit_date"),
         "representation_date given but the episode has no exit_date", "representation_date",
         "a re-presentation date only after an exit"),
        ((rep < exit_).to_numpy(), "re-presentation before exit", "representation_date",
         "representation_date on or after exit_date"),
    ]:  # fmt: skip
        if mask.any():
            problems.append(Problem(msg, rows=rows(mask), column=col, expected=expected))
    client_codes, client_ids = pd.factorize(raw["client_id"])
    known_start = start.notna().to_numpy() & ~blank("client_id")
    day_key = client_codes.astype(np.int64) * _DAY_SPAN + np.where(known_start, _days(start), 0)
    dup = pd.Series(day_key[known_start]).duplicated(keep=False).to_numpy()
    if dup.any():
        problems.append(
            Problem(
                "duplicate episode: the same client_id and start_date on more than one line",
                rows=lines[known_start][dup].tolist(),
                column="start_date",
                expected="one episode per client per start date",
            )
        )
    missed = _unrecorded_representations(
        client_codes, start, exit_, rep, _is(raw["exit_reason"], COMPLETED)
    )
    if missed.any():
        problems.append(
            Problem(
                "successful completion followed by another episode of the same client (starting "
                "on or after the exit) but representation_date is blank or after that start",
                rows=rows(missed),
                column="representation_date",
                expected="representation_date on or before the next episode's start_date",
            )
        )

    synthetic = SYNTHETIC_COLUMN in raw
    if synthetic:
        bad = ~_is(raw[SYNTHETIC_COLUMN], tidy.SYNTHETIC) & live
        if bad.any():
            problems.append(
                Problem(
                    "a file cannot mix synthetic and real episodes",
                    rows=rows(bad),
                    column=SYNTHETIC_COLUMN,
                    expected=f"'{tidy.SYNTHETIC}' on every line, or no '{SYNTHETIC_COLUMN}' "
                    "column for real data",
                )
            )
    if problems:
        raise InputError(file, problems, kind=KIND, fix=_FIX)

    out = pd.DataFrame(
        {
            "client_id": pd.Categorical.from_codes(client_codes, categories=client_ids),
            "area_code": pd.Categorical(raw["area_code"]),
            "age_at_start": age.astype(np.int16),
            "sex": pd.Categorical(raw["sex"], categories=SEXES),
            "substance_group": pd.Categorical(raw["substance_group"], categories=SUBSTANCE_GROUPS),
            "referral_source": pd.Categorical(raw["referral_source"], categories=REFERRAL_SOURCES),
            "start_date": start,
            "exit_date": exit_,
            "exit_reason": pd.Categorical(
                raw["exit_reason"].replace("", None), categories=EXIT_REASONS
            ),
            "representation_date": rep,
            "line": lines,
        }
    ).reset_index(drop=True)
    described = f"local record-level episodes ({name})"
    out.attrs = {
        "file": name,
        "synthetic": synthetic,
        "source": f"{tidy.SYNTHETIC}: {described}" if synthetic else described,
    }
    return out


def _is(s: pd.Series, value: str) -> np.ndarray:
    """``s == value`` as a numpy bool array (fast on object arrays)."""
    return np.asarray(s.to_numpy(dtype=object) == value, dtype=bool)


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


def _unknown_values(
    raw: pd.DataFrame,
    col: str,
    allowed: Sequence[str],
    lines: np.ndarray,
    expected: str,
    empty: dict[str, np.ndarray],
) -> list[Problem]:
    """One problem per distinct unknown value (blanks are checked elsewhere)."""
    s = raw[col]
    bad = ~s.isin(list(allowed)).to_numpy() & ~empty[col]
    if not bad.any():
        return []
    values = pd.unique(s[bad])
    problems = []
    for v in values[:_MAX_VALUES_LISTED]:
        norm = str(v).strip().lower().replace(" ", "_").replace("-", "_")
        if str(v).strip().lower() in NDTMS_COMPLETION_REASONS:
            hint = f" (the NDTMS reason '{v}' is recorded here as '{COMPLETED}')"
        elif norm in allowed or str(v).strip().upper() in allowed:
            hint = f" (did you mean '{norm if norm in allowed else str(v).strip().upper()}'?)"
        else:
            hint = ""
        problems.append(
            Problem(
                f"unknown value '{v}'{hint}",
                rows=lines[_is(s, v)].tolist(),
                column=col,
                expected=expected,
            )
        )
    if len(values) > _MAX_VALUES_LISTED:
        rest = bad & ~s.isin(values[:_MAX_VALUES_LISTED]).to_numpy()
        problems.append(
            Problem(
                f"{len(values) - _MAX_VALUES_LISTED} more unknown values",
                rows=lines[rest].tolist(),
                column=col,
                expected=expected,
            )
        )
    return problems


def _parse_dates(s: pd.Series, empty: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """Parse ISO (or UK DD/MM/YYYY) dates; blanks are NaT. Return dates and the bad mask."""
    out = pd.to_datetime(s, format=_DATE_FORMATS[0], errors="coerce")
    todo = out.isna().to_numpy() & ~empty
    if todo.any():
        out[todo] = pd.to_datetime(s[todo], format=_DATE_FORMATS[1], errors="coerce")
    bad = out.isna().to_numpy() & ~empty
    return out.astype("datetime64[s]"), bad


def _ages(
    raw: pd.DataFrame,
    start: pd.Series,
    dob: pd.Series | None,
    lines: np.ndarray,
    live: np.ndarray,
    empty: dict[str, np.ndarray],
) -> tuple[np.ndarray, list[Problem]]:
    """Age at start from ``age_at_start`` and/or ``date_of_birth``; problems found."""
    problems = []
    expected = f"a whole number of years, 0-{MAX_AGE}"
    n = len(raw)
    age = np.full(n, -1, dtype=np.int64)
    given = np.zeros(n, dtype=bool)
    if "age_at_start" in raw:
        s = raw["age_at_start"]
        # Check each distinct value once (ages have few).
        codes, values = pd.factorize(s)
        values = pd.Series(values, dtype=object)
        value_ok = values.str.fullmatch(r"-?[0-9]{1,4}").to_numpy(dtype=bool)
        value_age = np.where(value_ok, pd.to_numeric(values.where(value_ok, "-1")), -1)
        is_int = value_ok[codes]
        given = is_int
        age = value_age[codes].astype(np.int64)
        blank = empty["age_at_start"] & live
        if dob is None and blank.any():
            problems.append(
                Problem("blank", rows=lines[blank].tolist(), column="age_at_start",
                        expected=expected)
            )  # fmt: skip
        wrong = ~is_int & ~empty["age_at_start"]
        if wrong.any():
            examples = ", ".join(f"'{v}'" for v in pd.unique(s[wrong])[:3])
            problems.append(
                Problem(
                    f"not a whole number ({examples})",
                    rows=lines[wrong].tolist(),
                    column="age_at_start",
                    expected=expected,
                )
            )
        out_of_range = given & ((age < 0) | (age > MAX_AGE))
        if out_of_range.any():
            problems.append(
                Problem(
                    "age outside 0-120",
                    rows=lines[out_of_range].tolist(),
                    column="age_at_start",
                    expected=expected,
                )
            )
    if dob is not None:
        ok = (dob.notna() & start.notna()).to_numpy()
        years = (start.dt.year - dob.dt.year).to_numpy(dtype=float, na_value=np.nan)
        before_birthday = (start.dt.month * 100 + start.dt.day) < (dob.dt.month * 100 + dob.dt.day)
        derived = years - before_birthday.to_numpy(dtype=float, na_value=np.nan)
        derived_int = np.where(ok, np.nan_to_num(derived), -1).astype(np.int64)
        disagree = ok & given & (derived_int != age)
        if disagree.any():
            problems.append(
                Problem(
                    "age_at_start does not match date_of_birth and start_date",
                    rows=lines[disagree].tolist(),
                    column="age_at_start",
                    expected="the age in completed years on start_date",
                )
            )
        fill = ok & ~given
        age[fill] = derived_int[fill]
        bad = fill & ((derived_int < 0) | (derived_int > MAX_AGE))
        if bad.any():
            problems.append(
                Problem(
                    "age at start derived from date_of_birth is outside 0-120",
                    rows=lines[bad].tolist(),
                    column="date_of_birth",
                    expected="a date of birth 0-120 years before start_date",
                )
            )
        neither = ~given & empty["date_of_birth"] & live
        if "age_at_start" in raw:
            neither &= empty["age_at_start"]
        if neither.any():
            problems.append(
                Problem(
                    "neither age_at_start nor date_of_birth given",
                    rows=lines[neither].tolist(),
                    column="age_at_start",
                    expected=expected,
                )
            )
    return age, problems


def _unrecorded_representations(
    client: np.ndarray, start: pd.Series, exit_: pd.Series, rep: pd.Series, completed: np.ndarray
) -> np.ndarray:
    """Completions with a later episode of the same client in the file but no (or a later)
    ``representation_date``: their completion would otherwise be counted wrongly.
    ``client`` holds integer codes for the client ids."""
    comp = completed & (exit_.notna() & start.notna()).to_numpy()
    out = np.zeros(len(client), dtype=bool)
    if not comp.any():
        return out
    cl = client.astype(np.int64)
    s, x, r = (_days(v) for v in (start, exit_, rep))
    valid = start.notna().to_numpy()
    base = s[valid].min()
    big = _DAY_SPAN
    keys = cl[valid] * big + (s[valid] - base)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    sorted_rows = np.flatnonzero(valid)[order]
    rows = np.flatnonzero(comp)
    q = cl[rows] * big + (x[rows] - base)
    pos = np.searchsorted(sorted_keys, q, side="left")
    n = len(sorted_keys)
    self_hit = (pos < n) & (sorted_rows[np.minimum(pos, n - 1)] == rows)
    pos = pos + self_hit
    found = (pos < n) & (sorted_keys[np.minimum(pos, n - 1)] // big == cl[rows])
    next_start = sorted_keys[np.minimum(pos, n - 1)] % big + base
    missing_rep = rep.isna().to_numpy()[rows] | (r[rows] > next_start)
    out[rows[found & missing_rep]] = True
    return out


# --- derivations -----------------------------------------------------------------------------

_OPEN = np.iinfo(np.int64).max // 4  # exit day of an open episode: later than any window


def _days(s: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970-01-01 (int64); NaT becomes a large negative number."""
    return s.to_numpy().astype("datetime64[D]").astype(np.int64)


def derive_indicators(
    episodes: pd.DataFrame,
    first_quarter: Quarter | str | None = None,
    last_quarter: Quarter | str | None = None,
    *,
    as_at: date | str | None = None,
    area_codes: Sequence[str] | None = None,
    source: str | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Every episodes indicator for every area and quarter, as a tidy table.

    ``episodes`` is a frame from :func:`load_episodes`. Quarters run from ``first_quarter``
    (default: the first whose 12 months start on or after the records' coverage start,
    taken as the earliest ``exit_date``, or the earliest ``start_date`` if none has exited:
    an extract of episodes active since some date holds no exit before it) to
    ``last_quarter`` (default: the quarter holding ``as_at``). ``as_at`` is the extract date
    (default: the latest date in the records); completions in 12 months ending less than 6
    months before it are marked provisional. ``area_codes`` (default: those in the records)
    gives the areas reported, zeros included. ``source`` defaults to the loader's
    ``attrs['source']``.
    """
    ep = episodes
    if as_at is None:
        as_at = max(ep[c].max() for c in DATE_COLUMNS if ep[c].notna().any())
    as_at = pd.Timestamp(as_at)
    last = _quarter(last_quarter) if last_quarter is not None else Quarter.containing(as_at)
    if first_quarter is not None:
        first = _quarter(first_quarter)
    else:
        first = min(_first_complete_quarter(ep), last)
    quarters = quarter_range(first, last)
    if not quarters:
        raise ValueError(f"first quarter {first} is after last quarter {last}")
    if area_codes is None:
        area_codes = sorted(pd.unique(ep["area_code"]))
    area_codes = list(area_codes)
    source = source or ep.attrs.get("source") or "local record-level episodes"

    counts = _count(ep, quarters, area_codes)
    lookup = areas.lookup(data_dir).set_index("area_code")
    unknown = [a for a in area_codes if a not in lookup.index]
    if unknown:
        raise ValueError(f"area codes not in the area lookup: {unknown}")
    return _to_tidy(counts, quarters, area_codes, lookup, as_at, source)


def _codes(s: pd.Series) -> np.ndarray:
    """Integer codes for a column's values (its categorical codes when it has them)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(s)[0].astype(np.int64)


def _first_complete_quarter(ep: pd.DataFrame) -> Quarter:
    """The first quarter whose 12 months start on or after the records' coverage start."""
    exits = ep["exit_date"].dropna()
    covered_from = (exits if len(exits) else ep["start_date"]).min()
    q = Quarter.containing(covered_from)
    first = q.shift(3)  # its 12 months start at q's start
    return first if pd.Timestamp(q.start) == covered_from else first.shift(1)


def _quarter(q: Quarter | str) -> Quarter:
    return q if isinstance(q, Quarter) else Quarter.parse(q)


def _count(ep: pd.DataFrame, quarters: list[Quarter], area_codes: list[str]) -> dict:
    """Distinct-client counts, arrays shaped (area, band, quarter, group).

    Each episode overlaps a contiguous run of the quarters' 12-month windows (both window
    ends increase with the quarter), found with searchsorted; so do the windows holding its
    start and its exit. A client with one episode in an area and age band is counted by
    adding +1 at the first window of each run and -1 after the last, then a cumulative sum
    over windows. Clients with several episodes there are expanded to (episode, window)
    pairs and reduced to one per (client, area, band, window) by hashing, keeping the
    latest-starting episode's group. No loop runs over episodes or clients.
    """
    nq, na = len(quarters), len(area_codes)
    ws = np.array([np.datetime64(q.rolling_12m()[0], "D") for q in quarters]).astype(np.int64)
    we = np.array([np.datetime64(q.rolling_12m()[1], "D") for q in quarters]).astype(np.int64)

    area = pd.Categorical(ep["area_code"], categories=area_codes).codes.astype(np.int64)
    order = np.argsort(_days(ep["start_date"]), kind="stable")  # later starts last
    order = order[area[order] >= 0]
    s = _days(ep["start_date"])[order]
    exit_na = ep["exit_date"].isna().to_numpy()[order]
    x = np.where(exit_na, _OPEN, _days(ep["exit_date"])[order])
    area = area[order]
    client = _codes(ep["client_id"])[order]
    band = (ep["age_at_start"].to_numpy()[order] < ADULT_AGE).astype(np.int64)  # 1 = young
    groups = {
        "substance": ep["substance_group"].cat.codes.to_numpy()[order].astype(np.int64),
        "referral": ep["referral_source"].cat.codes.to_numpy()[order].astype(np.int64),
    }
    completed = (ep["exit_reason"] == COMPLETED).to_numpy()[order] & ~exit_na
    exit_plus = ep["exit_date"] + pd.DateOffset(months=REPRESENTATION_MONTHS)
    rep = ep["representation_date"]
    rep_soon = (rep.notna() & (rep <= exit_plus)).to_numpy()[order]
    flags = {"completed": completed & ~rep_soon, "represented": completed & rep_soon}

    # Runs of windows: overlapping the episode, holding its start, holding its exit.
    runs = {
        "in_treatment": (np.searchsorted(we, s, "left"), np.searchsorted(ws, x, "right") - 1),
        "new": (np.searchsorted(we, s, "left"), np.searchsorted(ws, s, "right") - 1),
    }
    x_run = (np.searchsorted(we, x, "left"), np.searchsorted(ws, x, "right") - 1)
    cell = area * 2 + band
    n_cells = na * 2

    person = (client * na + area) * 2 + band
    person_code = pd.factorize(person)[0]
    multi = np.bincount(person_code)[person_code] > 1

    out = {}
    single = ~multi
    for name in ["in_treatment", "new", "completed", "represented"]:
        lo, hi = runs.get(name, x_run)
        m = single if name in runs else single & flags[name]
        for by, g in groups.items():
            ng = len(SUBSTANCE_GROUPS) if by == "substance" else len(REFERRAL_SOURCES)
            out[name, by] = _run_counts(cell[m], lo[m], hi[m], g[m], n_cells, nq, ng)

    # Clients with several episodes in an area and band: (episode, window) pairs.
    idx = np.flatnonzero(multi)
    lo, hi = runs["in_treatment"][0][idx], runs["in_treatment"][1][idx]
    n_k = np.maximum(hi - lo + 1, 0)
    total = int(n_k.sum())
    if total == 0:
        return _shape(out, na, nq)
    pair_ep = np.repeat(idx, n_k)
    pair_k = np.arange(total) - np.repeat(np.cumsum(n_k) - n_k - lo, n_k)
    wsk, wek = ws[pair_k], we[pair_k]
    x_p = x[pair_ep]
    exited_in = (x_p >= wsk) & (x_p <= wek)
    pair_flags = {
        "new": s[pair_ep] >= wsk,
        "completed": flags["completed"][pair_ep] & exited_in,
        "represented": flags["represented"][pair_ep] & exited_in,
    }
    # One row per (client, area, band, window). Pairs are in start order, so numbering
    # the reversed pairs' keys by first appearance numbers each key at its latest episode;
    # those first appearances are where the running maximum of the codes steps up.
    codes_r = pd.factorize((person_code[pair_ep] * nq + pair_k)[::-1])[0]
    n_keys = int(codes_r.max()) + 1
    steps = np.flatnonzero(np.diff(np.maximum.accumulate(codes_r), prepend=-1) > 0)
    latest = total - 1 - steps  # each key's latest pair, in code order
    l_ep, l_k = pair_ep[latest], pair_k[latest]
    key_flags = {"in_treatment": np.ones(n_keys, dtype=bool)}
    for name, f in pair_flags.items():
        key_flags[name] = np.bincount(codes_r, weights=f[::-1], minlength=n_keys) > 0
    for name, f in key_flags.items():
        for by, g in groups.items():
            ng = out[name, by].shape[-1]
            flat = (cell[l_ep][f] * nq + l_k[f]) * ng + g[l_ep][f]
            out[name, by] += np.bincount(flat, minlength=n_cells * nq * ng).reshape(
                out[name, by].shape
            )
    return _shape(out, na, nq)


def _run_counts(
    cell: np.ndarray, lo: np.ndarray, hi: np.ndarray, group: np.ndarray,
    n_cells: int, nq: int, ng: int,
) -> np.ndarray:  # fmt: skip
    """Count items over windows lo..hi per (cell, window, group): +1 at lo, -1 after hi,
    cumulative sum over windows. Returns (cell, window, group)."""
    ok = lo <= hi
    size = n_cells * (nq + 1) * ng
    up = np.bincount(((cell * (nq + 1) + lo) * ng + group)[ok], minlength=size)
    down = np.bincount(((cell * (nq + 1) + hi + 1) * ng + group)[ok], minlength=size)
    return (up - down).reshape(n_cells, nq + 1, ng).cumsum(axis=1)[:, :nq]


def _shape(out: dict, na: int, nq: int) -> dict:
    return {k: v.reshape(na, 2, nq, v.shape[-1]) for k, v in out.items()}


def _to_tidy(
    counts: dict,
    quarters: list[Quarter],
    area_codes: list[str],
    lookup: pd.DataFrame,
    as_at: pd.Timestamp,
    source: str,
) -> pd.DataFrame:
    """Lay the count arrays out as tidy rows (zeros included)."""
    sub_labels = [SUBSTANCE_CATEGORIES[c] for c in SUBSTANCE_GROUPS]
    ref_labels = [REFERRAL_CATEGORIES[c] for c in REFERRAL_SOURCES]
    adult, young = 0, 1

    def block(name, band, by, labels, total=True):
        """Counts (area, quarter, category) for one measure, with the total first."""
        arr = counts[name, by][:, band]  # (area, quarter, group)
        cats = list(labels)
        if total:
            arr = np.concatenate([arr.sum(axis=2, keepdims=True), arr], axis=2)
            cats = ["", *cats]
        return arr, cats

    def total_only(name, band):
        return counts[name, "substance"][:, band].sum(axis=2, keepdims=True), [""]

    specs = [
        # indicator, age, (count array, categories), denominator array or None
        (ADULTS_IN_TREATMENT, AGE_ADULTS, block("in_treatment", adult, "substance", sub_labels),
         None),
        (COMPLETIONS, AGE_ADULTS, block("completed", adult, "substance", sub_labels),
         block("in_treatment", adult, "substance", sub_labels)[0]),
        (REPRESENTATIONS, AGE_ADULTS, block("represented", adult, "substance", sub_labels),
         None),
        (REPRESENTATIONS, AGE_YP, total_only("represented", young), None),
        (YP_IN_TREATMENT, AGE_YP, block("in_treatment", young, "referral", ref_labels), None),
        (YP_COMPLETIONS, AGE_YP, total_only("completed", young),
         total_only("in_treatment", young)[0]),
        (NEW_PRESENTATIONS, AGE_ADULTS, block("new", adult, "substance", sub_labels), None),
        (NEW_PRESENTATIONS, AGE_YP, block("new", young, "referral", ref_labels), None),
    ]  # fmt: skip

    na, nq = len(area_codes), len(quarters)
    q_start = pd.to_datetime([q.rolling_12m()[0] for q in quarters]).to_numpy()
    q_end = pd.to_datetime([q.rolling_12m()[1] for q in quarters]).to_numpy()
    q_label = np.array([q.fingertips_label for q in quarters], dtype=object)
    provisional = np.array(
        [pd.Timestamp(e) + pd.DateOffset(months=REPRESENTATION_MONTHS) > as_at for e in q_end]
    )
    note = PROVISIONAL_NOTE.format(as_at=as_at.date().isoformat())
    frames = []
    for indicator, age, (arr, cats), den in specs:
        nc = len(cats)
        shape = (na, nq, nc)
        ai, qi, ci = (g.ravel() for g in np.indices(shape))
        count = arr.astype(float).ravel()
        df = {
            "indicator_id": indicator,
            "area_code": np.array(area_codes, dtype=object)[ai],
            "age": age,
            "category": np.array(cats, dtype=object)[ci],
            "period_label": q_label[qi],
            "period_start": q_start[qi],
            "period_end": q_end[qi],
            "count": count,
            "value_note": "",
        }
        if den is None:
            df["value"] = count
        else:
            d = den.astype(float).ravel()
            df |= _proportion(count, d)
        if indicator in (COMPLETIONS, YP_COMPLETIONS, REPRESENTATIONS):
            df["value_note"] = np.where(provisional[qi], note, "")
        if den is not None:
            df["value_note"] = np.where(df["denominator"] == 0, NO_DENOMINATOR_NOTE,
                                        df["value_note"])  # fmt: skip
        frames.append(pd.DataFrame(df))
    out = pd.concat(frames, ignore_index=True)
    out["area_name"] = out["area_code"].map(lookup["area_name"])
    out["area_type"] = out["area_code"].map(lookup["area_type"])
    out["sex"] = tidy.PERSONS
    out["source"] = source
    return tidy.conform(out)


def _proportion(count: np.ndarray, den: np.ndarray) -> dict[str, np.ndarray]:
    """Percentage with Wilson 95% and 99.8% limits (NaN when the denominator is 0)."""
    from ..stats import wilson_ci  # imported when needed: stats is heavier than this module

    ok = den > 0
    value = np.full(len(count), np.nan)
    value[ok] = 100.0 * count[ok] / den[ok]
    out = {"denominator": den, "value": value}
    for conf, lo_col, hi_col in [(0.95, "lower_95", "upper_95"), (0.998, "lower_99_8",
                                                                  "upper_99_8")]:  # fmt: skip
        lo = np.full(len(count), np.nan)
        hi = np.full(len(count), np.nan)
        if ok.any():
            lo_ok, hi_ok = wilson_ci(count[ok], den[ok], confidence=conf)
            lo[ok] = 100.0 * np.asarray(lo_ok, dtype=float)
            hi[ok] = 100.0 * np.asarray(hi_ok, dtype=float)
        out[lo_col], out[hi_col] = lo, hi
    return out


def indicators_from_file(
    path: str | Path,
    first_quarter: Quarter | str | None = None,
    last_quarter: Quarter | str | None = None,
    *,
    as_at: date | str | None = None,
    area_codes: Sequence[str] | None = None,
    today: date | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Load an episodes CSV and derive every indicator (see :func:`derive_indicators`)."""
    episodes = load_episodes(path, today=today, data_dir=data_dir)
    return derive_indicators(
        episodes, first_quarter, last_quarter, as_at=as_at, area_codes=area_codes,
        data_dir=data_dir,
    )  # fmt: skip
