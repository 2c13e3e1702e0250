"""The row-level checks of every input kind, as pandera schemas, and their failures as Problems.

Each reader parses its file's structure itself (encoding, header, field counts, sheet layout:
things a data frame cannot show), builds a frame of the file's cells indexed by the row number a
person sees (CSV line with the header as line 1, sheet row), and validates that frame with its
kind's schema here. The schema is built from :class:`Rule` objects: a check, the project's own
one-line message for it, the column to name and what was expected. Validation is lazy, so every
problem in the file is found in one pass, and :func:`problems` turns pandera's failure cases back
into :class:`~cdp_analysis.errors.Problem` objects in the order the rules were declared.

A rule's check takes the column (``column`` rules) or the whole frame (``frame`` rules) and
returns a boolean Series, True where the row passes. Checks see the raw text where the reader
keeps text (``""`` for an empty cell), so "not a number" and "negative" are checks like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Problem


@dataclass(frozen=True)
class Rule:
    """One check of an input kind, with the words a person is shown when a row fails it.

    ``column`` is the frame's column the check applies to (a column rule), or None for a check
    of the whole frame (``name`` then says which column the message names). ``detail``, when
    given, makes the message from the failing rows (e.g. to list unknown codes)."""

    message: str
    check: Callable[[pd.Series | pd.DataFrame], pd.Series]
    column: str | None = None
    name: str | None = None
    expected: str | None = None
    detail: Callable[[pd.DataFrame], str] | None = None

    @property
    def shown_column(self) -> str | None:
        return self.column if self.column is not None else self.name


def numbers(s: pd.Series) -> pd.Series:
    """Text cells as floats: NaN for an empty cell or text that is not a finite number."""
    values = pd.to_numeric(s.mask(s == ""), errors="coerce").astype(float)
    return values.where(np.isfinite(values))


def is_number_or_empty(s: pd.Series) -> pd.Series:
    """True for an empty cell or a finite number written as text."""
    return (s == "") | numbers(s).notna()


def _schema(rules: Sequence[Rule], frame: pd.DataFrame):
    import pandera.pandas as pa  # imported when a file is checked, not at package import

    columns: dict[str, list] = {}
    frame_checks = []
    for i, rule in enumerate(rules):
        check = pa.Check(rule.check, error=f"rule {i}", ignore_na=False)
        if rule.column is None:
            frame_checks.append(check)
        elif rule.column in frame.columns:
            columns.setdefault(rule.column, []).append(check)
    return pa.DataFrameSchema(
        {name: pa.Column(checks=checks, nullable=True) for name, checks in columns.items()},
        checks=frame_checks,
    )


def problems(
    frame: pd.DataFrame, rules: Sequence[Rule], names: dict[str, str] | None = None
) -> list[Problem]:
    """Validate ``frame`` against ``rules`` (lazily: all failures at once) and return one
    Problem per failed rule, in rule order, naming the rows (the frame's index), the column
    (through ``names``, e.g. tidy name -> the file's own heading) and what was expected.
    Rules on a column the frame does not have are skipped."""
    import pandera.pandas as pa

    rules = list(rules)
    try:
        _schema(rules, frame).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failed = exc.failure_cases
    else:
        return []
    names = names or {}
    found = []
    by_rule = failed.groupby("check", sort=False)["index"]
    for i, rule in enumerate(rules):
        key = f"rule {i}"
        if key not in by_rule.groups:
            continue
        rows = pd.unique(by_rule.get_group(key).dropna().to_numpy())
        rows = sorted(int(r) for r in rows)
        message = rule.message
        if rule.detail is not None:
            message = rule.detail(frame.loc[rows])
        column = rule.shown_column
        found.append(
            Problem(message, rows=rows, column=names.get(column, column), expected=rule.expected)
        )
    return found
