"""Words and escaping shared by the page modules: target-status and rating words, the
names of the measure groups, and :func:`esc` for text from data files.
"""

from __future__ import annotations

import html

import numpy as np

from ..plan.model import NEUTRAL_PRIORITIES
from .report_data import Report

#: Words for each target status, as readers see them.
STATUS_WORDS = {
    "achieved": "Achieved",
    "on track": "On track",
    "at risk": "At risk",
    "off track": "Off track",
    "not achieved": "Not achieved",
    "provisional": "Provisional: no verdict until the figure is final",
    "insufficient data": "Not enough data to judge",
    "no target": "No target set in the plan",
    "no data": "No data for this area",
}


RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "grey": "Grey"}


#: Heading of the one section listing measures with no figures for the area.
WAITING_HEADING = "Measures waiting for local data"


def status_words(report: Report, status: str) -> str:
    """A target status in readers' words; with no local plan, "No local target"."""
    if status == "no target" and not report.has_plan:
        return "No local target"
    return STATUS_WORDS.get(status, str(status))


def priority_names(report: Report) -> dict[int, str]:
    """The names of the measure groups: the plan's own priorities, the catalogue's for the
    plan it was written from (``Catalogue.words_for``), else neutral names."""
    if not report.has_plan:
        return dict(NEUTRAL_PRIORITIES)
    if report.plan.priorities:
        return {**NEUTRAL_PRIORITIES, **report.plan.priorities}
    if report.catalogue.words_for(report.plan):
        return dict(report.catalogue.priorities)
    return dict(NEUTRAL_PRIORITIES)  # another partnership's plan with no priorities of its own


def esc(text: object) -> str:
    """HTML-escaped text (``""`` for missing values)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return html.escape(str(text))
