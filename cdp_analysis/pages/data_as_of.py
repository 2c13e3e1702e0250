""" "Data as of / next update" per source, for the top of each page.

Stated from the data only: for each source of the area's figures on the page, the latest
period that has a value (and how far it lies behind the reporting quarter), and the source's
own words for its edition (the ``source`` text, e.g. "ONS, ..., 2021 registrations"). The data
folder records no release calendar, so the next update is said to be not known, never guessed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd

from .report_data import Report

NEXT_UNKNOWN = "next update: not known (the data folder records no release date)"


def _name(source: str) -> str:
    """The source without the file name in brackets at its end."""
    return re.sub(r"\s*\([^()]*\.(?:csv|xlsx|json)[^()]*\)\s*$", "", source).strip() or source


def _behind(latest: pd.Timestamp, quarter_end: pd.Timestamp) -> str:
    months = (quarter_end.year - latest.year) * 12 + quarter_end.month - latest.month
    if months < 12:
        return ""
    years = months // 12
    return f", {years} year{'s' if years != 1 else ''} before the reporting quarter"


def data_as_of(report: Report, measure_ids: Sequence[str] | None = None) -> list[str]:
    """One sentence per source of the area's figures for these measures (default: all)."""
    s = report.context.series
    s = s[(s["area_code"] == report.area_code) & s["value"].notna()]
    if measure_ids is not None:
        s = s[s["measure_id"].isin(list(measure_ids))]
    s = s[pd.to_datetime(s["period_end"]) <= pd.Timestamp(report.quarter.end)]
    if s.empty:
        return []
    s = s.assign(_name=s["source"].fillna("").astype(str).map(_name))
    end = pd.Timestamp(report.quarter.end)
    out = []
    for name, rows in s.groupby("_name", sort=True):
        latest = rows.loc[pd.to_datetime(rows["period_end"]).idxmax()]
        when = pd.Timestamp(latest["period_end"])
        if name.lower().startswith("synthetic"):
            out.append(f"{name}: made-up figures up to {latest['period_label']}, never updated.")
            continue
        out.append(
            f"{name or 'Source not recorded'}: latest figures {latest['period_label']}"
            f"{_behind(when, end)}; {NEXT_UNKNOWN}."
        )
    return out


def data_as_of_html(report: Report, measure_ids: Sequence[str] | None = None) -> str:
    """The sentences of :func:`data_as_of` as a short list headed "Data as of"."""
    items = data_as_of(report, measure_ids)
    if not items:
        return ""
    lis = "".join(f"<li>{html.escape(t)}</li>" for t in items)
    return f'<div class="cdp-data-as-of"><p><strong>Data as of</strong></p><ul>{lis}</ul></div>'
