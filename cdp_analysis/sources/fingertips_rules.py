"""The row checks of a Fingertips export or compiled extract, as pandera rules.

:func:`validate` parses each row's period, checks the rows with :func:`_rules` (numbers,
limits, periods, area codes and types, duplicates) through :mod:`cdp_analysis.schemas`, and
returns the tidy table; every failed rule is one message naming its CSV lines and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from .. import schemas, tidy
from ..errors import InputError, Problem
from ..periods import parse_period

_NUMERIC = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "count", "denominator"]
_NOT_EMPTY = ["indicator_id", "area_code", "area_name", "area_type", "sex", "age", "period_label"]
_CHECKED_TYPES = [tidy.ENGLAND, tidy.REGION, tidy.UTLA]
_RANGE_RE = re.compile(r"^\s*(\d+)\s*([ymq])\s*$", re.IGNORECASE)
_MONTHS_PER_UNIT = {"y": 12, "m": 1, "q": 3}


def _parse_one(label: str, rng: str) -> tuple[pd.Timestamp, pd.Timestamp, bool, bool]:
    """(start, end, unparseable, range mismatch) for one distinct period."""
    try:
        start, end = parse_period(label, rng or None)
    except ValueError:
        return pd.NaT, pd.NaT, True, False
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    m = _RANGE_RE.match(rng or "")
    mismatch = bool(rng.strip()) and (
        m is None or int(m[1]) * _MONTHS_PER_UNIT[m[2].lower()] != months
    )
    return pd.Timestamp(start), pd.Timestamp(end), False, mismatch


def _periods(df: pd.DataFrame) -> pd.DataFrame:
    """Columns period_start, period_end, bad (unparseable), mismatch (range), per row."""
    pairs = df[["period_label", "period_range"]].drop_duplicates()
    parsed = [_parse_one(lbl, rng) for lbl, rng in pairs.itertuples(index=False)]
    pairs[["period_start", "period_end", "bad", "mismatch"]] = pd.DataFrame(
        parsed, index=pairs.index, columns=["period_start", "period_end", "bad", "mismatch"]
    )
    merged = df[["period_label", "period_range"]].merge(
        pairs, on=["period_label", "period_range"], how="left"
    )
    merged.index = df.index
    return merged


def _rules(names: Mapping[str, str], today: date, known: pd.Series | None) -> list[schemas.Rule]:
    """The row checks of a Fingertips export or compiled extract, in the order they are
    reported (see the module docstring). ``known``: area code -> area type of the lookup, or
    None when areas are not checked."""
    rule, num = schemas.Rule, schemas.numbers
    rules = [
        rule("empty value", lambda s: s != "", col, expected="a value on every row")
        for col in _NOT_EMPTY
    ]
    rules.append(
        rule("Indicator ID is not a whole number",
             lambda s: (s == "") | s.str.fullmatch(r"\d+").fillna(False), "indicator_id",
             expected="a Fingertips indicator number")
    )  # fmt: skip
    rules += [
        rule("not a number", schemas.is_number_or_empty, col, expected="a number or an empty cell")
        for col in _NUMERIC
    ]
    rules += [
        rule("negative number", lambda s: ~(num(s) < 0), col, expected="0 or more")
        for col in ("count", "denominator")
    ]
    if "count" in names and "denominator" in names:
        rules.append(
            rule("Count is larger than Denominator",
                 lambda d: ~(num(d["count"]) > num(d["denominator"])), name="count",
                 expected="Count <= Denominator")
        )  # fmt: skip
    for lo, hi, level in (("lower_95", "upper_95", "95%"), ("lower_99_8", "upper_99_8", "99.8%")):
        if lo in names and hi in names:
            rules.append(
                rule(f"Value is outside its {level} confidence limits",
                     lambda d, lo=lo, hi=hi: ~((num(d[lo]) > num(d["value"]))
                                               | (num(d["value"]) > num(d[hi]))),
                     name="value", expected=f"{names[lo]} <= Value <= {names[hi]}")
            )  # fmt: skip
    rules += [
        rule("time period not recognised", lambda d: ~d["_period_bad"], name="period_label",
             expected="e.g. 2017, 2022 - 24, 2024/25 or 2024/25 Q3"),
        rule("time period range does not match the time period", lambda d: ~d["_period_mismatch"],
             name="period_range",
             expected="a range equal to the period's length, e.g. 1y for 2017, 3y for 2022 - 24, "
             "12m for a rolling 2024/25 Q3"),
        rule(f"period ends after today ({today})",
             lambda d: ~(d["period_end"] > pd.Timestamp(today)), name="period_label",
             expected="a period that has ended"),
        rule("duplicate rows: same indicator, area, sex, age, category and time period",
             lambda d: ~(d.duplicated(tidy.KEY, keep=False) & ~d["_period_bad"])),
    ]  # fmt: skip
    if known is not None:
        checked = lambda d: d["area_type"].isin(_CHECKED_TYPES) & (d["area_code"] != "")  # noqa: E731
        rules += [
            rule("area code not in the area lookup",
                 lambda d: ~(checked(d) & d["area_code"].map(known).isna()), name="area_code",
                 expected="an English area code listed in data/lookups/areas.csv",
                 detail=_unknown_codes),
            rule("area type does not match the area lookup",
                 lambda d: ~(checked(d) & d["area_code"].map(known).notna()
                             & (d["area_code"].map(known) != d["area_type"])),
                 name="area_type", expected="the type the area lookup gives the code"),
        ]  # fmt: skip
    return rules


def _unknown_codes(failed: pd.DataFrame) -> str:
    codes = sorted(failed["area_code"].unique())
    shown = ", ".join(codes[:10]) + (f" and {len(codes) - 10} more" if len(codes) > 10 else "")
    return f"area code not in the area lookup: {shown}"


def validate(
    df: pd.DataFrame,
    file: Path | None,
    kind: str,
    names: Mapping[str, str],
    *,
    today: date | None,
    extra: list[Problem] | None = None,
    known: pd.Series | None = None,
) -> pd.DataFrame:
    """Check a frame with tidy column names (index = CSV line numbers) against the kind's
    rules (pandera, through :mod:`cdp_analysis.schemas`); return the tidy table. ``known``
    is the area type of each accepted code (None: area codes are not checked)."""
    today = today or date.today()
    per = _periods(df)
    df["_period_bad"], df["_period_mismatch"] = (
        per["bad"].astype(bool),
        per["mismatch"].astype(bool),
    )
    df["period_start"], df["period_end"] = per["period_start"], per["period_end"]
    present = {k: v for k, v in names.items() if k in df}
    problems = list(extra or []) + schemas.problems(df, _rules(present, today, known), present)
    if problems:
        raise InputError(
            file, problems, kind=kind,
            fix="correct the rows named above, or download the data again if the file "
            "should be an unedited export",
        )  # fmt: skip
    for col in _NUMERIC:
        if col in df:
            df[col] = schemas.numbers(df[col])
    return tidy.conform(df.drop(columns=["_period_bad", "_period_mismatch"]))
