"""The row checks of an episodes file, as pandera rules over its cells and parsed columns.

:func:`cells` turns the file's text cells into one frame indexed by CSV line number, with
the parsed helper columns the checks need (dates, ages, duplicates, unrecorded
re-presentations); :func:`rules` lists every check in the order problems are reported, as
:class:`~cdp_analysis.schemas.Rule` objects that :func:`schemas.problems` validates
lazily (all problems in one pass) and turns into one-line messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ... import schemas, tidy
from .fields import (
    COMPLETED,
    DATE_COLUMNS,
    EXIT_REASONS,
    MAX_AGE,
    NDTMS_COMPLETION_REASONS,
    REFERRAL_SOURCES,
    SEXES,
    SUBSTANCE_GROUPS,
    SYNTHETIC_COLUMN,
    days,
)

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_DAY_SPAN = np.int64(1 << 32)  # more days than any two dates apart: keys client * span + day
_MAX_VALUES_LISTED = 10
_AGE_EXPECTED = f"a whole number of years, 0-{MAX_AGE}"
_CODED = [
    ("sex", SEXES),
    ("substance_group", SUBSTANCE_GROUPS),
    ("referral_source", REFERRAL_SOURCES),
    ("exit_reason", EXIT_REASONS),
]


def is_value(s: pd.Series, value: str) -> np.ndarray:
    """``s == value`` as a numpy bool array (fast on object arrays)."""
    return np.asarray(s.to_numpy(dtype=object) == value, dtype=bool)


# --- the cells and their parsed columns ------------------------------------------------------


def cells(raw: pd.DataFrame, lines: np.ndarray) -> pd.DataFrame:
    """The file's text cells indexed by CSV line, plus parsed columns: ``_live`` (not a blank
    line), ``_<date column>`` (dates, NaT when blank or not a date), ``_client`` (integer
    codes of client_id), the age columns of :func:`_age_columns`, ``_dup`` (same client and
    start date on another line) and ``_missed`` (a completion whose re-presentation is not
    recorded)."""
    frame = raw.copy()
    frame.index = pd.Index(lines, name="line")
    empty = {c: is_value(raw[c], "") for c in raw.columns}
    frame["_live"] = ~np.logical_and.reduce(list(empty.values()))
    for col in DATE_COLUMNS + (["date_of_birth"] if "date_of_birth" in raw else []):
        frame[f"_{col}"] = _parse_dates(raw[col], empty[col]).to_numpy()
    start, exit_, rep = (frame[f"_{c}"] for c in DATE_COLUMNS)
    frame["_client"], _ = pd.factorize(raw["client_id"])
    _age_columns(frame)
    known_start = start.notna().to_numpy() & ~(empty["client_id"] & frame["_live"].to_numpy())
    day_key = frame["_client"].to_numpy(np.int64) * _DAY_SPAN + np.where(
        known_start, days(start), 0
    )
    dup = np.zeros(len(frame), dtype=bool)
    dup[known_start] = pd.Series(day_key[known_start]).duplicated(keep=False).to_numpy()
    frame["_dup"] = dup
    frame["_missed"] = _unrecorded_representations(
        frame["_client"].to_numpy(), start, exit_, rep, is_value(raw["exit_reason"], COMPLETED)
    )
    return frame


def _parse_dates(s: pd.Series, empty: np.ndarray) -> pd.Series:
    """Parse ISO (or UK DD/MM/YYYY) dates; blanks and text that is not a date are NaT."""
    out = pd.to_datetime(s, format=_DATE_FORMATS[0], errors="coerce")
    todo = out.isna().to_numpy() & ~empty
    if todo.any():
        out[todo] = pd.to_datetime(s[todo], format=_DATE_FORMATS[1], errors="coerce")
    return out.astype("datetime64[s]")


def _age_columns(frame: pd.DataFrame) -> None:
    """Add ``_given`` (age_at_start is a whole number), ``_age`` (it, else -1), ``_dob_ok``
    (date of birth and start both known) and ``_derived`` (completed years on start_date
    from date_of_birth, else -1); ``age_at_start`` itself is checked by the rules."""
    n = len(frame)
    frame["_given"] = False
    frame["_age"] = np.int64(-1)
    if "age_at_start" in frame:
        # Check each distinct value once (ages have few).
        codes, values = pd.factorize(frame["age_at_start"])
        values = pd.Series(values, dtype=object)
        value_ok = values.str.fullmatch(r"-?[0-9]{1,4}").to_numpy(dtype=bool)
        value_age = np.where(value_ok, pd.to_numeric(values.where(value_ok, "-1")), -1)
        frame["_given"] = value_ok[codes]
        frame["_age"] = value_age[codes].astype(np.int64)
    frame["_dob_ok"] = False
    frame["_derived"] = np.full(n, -1, dtype=np.int64)
    if "_date_of_birth" in frame:
        start, dob = frame["_start_date"], frame["_date_of_birth"]
        ok = (dob.notna() & start.notna()).to_numpy()
        years = (start.dt.year - dob.dt.year).to_numpy(dtype=float, na_value=np.nan)
        before_birthday = (start.dt.month * 100 + start.dt.day) < (dob.dt.month * 100 + dob.dt.day)
        derived = years - before_birthday.to_numpy(dtype=float, na_value=np.nan)
        frame["_dob_ok"] = ok
        frame["_derived"] = np.where(ok, np.nan_to_num(derived), -1).astype(np.int64)


def ages(frame: pd.DataFrame) -> np.ndarray:
    """Age at start of each episode: ``age_at_start`` where given, else derived from the date
    of birth (call after the rules passed)."""
    fill = frame["_dob_ok"].to_numpy() & ~frame["_given"].to_numpy()
    return np.where(fill, frame["_derived"], frame["_age"])


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
    s, x, r = (days(v) for v in (start, exit_, rep))
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


# --- the rules, in the order problems are reported -------------------------------------------


def rules(frame: pd.DataFrame, area_codes: Sequence[str], today: pd.Timestamp) -> list:
    """Every check of an episodes file (a frame from :func:`cells`), in report order."""
    rule = schemas.Rule
    found = [
        rule("blank line", lambda d: d["_live"], name=None, expected="an episode"),
        *[
            rule("blank", lambda d, c=c: (d[c] != "") | ~d["_live"], name=c)
            for c in ["client_id", "area_code", "sex", "substance_group", "referral_source"]
        ],
    ]
    expected = "an upper-tier local authority code in data/lookups/areas.csv, e.g. E06000044"
    found += _unknown_value_rules(frame, "area_code", list(area_codes), expected)
    for col, allowed in _CODED:
        found += _unknown_value_rules(frame, col, allowed, "one of " + ", ".join(allowed))
    for col in DATE_COLUMNS + (["date_of_birth"] if "date_of_birth" in frame else []):
        found += _date_rules(col, today)
    found.append(rule("blank", lambda d: (d["start_date"] != "") | ~d["_live"], name="start_date"))
    found += _age_rules(frame)
    found += _episode_rules()
    if SYNTHETIC_COLUMN in frame:
        found.append(
            rule("a file cannot mix synthetic and real episodes",
                 lambda d: (d[SYNTHETIC_COLUMN] == tidy.SYNTHETIC) | ~d["_live"],
                 name=SYNTHETIC_COLUMN,
                 expected=f"'{tidy.SYNTHETIC}' on every line, or no '{SYNTHETIC_COLUMN}' "
                 "column for real data")
        )  # fmt: skip
    return found


def _unknown_value_rules(
    frame: pd.DataFrame, col: str, allowed: Sequence[str], expected: str
) -> list:
    """One rule per distinct unknown value (up to ten, then one for the rest); blanks are
    checked elsewhere."""
    s = frame[col]
    bad = ~s.isin(list(allowed)) & (s != "")
    values = list(pd.unique(s[bad]))
    found = []
    for v in values[:_MAX_VALUES_LISTED]:
        found.append(
            schemas.Rule(f"unknown value '{v}'{_hint(v, allowed)}",
                         lambda s, v=v: s != v, col, expected=expected)
        )  # fmt: skip
    if len(values) > _MAX_VALUES_LISTED:
        listed = values[:_MAX_VALUES_LISTED]
        found.append(
            schemas.Rule(
                f"{len(values) - _MAX_VALUES_LISTED} more unknown values",
                lambda s: s.isin(list(allowed)) | (s == "") | s.isin(listed),
                col,
                expected=expected,
            )
        )
    return found


def _hint(value: str, allowed: Sequence[str]) -> str:
    """What an unknown code was probably meant to be, as a bracketed hint (or "")."""
    v = str(value).strip()
    norm = v.lower().replace(" ", "_").replace("-", "_")
    if v.lower() in NDTMS_COMPLETION_REASONS:
        return f" (the NDTMS reason '{value}' is recorded here as '{COMPLETED}')"
    if norm in allowed:
        return f" (did you mean '{norm}'?)"
    if v.upper() in allowed:
        return f" (did you mean '{v.upper()}'?)"
    return ""


def _examples(col: str, what: str):
    """A rule's message from its failing rows: ``what`` and up to three of their values."""

    def message(d: pd.DataFrame) -> str:
        values = ", ".join(f"'{v}'" for v in pd.unique(d[col])[:3])
        return f"{what} ({values})"

    return message


