"""The :class:`Figure` every chart function returns, and how a chart is started and finished.

Charts are built on :class:`matplotlib.figure.Figure` objects with an Agg canvas, never
through ``pyplot``: pyplot keeps every figure it creates until closed (memory grows over a
152-area run) and a notebook's inline backend would display them automatically as ``<img>``
without alt text. Styling is applied with :func:`matplotlib.rc_context`, so rcParams are
unchanged after every call.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from ..disclosure import withheld_cell
from . import palette
from .inputs import synthetic_rows

#: Text written on every chart that plots synthetic demo data.
SYNTHETIC_STAMP = "Synthetic demo data"

#: Legend entry of the hollow markers drawn on synthetic points (see :func:`mark_synthetic`).
SYNTHETIC_POINTS = "Hollow markers: synthetic demo data"

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
        as :func:`cdp_analysis.pages.display.show_figure`."""
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


def mark_synthetic(ax, x, y, synthetic, colour: str, *, marker: str = "o", ms: float = 4) -> bool:
    """Draw synthetic points of a series as hollow markers (white inside, ``colour`` edge) on
    top of its line, so real and synthetic values are told apart point by point; the first
    call on an axes adds the legend entry :data:`SYNTHETIC_POINTS`. Returns whether any point
    was marked."""
    mask = np.asarray(synthetic, dtype=bool)
    if not mask.any():
        return False
    labelled = SYNTHETIC_POINTS in ax.get_legend_handles_labels()[1]
    ax.plot(
        np.asarray(x)[mask], np.asarray(y, dtype=float)[mask], ls="", marker=marker,
        ms=ms + 1.5, mfc="white", mec=colour, mew=1.4, zorder=4,
        label="_nolegend_" if labelled else SYNTHETIC_POINTS,
    )  # fmt: skip
    return True


#: Space kept clear between any text and the edge of the figure (pixels).
EDGE_PX = 3


def _wrap_to_fit(text_artist, source: str, room: float, renderer, start: int) -> None:
    """Re-wrap ``text_artist`` (holding ``source``) to fewer characters a line until its
    rendered width is at most ``room`` pixels (measured, not estimated: bold text and wide
    letters defeat a characters-per-inch guess)."""
    chars = max(12, start)
    text_artist.set_text(textwrap.fill(source, chars))
    while text_artist.get_window_extent(renderer).width > room and chars > 12:
        chars -= 3
        text_artist.set_text(textwrap.fill(source, chars))


def legend_below(fig: MplFigure, ncols: int = 3, **kwargs):
    """A figure legend below the axes (``outside lower center``, so the constrained layout
    makes room for it) with as many of ``ncols`` columns as fit inside the figure's width;
    labels are wrapped when even one column is too wide. Returns the legend."""
    handles, labels = [], []
    for ax in fig.axes:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    if not handles:
        return None
    renderer = fig.canvas.get_renderer()
    room = fig.bbox.width - 2 * EDGE_PX
    for n in range(min(ncols, len(handles)), 0, -1):
        leg = fig.legend(handles, labels, loc="outside lower center", ncols=n, **kwargs)
        if leg.get_window_extent(renderer).width <= room:
            return leg
        leg.remove()
    chars = max(12, int(max(len(lab) for lab in labels) * 0.6))
    while True:
        wrapped = [textwrap.fill(lab, chars) for lab in labels]
        leg = fig.legend(handles, wrapped, loc="outside lower center", ncols=1, **kwargs)
        if leg.get_window_extent(renderer).width <= room or chars <= 12:
            return leg
        leg.remove()
        chars -= 4


