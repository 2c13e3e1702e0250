"""The parts report pages are made of, in one namespace for the notebooks
(``from cdp_analysis.pages import sections``; ``sections.show_measure(...)``).

Each ``show_*`` function displays one part of a page in a notebook (through
:mod:`cdp_analysis.pages.display`, so charts carry alt text and nothing loads from the internet);
each ``*_text``/``*_html`` function returns the words or markup, so it can be tested without a
notebook. Text from data files is escaped. The parts live in modules named for what they hold:

* :mod:`~cdp_analysis.pages.wording`: status and rating words, group names, escaping;
* :mod:`~cdp_analysis.pages.groups`: which measures are on which page, links to them;
* :mod:`~cdp_analysis.pages.intros`: page headings, leads, section introductions, how to read;
* :mod:`~cdp_analysis.pages.findings`: a measure's heading, rating badge and headline words;
* :mod:`~cdp_analysis.pages.measure_blocks`: a measure's charts, the spine, tables, waiting list;
* :mod:`~cdp_analysis.pages.changes`: "what changed since last quarter" (significant changes only);
* :mod:`~cdp_analysis.pages.board_summary`: the front-page board summary and the full table.
"""

from __future__ import annotations

from .board_summary import (
    ENGLAND_COLUMN_NOTE,
    board_summary_html,
    rag_counts_text,
    rag_key_html,
    show_board_summary,
    show_rag_summary,
    summary_for_pages,
)
from .changes import (
    CHANGE_ALPHA,
    CHANGE_TEST_WORDS,
    change_p_value,
    changes_html,
    changes_table,
    show_changes,
)
from .findings import headline_text, long_run_text, measure_intro_html, status_badge_html
from .groups import GROUPS, group, measure_anchor, measure_href, waiting_for_data, with_data
from .intros import (
    INTROS,
    PAGE_LEADS,
    how_to_read_html,
    intro_html,
    page_header_html,
    page_lead,
    plan_sentence_html,
    show_how_to_read,
    show_intro,
    show_page_header,
)
from .measure_blocks import (
    comparator_figure,
    count_figure,
    funnel_figure,
    same_kind_rows,
    show_annual_deaths,
    show_measure,
    show_measures_table,
    show_representations,
    show_spine,
    show_waiting_for_data,
    spine_figure,
    trend_figure,
    waiting_for_data_html,
)
from .wording import (
    NEUTRAL_PRIORITIES,
    RAG_WORDS,
    STATUS_WORDS,
    WAITING_HEADING,
    esc,
    priority_names,
    status_words,
)

__all__ = [
    "STATUS_WORDS",
    "RAG_WORDS",
    "NEUTRAL_PRIORITIES",
    "WAITING_HEADING",
    "status_words",
    "priority_names",
    "esc",
    "GROUPS",
    "group",
    "with_data",
    "waiting_for_data",
    "measure_anchor",
    "measure_href",
    "headline_text",
    "long_run_text",
    "status_badge_html",
    "measure_intro_html",
    "trend_figure",
    "same_kind_rows",
    "comparator_figure",
    "funnel_figure",
    "count_figure",
    "show_measure",
    "waiting_for_data_html",
    "show_waiting_for_data",
    "spine_figure",
    "show_spine",
    "show_measures_table",
    "show_representations",
    "show_annual_deaths",
    "page_header_html",
    "plan_sentence_html",
    "PAGE_LEADS",
    "page_lead",
    "show_page_header",
    "INTROS",
    "intro_html",
    "show_intro",
    "how_to_read_html",
    "show_how_to_read",
    "CHANGE_ALPHA",
    "CHANGE_TEST_WORDS",
    "change_p_value",
    "changes_table",
    "changes_html",
    "show_changes",
    "rag_counts_text",
    "ENGLAND_COLUMN_NOTE",
    "summary_for_pages",
    "show_rag_summary",
    "rag_key_html",
    "board_summary_html",
    "show_board_summary",
]
