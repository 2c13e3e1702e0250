"""The :class:`Figure` every chart function returns, and how a chart is started and finished.

Charts are built on :class:`matplotlib.figure.Figure` objects with an Agg canvas, never
through ``pyplot``: pyplot keeps every figure it creates until closed (memory grows over a
152-area run) and a notebook's inline backend would display them automatically as ``<img>``
without alt text. Styling is applied with :func:`matplotlib.rc_context`, so rcParams are
unchanged after every call.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from . import palette

#: Text written on every chart that plots synthetic demo data.
SYNTHETIC_STAMP = "Synthetic demo data"

#: Resolution used for every rendering (pixels per inch).
DPI = 100

#: Style for every chart; applied with ``rc_context`` only while a chart is built or drawn.
STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib: same glyphs on every machine
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#E0E0E0",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "cdp-analysis",
    "axes.prop_cycle": mpl.cycler(color=list(palette.OKABE_ITO.values())),
}

#: Height of the strip kept free at the bottom for the stamp and notes (inches).
FOOTER_INCHES = 0.32


@dataclass
class Figure:
    """A chart ready for a report: the matplotlib figure, its alt text, its caption (source
    and period) and the tidy data behind it. ``table_columns`` names the columns of ``data``
    a data table beside the chart should show (empty: a default selection)."""

    fig: MplFigure
    alt: str
    caption: str
    data: pd.DataFrame
    title: str = ""
    table_columns: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        return f"Figure(title={self.title!r}, alt={self.alt[:60]!r}..., rows={len(self.data)})"

    def _repr_html_(self) -> str:
        """Shown when a notebook cell ends with a Figure: the same accessible ``<figure>``
        as :func:`cdp_analysis.display.show_figure`."""
        from ..display import figure_html

        return figure_html(self)


@contextmanager
def styled() -> Iterator[None]:
    """Apply :data:`STYLE` for the duration of the block; rcParams are restored after."""
    with mpl.rc_context(STYLE):
        yield


def new_figure(width: float, height: float, **subplot_kw) -> tuple[MplFigure, object]:
    """A figure with a constrained layout and an Agg canvas, not registered with pyplot.

    Call inside :func:`styled`. ``subplot_kw`` goes to ``Figure.subplots`` (``ncols``,
    ``gridspec_kw``...). Returns ``(fig, axes)``.
    """
    fig = MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(**subplot_kw)
    return fig, axes


def finish(
    fig: MplFigure, title: str, *, synthetic: bool, note: str = "", title_size: float = 12
) -> None:
    """Add the title (wrapped to the figure's width), for synthetic data the visible
    ``Synthetic demo data`` stamp in the top-right corner, and an optional note in a strip
    kept free at the bottom (do not combine a note with a legend placed outside below)."""
    chars = int(fig.get_figwidth() * 72 / (title_size * 0.6))
    if synthetic:
        chars -= 24  # keep the title clear of the stamp
    fig.suptitle(
        textwrap.fill(title, max(30, chars)),
        x=0.01,
        ha="left",
        fontsize=title_size,
        fontweight="bold",
    )
    if synthetic:
        fig.text(
            0.992,
            0.985,
            SYNTHETIC_STAMP,
            ha="right",
            va="top",
            fontsize=10,
            fontweight="bold",
            color=palette.STAMP,
            bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": palette.STAMP},
        )
    if note:
        band = FOOTER_INCHES / fig.get_figheight()
        fig.get_layout_engine().set(rect=(0, band, 1, 1 - band))
        fig.text(0.01, band / 2, note, ha="left", va="center", fontsize=8.5, color="#333333")
    # Lay the figure out once and freeze it: a constrained layout can move by a pixel between
    # successive draws, and every rendering of a Figure must give the same bytes.
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")


def caption_text(sources: pd.Series, periods: str, extra: str = "") -> str:
    """``Source: A; B. Period: 2022/23 to 2025/26 Q4.`` plus any extra sentence."""
    names = sorted({s for s in sources.astype(str) if s})
    text = f"Source: {'; '.join(names) if names else 'not recorded'}. Period: {periods}."
    return f"{text} {extra}".strip()
