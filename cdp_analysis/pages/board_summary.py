"""The board's view: the front-page summary (headline, counts by rating, RAG key, exceptions
with links) and the overview's one full table of every measure.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from .. import figures
from ..assessment import rag
from ..figures import palette
from ..plan.plans import NO_AMBITIONS_SENTENCE
from . import display as show
from .changes import change_item_html, changes_table
from .groups import measure_href, with_data
from .intros import plan_sentence_html
from .measure_blocks import show_waiting_for_data
from .objectives import objectives_html
from .report_data import Report
from .wording import esc, priority_names


def rag_counts_text(report: Report) -> str:
    """e.g. "Of the plan's 32 measures, 12 are green, 2 amber, 14 red and 4 grey"; counts
    the measures with figures for the area (the others are listed as waiting for data).
    With no local plan, the England comparison instead of target ratings."""
    s = report.summary
    shown = s[s["measure_id"].isin(with_data(report, s["measure_id"]))]
    waiting = len(s) - len(shown)
    tail = (
        f" {waiting} more are waiting for local data (listed at the end of the overview page)."
        if waiting
        else ""
    )
    if not report.has_plan:
        vs = shown["vs_england"].value_counts()
        better, similar, worse = (int(vs.get(k, 0)) for k in ("Better", "Similar", "Worse"))
        return (
            f"{len(shown)} measures have figures for {report.area_name}. No local plan was "
            "given, so none is rated against a target; compared with England, "
            f"{better} {'is' if better == 1 else 'are'} significantly better, {similar} not "
            f"significantly different and {worse} significantly worse (the others have no "
            f"England figure).{tail} {NO_AMBITIONS_SENTENCE}"
        )
    n = rag.counts(shown)
    parts = [f"{int(n[c])} {c}" for c in ("green", "amber", "red", "grey")]
    q = report.quarter
    end = report.plan.end
    verdict = ""
    if pd.Timestamp(q.end) >= pd.Timestamp(end):
        verdict = (
            f" The plan period ended in {end:%B %Y}, so these are end-of-plan verdicts "
            "(achieved or not achieved) where the data reach that date; provisional "
            "figures get no verdict yet."
        )
    total = len(s) if not waiting else len(shown)
    which = "measures" if not waiting else "measures with figures"
    return (
        f"Of the plan's {total} {which}, {parts[0]}, {parts[1]}, {parts[2]} and {parts[3]} "
        f"(grey: no target, provisional, or not enough data to judge).{verdict}{tail}"
    )


#: Under the full table: why most local measures say "Not compared" in the England column.
ENGLAND_COLUMN_NOTE = (
    "England column: \u201cNot compared\u201d means England publishes no figure for the measure "
    "(the partnership's local measures) or there is no interval to compare; Better, Similar and "
    "Worse compare this area's 95% confidence interval (95% CI) with England's value."
)


def summary_for_pages(report: Report) -> pd.DataFrame:
    """The RAG summary as shown: measures with figures only, priorities named for the
    area's plan (or neutrally), and no-plan wording in the target columns."""
    s = report.summary
    s = s[s["measure_id"].isin(with_data(report, s["measure_id"]))].copy()
    s["priority_name"] = s["priority"].map(priority_names(report)).fillna(s["priority_name"])
    if not report.has_plan:
        s["target_text"] = "No local target"
    if report.has_plan and report.plan.objectives:  # its own: the ones its targets name
        named = {t.measure: t.objective or "" for t in report.plan.targets}
        s["objectives"] = s["measure_id"].map(named).fillna("")
    elif not report.catalogue.words_for(report.plan):  # the catalogue's are another plan's
        s["objectives"] = ""
    return s


def show_rag_summary(report: Report) -> None:
    """The table of every measure with figures, by priority (shown once, on the overview;
    the index carries the board summary instead), each measure linking to its chart, with a
    key to the rating colours and every objective of the plan; then the one list of
    measures waiting for local data."""
    what = "Every measure of the plan" if report.has_plan else "Every measure"
    columns = "latest value, England, trend and target status" if report.has_plan else (
        "latest value, England and recent trend")  # fmt: skip
    caption = (
        f"{what} with figures for {report.area_name}, {report.quarter.fingertips_label}: {columns}"
    )
    shown = summary_for_pages(report)
    links = shown["measure_id"].map(lambda mid: measure_href(report, mid))
    markup = (
        f'<div id="every-measure"><p>{esc(rag_counts_text(report))}</p>'
        + (rag_key_html() if report.has_plan else "")  # no plan: nothing is rated
        + figures.rag_table_html(shown, caption, links=links, plan=report.has_plan)
        + figures.csv_download_html(
            figures.rag_table_frame(shown, plan=report.has_plan), caption, "table"
        )
        + f'<p class="cdp-note">{esc(ENGLAND_COLUMN_NOTE)}</p></div>'
    )
    own = report.has_plan and (report.plan.objectives or report.catalogue.words_for(report.plan))
    if own:  # every objective of the plan, in a region that scrolls on a phone
        objectives = objectives_html(report.catalogue, report.area_code, report.plan)
        head, table = objectives.split("<table", 1)
        markup += head + figures.scroll_box("<table" + table, "The plan's objectives")
    show.show_text(markup)
    show_waiting_for_data(report)


