"""Every chart of the report, each returned as a :class:`Figure` with alt text, a caption
(source and period) and the data behind it; and the RAG summary as an accessible HTML table.

Conventions: Okabe-Ito colour-blind-safe colours (see :mod:`.palette`), a plain-words title
that states the finding, axis labels with units, the words ``Synthetic demo data`` on any
chart that plots synthetic rows, deterministic output, and rcParams untouched (styles are
applied with ``rc_context``; figures are not registered with pyplot).

=======================  ==========================================================
:func:`trend_chart`      an area over time with 95% band, England, comparator, target
:func:`funnel_plot`      every UTLA against its denominator with 95%/99.8% limits
:func:`spine_chart`      the area against England's range across measures
:func:`comparator_chart` area, comparators and England as bars with 95% intervals
:func:`count_chart`      counts over time, suppressed values as labelled gaps
:func:`rag_table_html`   the RAG summary as an accessible HTML table
=======================  ==========================================================
"""

from .comparators import comparator_chart
from .counts import count_chart
from .figure import DPI, STYLE, SYNTHETIC_STAMP, Figure, csv_download_html, scroll_box, styled
from .funnel import POSITIONS, funnel_plot, funnel_positions
from .rag_table import rag_table_frame, rag_table_html
from .spine import spine_chart, spine_positions
from .trend import TargetLine, trend_chart
from .units import MeasureInfo, format_value, measure_info

__all__ = [
    "DPI",
    "POSITIONS",
    "STYLE",
    "SYNTHETIC_STAMP",
    "Figure",
    "MeasureInfo",
    "TargetLine",
    "comparator_chart",
    "count_chart",
    "csv_download_html",
    "format_value",
    "funnel_plot",
    "funnel_positions",
    "measure_info",
    "rag_table_frame",
    "rag_table_html",
    "scroll_box",
    "spine_chart",
    "spine_positions",
    "styled",
    "trend_chart",
]
