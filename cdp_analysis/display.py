"""Showing figures, tables and text in a report notebook so the rendered HTML is accessible,
self-contained and deterministic.

Report notebooks show output only through these helpers (never ``plt.show()``, which gives an
``<img>`` without alt text):

- :func:`show_figure`: the chart as an embedded PNG with its alt text, a ``<figcaption>``
  (caption with source and period) and a collapsed data table of the numbers behind it;
- :func:`show_table`: an accessible HTML table (caption, column and row headers);
- :func:`show_text`: Markdown or trusted HTML written by the package;
- :func:`show_synthetic_banner`: the banner at the top of every page built from demo data.

Every builder returning a string (:func:`figure_html`, :func:`table_html`,
:func:`synthetic_banner_html`) is pure: the same input gives the same bytes (no random ids,
no timestamps, no links to anything on the internet). Text from data is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from .figures import DPI, Figure, rag_table_html, styled

#: Column headings for the columns figures and summaries use; others are title-cased.
HEADINGS = {
    "area_name": "Area",
    "area_code": "Area code",
    "period_label": "Period",
    "value": "Value",
    "lower_95": "Lower 95% limit",
    "upper_95": "Upper 95% limit",
    "lower_99_8": "Lower 99.8% limit",
    "upper_99_8": "Upper 99.8% limit",
    "count": "Count",
    "denominator": "Denominator",
    "expected": "Expected count",
    "value_note": "Note",
    "source": "Source",
    "short_name": "Measure",
    "england_value": "England",
    "vs_england": "Compared with England",
    "funnel_position": "Position in funnel",
    "lowest_area_value": "Lowest area",
    "q25": "25th percentile",
    "q75": "75th percentile",
    "highest_area_value": "Highest area",
}

#: Columns shown in a figure's data table when the figure names none, in this order.
DEFAULT_TABLE_COLUMNS = (
    "area_name", "period_label", "count", "denominator", "value", "lower_95", "upper_95", "value_note",
)  # fmt: skip

#: Columns always written as whole numbers.
WHOLE_NUMBER_COLUMNS = {"count", "denominator", "n_areas"}

MISSING = "no value"

SYNTHETIC_BANNER = (
    "This page shows synthetic demo data: the numbers are made up to show how the report "
    "works. Do not use or quote them."
)


def render_png(fig: MplFigure | Figure, dpi: int = DPI) -> bytes:
    """The chart as PNG bytes; the same figure always gives the same bytes (fixed dpi, no
    ``Software`` or date metadata)."""
    mpl_fig = fig.fig if isinstance(fig, Figure) else fig
    buf = io.BytesIO()
    with styled():
        mpl_fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    return buf.getvalue()


def _format_column(s: pd.Series, name: str) -> pd.Series:
    """One column as display strings (thousands separators, one decimal place for
    non-whole numbers, ``31 Mar 2024`` dates, Yes/No), ``no value`` where missing."""
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "Yes", False: "No"}).fillna(MISSING).astype(str)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%d %b %Y").fillna(MISSING).astype(str)
    if pd.api.types.is_numeric_dtype(s):
        v = s.astype(float)
        finite = v[np.isfinite(v)]
        whole = name in WHOLE_NUMBER_COLUMNS or bool((finite == finite.round()).all())
        pattern = "{:,.0f}" if whole else "{:,.1f}"
        return v.map(lambda x: MISSING if pd.isna(x) else pattern.format(x)).astype(str)
    return s.astype(object).where(s.notna(), MISSING).astype(str)


def table_html(
    df: pd.DataFrame,
    caption: str,
    *,
    row_header: bool = True,
    max_rows: int | None = None,
    headings: dict[str, str] | None = None,
) -> str:
    """An accessible HTML ``<table>``: ``<caption>``, ``<th scope="col">`` headings, the first
    column as ``<th scope="row">`` (when ``row_header``), every cell escaped. With
    ``max_rows``, longer tables show their first rows and the caption says so."""
    names = {**HEADINGS, **(headings or {})}
    total = len(df)
    if max_rows is not None and total > max_rows:
        df = df.head(max_rows)
        caption = f"{caption} (first {max_rows} of {total} rows)"
    cols = list(df.columns)
    head = "".join(
        f'<th scope="col">{html.escape(names.get(str(c), str(c).replace("_", " ").capitalize()))}</th>'
        for c in cols
    )
    body = pd.Series("", index=df.index, dtype=object)
    for i, c in enumerate(cols):
        text = _format_column(df[c], str(c)).map(html.escape)
        tag = '<th scope="row">' if (i == 0 and row_header) else "<td>"
        close = "</th>" if (i == 0 and row_header) else "</td>"
        body = body + tag + text + close
    rows = "".join("<tr>" + body + "</tr>")
    return (
        f'<table class="cdp-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _table_frame(figure: Figure, columns: Sequence[str] | None) -> pd.DataFrame:
    wanted = list(columns or figure.table_columns or DEFAULT_TABLE_COLUMNS)
    df = figure.data[[c for c in wanted if c in figure.data.columns]]
    empty = df.isna() | (df.astype(str).apply(lambda s: s.str.strip()) == "")
    return df.loc[:, ~empty.all(axis=0)]


def figure_html(
    figure: Figure,
    *,
    data_table: bool = True,
    columns: Sequence[str] | None = None,
    max_rows: int | None = 200,
) -> str:
    """The ``<figure>`` for a chart: the PNG embedded as a data URI with ``alt`` text, the
    caption, and (``data_table``) a collapsed ``<details>`` table of the data behind it."""
    png = render_png(figure)
    width = round(figure.fig.get_figwidth() * DPI)
    height = round(figure.fig.get_figheight() * DPI)
    img = (
        f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
        f'alt="{html.escape(figure.alt, quote=True)}" width="{width}" height="{height}" '
        'style="max-width:100%;height:auto">'
    )
    parts = [
        f'<figure class="cdp-figure">{img}<figcaption>{html.escape(figure.caption)}</figcaption>'
    ]
    if data_table and figure.data is not None and not figure.data.empty:
        table = table_html(
            _table_frame(figure, columns),
            f"Data behind the chart: {figure.title}" if figure.title else "Data behind the chart",
            max_rows=max_rows,
        )
        parts.append(f"<details><summary>Data table</summary>{table}</details>")
    parts.append("</figure>")
    return "".join(parts)


def synthetic_banner_html(text: str = SYNTHETIC_BANNER) -> str:
    """A visible banner (a note region) saying the page shows synthetic demo data."""
    return (
        '<div class="cdp-synthetic-banner" role="note" aria-label="Synthetic demo data" '
        'style="border:3px solid #D55E00;background:#FFF4E5;color:#000000;padding:0.6em 1em;'
        'margin:0.5em 0 1em 0;font-weight:bold">'
        f"{html.escape(text)}</div>"
    )


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _release(fig: MplFigure) -> None:
    """Drop the figure from pyplot's registry if it is there (figures made by
    cdp_analysis.figures never are), so memory does not grow over a run."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)  # a no-op for figures pyplot does not hold