def texts_outside(fig: MplFigure | Figure) -> list[str]:
    """The visible text of ``fig`` (titles, labels, tick labels, legends, notes) whose
    rendered bounding box is not wholly inside the figure, as ``"text" (left, bottom, right,
    top px)``; empty when everything fits. Draws the figure first."""
    mpl_fig = fig.fig if isinstance(fig, Figure) else fig
    with styled():
        mpl_fig.canvas.draw()
        renderer = mpl_fig.canvas.get_renderer()
        box = mpl_fig.bbox
        # Axes keep label objects for ticks outside the view limits; those are not drawn.
        tick_labels, drawn = set(), set()
        for ax in mpl_fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    tick_labels.update((tick.label1, tick.label2))
                if ax.axison and axis.get_visible():
                    for tick in axis._update_ticks():  # the ticks a draw shows
                        drawn.update((tick.label1, tick.label2))
        out = []
        for t in mpl_fig.findobj(mpl.text.Text):
            if not t.get_visible() or not t.get_text().strip() or t.figure is None:
                continue
            if t in tick_labels and t not in drawn:
                continue
            bb = t.get_window_extent(renderer)
            patch = t.get_bbox_patch()
            if patch is not None:
                bb = patch.get_window_extent(renderer)
            if (bb.x0 < box.x0 - 0.5 or bb.y0 < box.y0 - 0.5 or bb.x1 > box.x1 + 0.5
                    or bb.y1 > box.y1 + 0.5):  # fmt: skip
                out.append(f"{t.get_text()!r} ({bb.x0:.0f}, {bb.y0:.0f}, {bb.x1:.0f}, {bb.y1:.0f})")
    return out


def finish(
    fig: MplFigure, title: str, *, synthetic: bool, note: str = "", title_size: float = 12
) -> None:
    """Add the title (wrapped so that it fits the figure's width, clear of the stamp), for
    synthetic data the visible ``Synthetic demo data`` stamp in the top-right corner, and an
    optional note in a strip kept free at the bottom (do not combine a note with a legend
    placed outside below). Every text is measured: none may leave the figure."""
    renderer = fig.canvas.get_renderer()
    width_px = fig.bbox.width
    room = width_px - 2 * EDGE_PX
    chars = int(fig.get_figwidth() * 72 / (title_size * 0.6))
    stamp = None
    if synthetic:
        stamp = fig.text(
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
        pad = 2 * 0.3 * 10 * fig.dpi / 72  # the box's padding, both sides
        room -= stamp.get_window_extent(renderer).width + pad + 12
        chars -= 24  # keep the title clear of the stamp
    sup = fig.suptitle(
        textwrap.fill(title, max(30, chars)),
        x=0.01,
        ha="left",
        fontsize=title_size,
        fontweight="bold",
    )
    _wrap_to_fit(sup, title, room - 0.01 * width_px, renderer, max(30, chars))
    if note:
        band = FOOTER_INCHES / fig.get_figheight()
        fig.get_layout_engine().set(rect=(0, band, 1, 1 - band))
        text = fig.text(0.01, band / 2, note, ha="left", va="center", fontsize=8.5, color="#333333")
        _wrap_to_fit(text, note, width_px * 0.98 - 2 * EDGE_PX, renderer, len(note))
    # Lay the figure out once and freeze it: a constrained layout can move by a pixel between
    # successive draws, and every rendering of a Figure must give the same bytes. Then remove
    # the layout engine altogether (``None``, not ``"none"``, which leaves a placeholder
    # engine): while a figure has any layout engine, ``savefig`` first draws it once with
    # rendering disabled, which here only costs time (a quarter of ``savefig``, profiled).
    fig.get_layout_engine().execute(fig)
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # with both rcParams off, None means no engine at all


def caption_text(sources: pd.Series, periods: str, extra: str = "") -> str:
    """``Source: A; B. Period: 2022/23 to 2025/26 Q4.`` plus any extra sentence."""
    names = sorted({s for s in sources.astype(str) if s})
    text = f"Source: {'; '.join(names) if names else 'not recorded'}. Period: {periods}."
    return f"{text} {extra}".strip()


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
    "real_or_synthetic": "Real or synthetic",
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
    download: bool = False,
) -> str:
    """An accessible HTML ``<table>``: ``<caption>``, ``<th scope="col">`` headings, the first
    column as ``<th scope="row">`` (when ``row_header``), every cell escaped. With
    ``max_rows``, longer tables show their first rows and the caption says so. With
    ``download``, a CSV link of the rows shown follows the table (:func:`csv_download_html`)."""
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
    # a missing value withheld for small numbers says so ("suppressed"), not "no value"
    withheld = list(df["value_note"].map(withheld_cell)) if "value_note" in df else None
    cells = []  # per column, each row's cell markup (plain lists: a table is small)
    for i, c in enumerate(cols):
        text = _format_column(df[c], str(c)).tolist()
        if withheld is not None:
            text = [w if (t == MISSING and w) else t for t, w in zip(text, withheld, strict=True)]
        tag, close = ('<th scope="row">', "</th>") if (i == 0 and row_header) else ("<td>", "</td>")
        cells.append([tag + html.escape(t) + close for t in text])
    rows = (
        "".join("<tr>" + "".join(row) + "</tr>" for row in zip(*cells, strict=True))
        if cells
        else ("<tr></tr>" * len(df))
    )
    box = scroll_box(
        f'<table class="cdp-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>",
        caption,
    )
    return box + (csv_download_html(df, caption, "table") if download else "")