def rag_key_html() -> str:
    """A key to the RAG colours (each rating is written as a word as well)."""
    meaning = {
        "green": "target achieved or on track",
        "amber": "at risk",
        "red": "off track or not achieved",
        "grey": "no target in the plan, a provisional figure, or not enough data to judge",
    }
    items = []
    for key, words in meaning.items():
        bg, fg, label = palette.RAG_STYLE[key]
        items.append(
            f'<li><span class="cdp-swatch" style="background-color:{bg};color:{fg}">'
            f"{esc(label)}</span> {esc(words)}</li>"
        )
    return f'<ul class="cdp-rag-key" aria-label="Key to ratings">{"".join(items)}</ul>'


def _board_headline(report: Report, shown: pd.DataFrame, worse: pd.DataFrame) -> str:
    """The board summary's two or three plain sentences."""
    q = report.quarter
    waiting = len(report.summary) - len(shown)
    if report.has_plan:
        n = rag.counts(shown)
        which = "measures" if not waiting else "measures with figures"
        amber = int(n["amber"])
        sentences = [
            f"In {q.fingertips_label}, {int(n['red'])} of the plan's {len(shown)} {which} were "
            f"rated red, {int(n['green'])} green and {amber or 'none'} amber; "
            f"{int(n['grey'])} could not be rated (no target, provisional, or not enough data)."
        ]
        end = report.plan.end
        if pd.Timestamp(q.end) >= pd.Timestamp(end):
            sentences.append(
                f"The plan period ended in {end:%B %Y}, so the ratings are end-of-plan verdicts."
            )
    else:
        vs = shown["vs_england"].value_counts()
        better, worse_eng = int(vs.get("Better", 0)), int(vs.get("Worse", 0))
        sentences = [
            f"In {q.fingertips_label}, {len(shown)} measures have figures for "
            f"{report.area_name}; with no local plan none is rated against a target. Compared "
            f"with England, {better} {'is' if better == 1 else 'are'} significantly better and "
            f"{worse_eng} significantly worse."
        ]
    if waiting:
        sentences.append(f"{waiting} more are waiting for local data.")
    k = len(worse)
    sentences.append(
        f"{k} measure{'s' if k != 1 else ''} worsened significantly since last quarter."
        if k
        else "No measure worsened significantly since last quarter."
    )
    return " ".join(sentences)


def _counts_table_html(shown: pd.DataFrame) -> str:
    """Measures by rating, each rating with its colour swatch and its word."""
    n = rag.counts(shown)
    rows = "".join(
        f'<tr><th scope="row"><span class="cdp-swatch" style="background-color:'
        f'{palette.RAG_STYLE[k][0]};color:{palette.RAG_STYLE[k][1]}">'
        f"{esc(palette.RAG_STYLE[k][2])}</span></th><td>{int(n[k])}</td></tr>"
        for k in ("red", "amber", "green", "grey")
    )
    return (
        '<table class="cdp-counts"><caption>Measures by rating</caption>'
        '<thead><tr><th scope="col">Rating</th><th scope="col">Measures</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _links(report: Report, rows: pd.DataFrame) -> str:
    return ", ".join(
        f'<a href="{esc(measure_href(report, r.measure_id))}">{esc(r.short_name)}</a>'
        for r in rows.itertuples(index=False)
    )


def board_summary_html(report: Report) -> str:
    """The pack's front-page summary for a partnership board, short enough to print on one
    A4 side: a plain headline, counts by rating, the exceptions (measures rated red, or with
    no plan significantly worse than England, and measures that worsened significantly since
    last quarter) with links to their charts, and a link to the full table on the overview."""
    shown = summary_for_pages(report)
    changes = changes_table(report)
    worse = changes[changes["significant"] & (changes["worse"] == True)]  # noqa: E712
    parts = [
        '<div class="cdp-board">',
        plan_sentence_html(report),
        f'<p class="cdp-headline">{esc(_board_headline(report, shown, worse))}</p>',
    ]
    if report.has_plan:
        parts += [_counts_table_html(shown), rag_key_html()]
        flagged, flag_words = shown[shown["rag"] == "red"], "Rated red"
    else:
        flagged = shown[shown["vs_england"] == "Worse"]
        flag_words = "Significantly worse than England"
    parts.append("<h3>Needs the board's attention</h3>")
    if flagged.empty and worse.empty:
        parts.append(f"<p>No measure is {flag_words.lower()} or worsened significantly since "
                     "last quarter.</p>")  # fmt: skip
    if not flagged.empty:
        parts.append(
            f"<p><strong>{esc(flag_words)} ({len(flagged)}):</strong> "
            f"{_links(report, flagged)}.</p>"
        )
    if not worse.empty:
        items = "".join(change_item_html(report, r) for r in worse.itertuples(index=False))
        parts.append(
            "<p><strong>Worsened significantly since last quarter</strong> "
            f"(5% level; tests named on the overview):</p><ul>{items}</ul>"
        )
    parts.append(
        '<p>Details: <a href="00_overview.html#every-measure">the full table of every '
        "measure</a> on the overview, each row linking to its chart.</p></div>"
    )
    return "".join(parts)


def show_board_summary(report: Report) -> None:
    """Hand the board summary to the pack's front page (it is not shown on this page)."""
    display(HTML(board_summary_html(report)), metadata={"cdp-index-summary": True})
