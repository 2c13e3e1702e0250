"""Disclosure control: small numbers from local and record-level data never leave the building.

Policy (one place to change it: :data:`THRESHOLD`):

* **Primary suppression.** A row from local data (the local measures CSV or record-level
  treatment episodes) whose count, or whose denominator, is from 1 to ``THRESHOLD - 1`` is
  suppressed: count, denominator, value and every limit become missing and ``value_note``
  says ``Suppressed: fewer than 5``. Zero is not disclosive and is shown. Rates and
  percentages are built on the same row, so they go with it; charts and tables draw from
  the suppressed rows, so they show a labelled gap.
* **Secondary suppression.** The breakdowns of one source measure for one area, sex, age
  band and period (substance groups, referral sources) and their total are a *family*. When
  the total is shown and the parts add up to it, the hidden parts add up to the total minus
  the parts shown; while that is from 1 to ``THRESHOLD - 1``, the smallest shown non-zero
  part is suppressed too. Families whose parts do not add up to the total (e.g. three of
  eight referral sources) reveal nothing by subtraction and need no secondary suppression.
* **Amounts** (kilograms of drugs seized) describe no one and are not suppressed.
* **Published national data** (ONS, Fingertips) is shown as published.

The report applies this to the headline series before anything is assessed or drawn
(:func:`cdp_analysis.pages.report_data.load_report`), so every number, rate, chart, data table,
target reason and executed notebook in a pack is built from suppressed figures.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Counts from 1 to THRESHOLD - 1 are suppressed.
THRESHOLD = 5
#: Catalogue sources whose figures are local (not published nationally).
LOCAL_SOURCES = ("local", "episodes")
#: Text written in ``value_note`` of a suppressed row.
NOTE = f"Suppressed: fewer than {THRESHOLD}"

#: Marker of a publisher's own suppression in a published value note, e.g. Fingertips'
#: "Value suppressed for disclosure control due to small count" (matched case-insensitively).
PUBLISHER_MARK = "suppress"
#: Start of a published "not calculated" note for small numbers: ONS ``:`` ("Not calculated:
#: fewer than 10 deaths") and the DSR rule ("Not calculated: fewer than 10 events").
NOT_CALCULATED_MARK = "Not calculated: fewer than"

_NUMBER_COLUMNS = [
    "count", "denominator", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
]  # fmt: skip


def small(values: pd.Series, threshold: int = THRESHOLD) -> pd.Series:
    """True where a number is from 1 to ``threshold - 1`` (missing and zero are not small)."""
    v = pd.to_numeric(values, errors="coerce")
    return (v >= 1) & (v < threshold)


def primary(rows: pd.DataFrame, local: pd.Series, threshold: int = THRESHOLD) -> pd.Series:
    """Rows to suppress for their own small count or denominator."""
    return local & (small(rows["count"], threshold) | small(rows["denominator"], threshold))


def secondary(
    rows: pd.DataFrame,
    suppressed: pd.Series,
    family: pd.Series,
    threshold: int = THRESHOLD,
) -> pd.Series:
    """Extra rows to suppress so that no hidden part can be worked out by subtraction.

    A family is the rows with the same ``family`` key, area, sex, age and period. Where its
    total row (``category`` ``""``) is shown and equals the sum of its parts, the hidden
    parts add up to ``total - shown parts``; while that remainder is from 1 to
    ``threshold - 1``, the smallest shown non-zero part is hidden too (a zero part would not
    widen the remainder)."""
    key = [
        family.rename("_family"), rows["area_code"], rows["sex"].fillna(""),
        rows["age"].fillna(""), rows["period_end"],
    ]  # fmt: skip
    count = pd.to_numeric(rows["count"], errors="coerce")
    is_total = rows["category"].fillna("").eq("")
    in_family = family.ne("")
    total = count.where(is_total & ~suppressed).groupby(key).transform("max")
    parts = count.where(~is_total).groupby(key).transform("sum")
    revealing = in_family & total.notna() & parts.eq(total)
    hidden = suppressed.copy()
    for _ in range(int(revealing.sum()) + 1):  # one more part per family per round
        shown_parts = count.where(~is_total & ~hidden).groupby(key).transform("sum")
        remainder = total - shown_parts
        needs = revealing & (remainder >= 1) & (remainder < threshold)
        candidates = needs & ~is_total & ~hidden & count.gt(0)
        if not candidates.any():
            break
        smallest = count.where(candidates).groupby(key).transform("min")
        pick = candidates & count.eq(smallest)
        pick &= ~pick.groupby(key).cumsum().gt(1)  # one per family per round
        hidden |= pick
    return hidden & ~suppressed


def withheld_reason(note: object) -> str:
    """Why a missing value was withheld for small numbers, in words; ``""`` when ``note``
    (a ``value_note``) says no such thing.

    * this project's rule (:data:`NOTE`, with the threshold it names): ``"suppressed to protect confidentiality: the
      disclosure rule withholds counts from 1 to 4, and any figure that would reveal one"``;
    * a publisher's suppression (:data:`PUBLISHER_MARK`, e.g. Fingertips): ``"suppressed by
      the publisher to protect confidentiality (<the publisher's note>)"``;
    * a published "not calculated" for small numbers (:data:`NOT_CALCULATED_MARK`):
      ``"not calculated by the publisher: fewer than 10 deaths, too few for a reliable rate"``.

    The words read after "the value was" / "the baseline value was"."""
    text = note.strip() if isinstance(note, str) else ""
    rule = re.match(r"Suppressed: fewer than (\d+)", text)
    if rule:
        return (
            "suppressed to protect confidentiality: the disclosure rule withholds counts from 1 "
            f"to {int(rule.group(1)) - 1}, and any figure that would reveal one"
        )
    if PUBLISHER_MARK in text.lower():
        return f"suppressed by the publisher to protect confidentiality ({text})"
    if text.startswith(NOT_CALCULATED_MARK):
        small_words = text.split(":", 1)[1].split(";")[0].strip()
        return f"not calculated by the publisher: {small_words}, too few for a reliable rate"
    return ""


def withheld_cell(note: object) -> str:
    """``"suppressed"`` or ``"not calculated"`` for a data-table cell of a withheld value
    (the row's note says why); ``""`` when ``note`` says no such thing."""
    reason = withheld_reason(note)
    return (
        ""
        if not reason
        else reason.split(" ", 1)[0]
        if reason.startswith("s")
        else "not calculated"
    )


def withheld_label(note: object) -> str:
    """Short words for a table cell in place of a value withheld for small numbers
    (``"Suppressed (small numbers)"``, ``"Suppressed by the publisher (small numbers)"``,
    ``"Not calculated (fewer than 10 deaths)"``); ``""`` when ``note`` says no such thing."""
    reason = withheld_reason(note)
    if not reason:
        return ""
    if reason.startswith("suppressed by the publisher"):
        return "Suppressed by the publisher (small numbers)"
    if reason.startswith("suppressed"):
        return "Suppressed (small numbers)"
    return "Not calculated (" + reason.split(": ", 1)[1].split(",")[0] + ")"


def apply(
    rows: pd.DataFrame,
    local: pd.Series,
    family: pd.Series | None = None,
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """A copy of tidy ``rows`` with small local numbers suppressed (see module docstring).

    ``local`` marks rows from local data; ``family`` names the group of rows that add up
    (``""`` for none; default: none). Published rows are returned unchanged.
    """
    local = local.reindex(rows.index, fill_value=False).astype(bool)
    hide = primary(rows, local, threshold)
    if family is not None:
        fam = family.reindex(rows.index).fillna("").astype(str).where(local, "")
        hide = hide | secondary(rows, hide, fam, threshold)
    out = rows.copy()
    if not hide.any():
        return out
    for col in _NUMBER_COLUMNS:
        if col in out:
            out[col] = out[col].astype(float).mask(hide, np.nan)
    note = out["value_note"].fillna("").astype(str)
    out["value_note"] = note.mask(hide, np.where(note.eq(""), NOTE, NOTE + "; " + note))
    return out


def apply_to_series(series: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Suppress a headline series (``measure_id`` per row) using the catalogue table
    ``measures`` (``measure_id``, ``source``, ``source_id``): local and episodes measures
    are local; measures sharing a ``source_id`` form a family."""
    m = measures.set_index("measure_id")
    source = series["measure_id"].map(m["source"])
    # amounts (kg seized) describe no one: only counts of people or events are disclosive
    local = source.isin(LOCAL_SOURCES) & series["measure_id"].map(m["unit"]).ne("kg")
    family = series["measure_id"].map(m["source_id"]).fillna("")
    return apply(series, local, family)


def apply_to_local_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Suppress rows that all come from local data (e.g. derived episode indicators shown
    for context), each source id with its breakdowns a family."""
    return apply(rows, pd.Series(True, index=rows.index), rows["indicator_id"].astype(str))