def scroll_box(table: str, label: str) -> str:
    """``table`` inside a box that scrolls sideways by itself on a narrow screen (so the page
    never does); the box can take keyboard focus and is named after the table's caption,
    as WCAG asks of a scrollable region."""
    return (
        f'<div class="cdp-scroll" role="region" tabindex="0" '
        f'aria-label="{html.escape(label, quote=True)}">{table}</div>'
    )


def _table_frame(figure: Figure, columns: Sequence[str] | None) -> pd.DataFrame:
    wanted = list(columns or figure.table_columns or DEFAULT_TABLE_COLUMNS)
    df = figure.data[[c for c in wanted if c in figure.data.columns]]
    fake = synthetic_rows(figure.data)
    if fake.any():  # each row says whether it is real or synthetic demo data
        df = df.assign(real_or_synthetic=fake.map({True: "synthetic demo data", False: "real"}))
    return df[[c for c in df.columns if not _all_blank(df[c])]]


def _all_blank(s: pd.Series) -> bool:
    """Whether every cell of ``s`` is missing or blank text (such a column is left out)."""
    na = s.isna()
    if na.all():
        return True
    if s.dtype.kind in "biufcmM":  # numbers, booleans and dates are never blank text
        return False
    return all(na_ or not str(v).strip() for v, na_ in zip(s.tolist(), na.tolist(), strict=True))


def _slug(text: str) -> str:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    return "-".join(words)[:80] or "chart-data"


#: Marks a download link whose CSV the pack's publisher writes to a file beside the page
#: (see :mod:`cdp_analysis.report.downloads`); its value is the chart's or table's title.
CSV_ATTR = "data-cdp-csv"


def csv_download_html(df: pd.DataFrame, title: str, what: str = "chart") -> str:
    """A link that downloads ``df`` as CSV (unformatted, UTF-8, no index). The CSV is
    embedded in the link (a ``data:`` address), so the link works in a notebook; when a pack
    is published the runner writes it to a file in the pack's ``data/`` folder and points the
    link there (see :mod:`cdp_analysis.report.downloads`). Callers pass exactly the rows and
    columns the page shows, so the CSV has the same disclosure control as the page."""
    text = df.to_csv(index=False, lineterminator="\n")
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    name = _slug(title) + ".csv"
    label = f": {title}" if title else ""
    return (
        f'<p class="cdp-download"><a href="data:text/csv;charset=utf-8;base64,{payload}" '
        f'download="{html.escape(name, quote=True)}" type="text/csv" '
        f'{CSV_ATTR}="{html.escape(title, quote=True)}">Download the data behind '
        f'this {what} (CSV, {len(df)} rows)<span class="visually-hidden">{html.escape(label)}</span></a></p>'
    )


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
    if figure.data is not None and not figure.data.empty:
        frame = _table_frame(figure, columns)  # the link and the table show the same rows
        parts.append(csv_download_html(frame, figure.title, "chart"))
        if data_table:
            table = table_html(
                frame,
                f"Data behind the chart: {figure.title}"
                if figure.title
                else "Data behind the chart",
                max_rows=max_rows,
            )
            parts.append(f"<details><summary>Data table</summary>{table}</details>")
    parts.append("</figure>")
    return "".join(parts)
