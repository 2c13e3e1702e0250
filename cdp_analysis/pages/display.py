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

import html
import sys
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..figures import Figure, rag_table_html
from ..figures.figure import figure_html, render_png, table_html  # noqa: F401  (re-exported)

SYNTHETIC_BANNER = (
    "This page shows synthetic demo data: the numbers are made up to show how the report "
    "works. Do not use or quote them."
)


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
    """Display an accessible HTML table (see :func:`table_html`), with a CSV download of
    its rows unless ``download=False``."""
    kwargs.setdefault("download", True)
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