def show_figure(
    figure: Figure, *, data_table: bool = True, columns: Sequence[str] | None = None
) -> None:
    """Display a chart in the notebook as an accessible ``<figure>`` (see :func:`figure_html`)."""
    _display_html(figure_html(figure, data_table=data_table, columns=columns))
    _release(figure.fig)


def show_table(df: pd.DataFrame, caption: str, **kwargs) -> None:
    """Display an accessible HTML table (see :func:`table_html`)."""
    _display_html(table_html(df, caption, **kwargs))


def show_rag_table(summary: pd.DataFrame, caption: str | None = None) -> None:
    """Display the RAG summary table (see :func:`cdp_analysis.figures.rag_table_html`)."""
    _display_html(rag_table_html(summary, caption))


def show_text(markdown_or_html: str) -> None:
    """Display text written by the package: HTML when it starts with ``<``, else Markdown.
    Not escaped: pass data values through :func:`html.escape` first."""
    from IPython.display import HTML, Markdown, display

    text = str(markdown_or_html)
    display(HTML(text) if text.lstrip().startswith("<") else Markdown(text))


def show_synthetic_banner(text: str = SYNTHETIC_BANNER) -> None:
    """Display the synthetic-data banner; use it at the top of every page built from demo data."""
    _display_html(synthetic_banner_html(text))
