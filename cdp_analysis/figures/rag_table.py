"""The RAG summary as an accessible HTML table: a caption, column headers with
``scope="col"``, one ``<tbody>`` per priority headed by a ``scope="rowgroup"`` header, the
measure as each row's header, and the RAG rating written as a word as well as coloured.
Every piece of text is escaped."""

from __future__ import annotations

import html

import pandas as pd

from ..errors import InputError, Problem
from . import palette
from .inputs import require_columns
from .units import format_value

WHERE = "rag_table_html"
REQUIRED = [
    "priority", "priority_name", "short_name", "period_label", "value_display", "england_value",
    "vs_england", "trend", "target_text", "rag", "reason", "source",
]  # fmt: skip

#: (header, column) pairs after the measure column.
COLUMNS = [
    ("Period", "period_label"),
    ("Value", "value_cell"),
    ("England", "england_display"),
    ("Compared with England", "vs_england"),
    ("Recent trend", "trend"),
    ("Target", "target_text"),
    ("Progress to target", "target_status"),
    ("RAG rating", None),
    ("Why this rating", "reason"),
    ("Source", "source"),
]


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).map(html.escape)


def rag_table_html(summary: pd.DataFrame, caption: str | None = None) -> str:
    """An HTML ``<table>`` of the RAG summary frame (see cdp_analysis.assessment), grouped by
    priority in order of ``priority``, rows kept in their given order within a priority."""
    require_columns(summary, REQUIRED, WHERE)
    df = summary.reset_index(drop=True)
    rag = df["rag"].fillna("").astype(str).str.strip().str.lower()
    bad = ~rag.isin(list(palette.RAG_STYLE))
    if bad.any():
        raise InputError(
            None,
            Problem(
                "unknown RAG rating (row positions from 0)",
                rows=df.index[bad].tolist(), column="rag", expected=" or ".join(palette.RAG_STYLE),
            ),
            kind=f"{WHERE} data", fix="rate every measure red, amber, green or grey",
        )  # fmt: skip
    units = df["unit"].astype(str) if "unit" in df else pd.Series("", index=df.index)
    england = [format_value(v, u) for v, u in zip(df["england_value"], units, strict=True)]
    value = _text(df["value_display"])
    if "interval_display" in df:
        interval = _text(df["interval_display"])
        value = value + interval.where(interval == "", "<br><small>" + interval + "</small>")
    df = df.assign(
        value_cell=value,
        england_display=df["england_display"] if "england_display" in df else england,
        target_status=df["target_status"] if "target_status" in df else "",
    )
    background = rag.map({k: v[0] for k, v in palette.RAG_STYLE.items()})
    colour = rag.map({k: v[1] for k, v in palette.RAG_STYLE.items()})
    words = rag.map({k: v[2] for k, v in palette.RAG_STYLE.items()})
    rag_cell = (
        '<td style="background-color:' + background + ";color:" + colour
        + ';font-weight:bold">' + words + "</td>"
    )  # fmt: skip
    synthetic = (
        df["synthetic"].fillna(False).astype(bool)
        if "synthetic" in df
        else df["source"].fillna("").astype(str).str.lower().str.startswith("synthetic demo data")
    )
    objectives = _text(df["objectives"]) if "objectives" in df else pd.Series("", index=df.index)
    header = (
        '<th scope="row">' + _text(df["short_name"])
        + objectives.where(objectives == "", "<br><small>Plan objectives: " + objectives + "</small>")
        + synthetic.map({True: "<br><small>(synthetic demo data)</small>", False: ""})
        + "</th>"
    )  # fmt: skip
    cells = header
    for _head, col in COLUMNS:
        if col is None:
            cells = cells + rag_cell
        else:
            text = df[col] if col == "value_cell" else _text(df[col])  # value_cell: escaped
            cells = cells + "<td>" + text + "</td>"
    df = df.assign(_row="<tr>" + cells + "</tr>")
    n_cols = len(COLUMNS) + 1
    bodies = []
    for (number, name), group in df.groupby(["priority", "priority_name"], sort=True, dropna=False):
        label = html.escape(f"Priority {number}: {name}")
        bodies.append(
            f'<tbody><tr><th scope="rowgroup" colspan="{n_cols}">{label}</th></tr>'
            + "".join(group["_row"])
            + "</tbody>"
        )
    if caption is None:
        caption = "Each measure's latest position, comparison with England, trend and RAG rating"
    if synthetic.any():
        caption += " (includes synthetic demo data)"
    heads = '<th scope="col">Measure</th>' + "".join(
        f'<th scope="col">{html.escape(h)}</th>' for h, _ in COLUMNS
    )
    return (
        f'<table class="cdp-rag-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{heads}</tr></thead>" + "".join(bodies) + "</table>"
    )
