"""The RAG summary as an accessible HTML table: a caption, column headers with
``scope="col"``, one ``<tbody>`` per priority headed by a ``scope="rowgroup"`` header, the
measure as each row's header, and the RAG rating written as a word as well as coloured.
Every piece of text is escaped."""

from __future__ import annotations

import html

import pandas as pd

from ..errors import InputError, Problem
from . import palette
from .figure import scroll_box
from .inputs import require_columns
from .units import format_value

WHERE = "rag_table_html"
REQUIRED = [
    "priority", "priority_name", "short_name", "period_label", "value_display", "england_value",
    "vs_england", "trend", "target_text", "rag", "reason", "source",
]  # fmt: skip

#: (header, column) pairs after the measure column; cells of ``*_cell`` columns are built
#: (and escaped) below, the others are escaped text.
COLUMNS = [
    ("Latest", "value_cell"),
    ("England", "england_cell"),
    ("Recent trend", "trend"),
    ("Target", "target_cell"),
    ("Rating", None),
    ("Why this rating", "reason"),
]

#: The columns about a plan's targets, left out for an area with no plan (``plan=False``).
PLAN_COLUMNS = ("Target", "Rating", "Why this rating")

#: Short names of sources for the measure column (the full source is on each page's charts).
SOURCE_SHORT = [
    ("synthetic demo data", "synthetic demo data"),
    ("ons", "ONS"),
    ("fingertips", "OHID Fingertips"),
    ("local record-level", "local treatment records"),
    ("local", "local returns"),
]


def short_source(source: pd.Series) -> pd.Series:
    """A few words naming each row's source (``synthetic demo data`` wins)."""
    text = source.fillna("").astype(str).str.lower()
    out = pd.Series("", index=source.index)
    for needle, label in reversed(SOURCE_SHORT):
        out = out.mask(text.str.contains(needle, regex=False), label)
    return out


def rag_table_frame(summary: pd.DataFrame, *, plan: bool = True) -> pd.DataFrame:
    """The rows and columns of :func:`rag_table_html` as plain text, for a CSV download: the
    same figures the table shows (already disclosure-controlled), one row per measure.
    ``plan=False``: no target, rating or reason columns, as the table shows none."""
    require_columns(summary, REQUIRED, WHERE)
    df = summary.reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "priority": df["priority"],
            "priority_name": df["priority_name"],
            "measure": df["short_name"],
            "period": df["period_label"],
            "latest": df["value_display"],
            "england_value": df["england_value"],
            "compared_with_england": df["vs_england"],
            "recent_trend": df["trend"],
            "target": df["target_text"],
            "rating": df["rag"],
            "why_this_rating": df["reason"],
            "source": df["source"],
        }
    )
    return frame if plan else frame.drop(columns=["target", "rating", "why_this_rating"])


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).map(html.escape)


def rag_table_html(
    summary: pd.DataFrame,
    caption: str | None = None,
    links: pd.Series | None = None,
    *,
    plan: bool = True,
) -> str:
    """An HTML ``<table>`` of the RAG summary frame (see cdp_analysis.assessment), grouped by
    priority in order of ``priority``, rows kept in their given order within a priority.
    ``links`` (aligned with ``summary``'s rows) makes each measure's name a link to its chart.
    ``plan=False`` (an area with no plan): no target, rating or reason columns, and the
    groups are headed by their names alone (not "Priority 1: ...")."""
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
    columns = COLUMNS if plan else [c for c in COLUMNS if c[0] not in PLAN_COLUMNS]
    rows, synthetic = _rows(df, rag, links, columns)
    df = df.assign(_row=rows)
    n_cols = len(columns) + 1
    bodies = []
    for (number, name), group in df.groupby(["priority", "priority_name"], sort=True, dropna=False):
        label = html.escape(f"Priority {number}: {name}" if plan else str(name))
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
        f'<th scope="col">{html.escape(h)}</th>' for h, _ in columns
    )
    return scroll_box(
        f'<table class="cdp-rag-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{heads}</tr></thead>" + "".join(bodies) + "</table>",
        caption,
    )


def _rows(
    df: pd.DataFrame, rag: pd.Series, links: pd.Series | None, columns=COLUMNS
) -> tuple[pd.Series, pd.Series]:
    """Each measure's ``<tr>`` (escaped text; the rating as a coloured cell with its word),
    and which rows are synthetic demo data."""
    units = df["unit"].astype(str) if "unit" in df else pd.Series("", index=df.index)
    england = [format_value(v, u) for v, u in zip(df["england_value"], units, strict=True)]
    value = _text(df["value_display"])
    if "interval_display" in df:
        interval = _text(df["interval_display"])
        value = value + interval.where(interval == "", "<br><small>95% CI " + interval + "</small>")
    value = value + _text(df["period_label"]).map(lambda p: f"<br><small>{p}</small>" if p else "")
    eng = _text(df["england_display"]) if "england_display" in df else _text(pd.Series(england))
    vs = _text(df["vs_england"])
    status = _text(df["target_status"]) if "target_status" in df else pd.Series("", index=df.index)
    df = df.assign(
        value_cell=value,
        england_cell=eng + vs.map(lambda v: f"<br><small>{v}</small>" if v else ""),
        target_cell=_text(df["target_text"])
        + status.map(lambda v: f"<br><strong>{v[:1].upper() + v[1:]}</strong>" if v else ""),
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
    source = _text(short_source(df["source"])).where(~synthetic, "synthetic demo data")
    name = _text(df["short_name"])
    if links is not None:
        href = _text(pd.Series(list(links), index=df.index))
        name = name.where(href == "", '<a href="' + href + '">' + name + "</a>")
    header = (
        '<th scope="row">' + name
        + objectives.where(objectives == "", "<br><small>Objective " + objectives + "</small>")
        + source.where(source == "", "<br><small>Source: " + source + "</small>")
        + "</th>"
    )  # fmt: skip
    cells = header
    for _head, col in columns:
        if col is None:
            cells = cells + rag_cell
        else:
            text = df[col] if col.endswith("_cell") else _text(df[col])  # *_cell: escaped
            cells = cells + "<td>" + text + "</td>"
    return "<tr>" + cells + "</tr>", synthetic