def _date_rules(col: str, today: pd.Timestamp) -> list:
    parsed = f"_{col}"
    return [
        schemas.Rule("not a real date", lambda d: (d[col] == "") | d[parsed].notna(), name=col,
                     expected="a calendar date as YYYY-MM-DD (or DD/MM/YYYY)",
                     detail=_examples(col, "not a real date")),
        schemas.Rule(f"date in the future (after {today.date()})",
                     lambda d: ~(d[parsed] > today), name=col,
                     expected="a date on or before today"),
    ]  # fmt: skip


def _age_rules(frame: pd.DataFrame) -> list:
    """Age at start, given or derived from a date of birth."""
    rule = schemas.Rule
    age_col, dob_col = "age_at_start" in frame, "date_of_birth" in frame
    found = []
    if age_col:
        if not dob_col:
            found.append(rule("blank", lambda d: (d["age_at_start"] != "") | ~d["_live"],
                              name="age_at_start", expected=_AGE_EXPECTED))  # fmt: skip
        found += [
            rule("not a whole number", lambda d: d["_given"] | (d["age_at_start"] == ""),
                 name="age_at_start", expected=_AGE_EXPECTED,
                 detail=_examples("age_at_start", "not a whole number")),
            rule(f"age outside 0-{MAX_AGE}",
                 lambda d: ~(d["_given"] & ((d["_age"] < 0) | (d["_age"] > MAX_AGE))),
                 name="age_at_start", expected=_AGE_EXPECTED),
        ]  # fmt: skip
    if dob_col:
        fill = lambda d: d["_dob_ok"] & ~d["_given"]  # noqa: E731
        neither = lambda d: (  # noqa: E731
            ~d["_given"] & (d["date_of_birth"] == "") & d["_live"]
            & ((d["age_at_start"] == "") if age_col else True)
        )  # fmt: skip
        found += [
            rule("age_at_start does not match date_of_birth and start_date",
                 lambda d: ~(d["_dob_ok"] & d["_given"] & (d["_derived"] != d["_age"])),
                 name="age_at_start", expected="the age in completed years on start_date"),
            rule(f"age at start derived from date_of_birth is outside 0-{MAX_AGE}",
                 lambda d: ~(fill(d) & ((d["_derived"] < 0) | (d["_derived"] > MAX_AGE))),
                 name="date_of_birth",
                 expected=f"a date of birth 0-{MAX_AGE} years before start_date"),
            rule("neither age_at_start nor date_of_birth given", lambda d: ~neither(d),
                 name="age_at_start", expected=_AGE_EXPECTED),
        ]  # fmt: skip
    return found


def _episode_rules() -> list:
    """Rules across the columns of one episode, and across a client's episodes."""
    rule = schemas.Rule
    has_exit = lambda d: d["_exit_date"].notna()  # noqa: E731
    has_reason = lambda d: d["exit_reason"] != ""  # noqa: E731
    no_exit = lambda d: (d["exit_date"] == "") & d["_live"]  # noqa: E731
    return [
        rule("exit_date given but exit_reason blank",
             lambda d: ~(has_exit(d) & ~has_reason(d) & ~no_exit(d)), name="exit_reason",
             expected="an exit reason for every exit"),
        rule("exit_reason given but exit_date blank", lambda d: ~(has_reason(d) & no_exit(d)),
             name="exit_date", expected="an exit date, or no exit reason while the episode is open"),
        rule("exit before start", lambda d: ~(d["_exit_date"] < d["_start_date"]),
             name="exit_date", expected="exit_date on or after start_date"),
        rule("representation_date given but the episode has no exit_date",
             lambda d: ~((d["representation_date"] != "") & no_exit(d)),
             name="representation_date", expected="a re-presentation date only after an exit"),
        rule("re-presentation before exit",
             lambda d: ~(d["_representation_date"] < d["_exit_date"]),
             name="representation_date", expected="representation_date on or after exit_date"),
        rule("duplicate episode: the same client_id and start_date on more than one line",
             lambda d: ~d["_dup"], name="start_date",
             expected="one episode per client per start date"),
        rule("successful completion followed by another episode of the same client (starting "
             "on or after the exit) but representation_date is blank or after that start",
             lambda d: ~d["_missed"], name="representation_date",
             expected="representation_date on or before the next episode's start_date"),
    ]  # fmt: skip
