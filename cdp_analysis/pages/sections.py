"""The parts report pages are made of: headings, plain-words findings, charts and tables.

Each ``show_*`` function displays one part of a page in a notebook (through
:mod:`cdp_analysis.pages.display`, so charts carry alt text and nothing loads from the internet);
each ``*_text``/``*_html`` function returns the words or markup, so it can be tested without a
notebook. The notebooks in ``notebooks/`` are a list of calls to these with a sentence or two
of their own. Text from data files is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from .. import figures, stats, tidy
from ..assessment import rag
from ..assessment.display import value_text
from ..figures import TargetLine, palette
from ..plan.plans import NO_AMBITIONS_SENTENCE, NO_PLAN_SENTENCE
from ..tidy import ENGLAND_CODE, SYNTHETIC, UTLA
from . import display as show
from .objectives import objectives_html
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

#: Neutral names of the measure groups, for areas with no plan of their own (the
#: catalogue's priority words are Portsmouth's plan's).
NEUTRAL_PRIORITIES = {
    1: "Drug supply and crime",
    2: "Treatment, recovery and drug-related deaths",
    3: "Young people",
}
#: Heading of the one section listing measures with no figures for the area.
WAITING_HEADING = "Measures waiting for local data"


def status_words(report: Report, status: str) -> str:
    """A target status in readers' words; with no local plan, "No local target"."""
    if status == "no target" and not report.has_plan:
        return "No local target"
    return STATUS_WORDS.get(status, str(status))


def priority_names(report: Report) -> dict[int, str]:
    """The names of the measure groups: the plan's own priorities, the catalogue's for the
    plan it was written from, or neutral names when the area has no plan."""
    if not report.has_plan:
        return dict(NEUTRAL_PRIORITIES)
    if report.plan.priorities:
        return {**NEUTRAL_PRIORITIES, **report.plan.priorities}
    return dict(report.catalogue.priorities)


def esc(text: object) -> str:
    """HTML-escaped text (``""`` for missing values)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return html.escape(str(text))


# ---------------------------------------------------------------------------------- headings


def page_header_html(report: Report, title: str, lead: str) -> str:
    """The page's heading, the area and quarter, and a lead paragraph."""
    q = report.quarter
    period = f"{q.start:%B %Y} to {q.end:%B %Y}"
    parts = [
        f"<h1>{esc(title)}: {esc(report.area_name)}</h1>",
        plan_sentence_html(report),
        f'<p class="cdp-meta">Reporting quarter {esc(q.fingertips_label)} ({esc(period)}) · '
        f"{esc(report.area_name)} ({esc(report.area_code)}), {esc(report.region_name)}</p>",
        f'<p class="cdp-lead">{esc(lead)}</p>',
    ]
    for note in report.assessment.notes:
        parts.append(f'<p class="cdp-note">{esc(note)}</p>')
    return "".join(parts)


def plan_sentence_html(report: Report) -> str:
    """The one sentence at the top of every page saying what the measures are judged
    against: the area's own plan, or (no plan) England and the trend."""
    if not report.has_plan:
        return f'<p class="cdp-plan"><strong>{esc(NO_PLAN_SENTENCE)}.</strong></p>'
    p = report.plan
    return (
        f'<p class="cdp-plan">Targets: <strong>{esc(p.name)}</strong> '
        f"({p.start:%B %Y} to {p.end:%B %Y}, baseline {esc(p.baseline_period)}).</p>"
    )


#: Each page's lead paragraph: (words with a plan, words without). {area}, {comparators}
#: and {priority} are filled in.
PAGE_LEADS = {
    "overview": (
        "How the plan is doing: every measure with figures for {area}, by priority, against "
        "its target, England and {comparators}.",
        "Every measure with figures for {area}, compared with England, {comparators} and "
        "over time.",
    ),
    "treatment": (
        "Priority {priority} of the plan: successful completions of drug and alcohol "
        "treatment by substance, numbers in treatment and the other treatment measures.",
        "Successful completions of drug and alcohol treatment by substance, numbers in "
        "treatment and the other treatment measures.",
    ),
    "deaths": (
        "Deaths related to drug misuse and to drug poisoning, from the Office for National "
        "Statistics (real published data): three-year rates, England, {comparators} and all "
        "English upper-tier councils.",
    )
    * 2,
    "young_people": (
        "Priority {priority} of the plan: young people in treatment, where referrals come "
        "from, completions, and the plan's prevention measures.",
        "Young people in treatment, where referrals come from, completions and prevention.",
    ),
    "supply": (
        "Priority {priority} of the plan: disrupting local drug supply chains and "
        "drug-related crime, from the partnership's local measures.",
        "Drug supply and drug-related crime, from the partnership's local measures.",
    ),
}
_PAGE_PRIORITY = {"treatment": 2, "deaths": 2, "young_people": 3, "supply": 1}


def page_lead(report: Report, page: str) -> str:
    """The lead paragraph of a page (``overview``, ``treatment``, ``deaths``,
    ``young_people``, ``supply``), worded for an area with or without its own plan."""
    with_plan, without = PAGE_LEADS[page]
    text = with_plan if report.has_plan else without
    return text.format(
        area=report.area_name,
        comparators=report.comparator_label,
        priority=_PAGE_PRIORITY.get(page, ""),
    )


def show_page_header(
    report: Report, title: str, lead: str, measure_ids: Sequence[str] | None = None
) -> None:
    """Heading, lead paragraph and (when any data shown is synthetic) the demo-data banner."""
    show.show_text(page_header_html(report, title, lead))
    ids = list(measure_ids) if measure_ids is not None else None
    if report.synthetic(ids):
        show.show_synthetic_banner()


# ---------------------------------------------------------------------------------- findings


def headline_text(report: Report, measure_id: str) -> str:
    """One paragraph, in plain words, of where the measure stands: latest value with its
    interval, England, comparators, recent trend and the target's status and reason."""
    m = report.measure(measure_id)
    row = report.summary_row(measure_id)
    if pd.isna(row["value"]):
        note = (
            f" ({row['value_note']})"
            if isinstance(row["value_note"], str) and row["value_note"]
            else ""
        )
        return f"No figure is available for {report.area_name} for this measure{note}."
    interval = (
        f" (95% confidence interval {row['interval_display']})"
        if isinstance(row["interval_display"], str) and row["interval_display"]
        else ""
    )
    sentences = [f"{m.short_name}: {row['value_display']}{interval} in {row['period_label']}."]
    note = row["value_note"] if isinstance(row["value_note"], str) else ""
    if note and note.strip().lower() != SYNTHETIC:  # the page's banner already says that
        sentences.append(f"Note: {note}.")
    vs = row["vs_england"]
    if vs in {"Better", "Worse", "Similar", "Higher", "Lower"}:
        eng = row["england_display"]
        words = {
            "Better": "significantly better than",
            "Worse": "significantly worse than",
            "Similar": "not significantly different from",
            "Higher": "significantly higher than",
            "Lower": "significantly lower than",
        }[vs]
        sentences.append(f"This is {words} England ({eng}).")
    rank = row["comparator_rank"]
    if isinstance(rank, str) and rank and rank[0].isdigit():
        sentences.append(f"It ranks {rank} among {report.comparator_label}.")
    trend = row["trend"]
    if isinstance(trend, str) and trend and trend != "Cannot be calculated":
        sentences.append(f"Recent trend (last five periods): {trend.lower()}.")
    long_run = long_run_text(report, measure_id)
    if long_run:
        sentences.append(long_run)
    if report.has_plan:
        status = status_words(report, row["target_status"])
        sentences.append(f"Target: {status.lower()}. {row['reason']}")
    return " ".join(sentences)


def long_run_text(report: Report, measure_id: str) -> str:
    """The whole series' trend from the GLM (non-overlapping periods), in words, or ""."""
    t = report.assessment.trend_models
    rows = t[(t["measure_id"] == measure_id) & (t["status"] == "fitted")]
    if rows.empty or rows["n_points"].iloc[0] < 3:
        return ""
    r = rows.iloc[0]
    ratio, lo, hi = r["ratio_per_year"], r["ratio_lower"], r["ratio_upper"]
    if not all(np.isfinite([ratio, lo, hi])):
        return ""
    what = "odds" if r["ratio_name"] == "odds ratio" else "rate"
    span = f"{r['first_period']} to {r['last_period']}, {int(r['n_points'])} periods"
    detail = f"{r['ratio_name']} {ratio:.2f} a year, 95% confidence interval {lo:.2f}–{hi:.2f}"
    if lo > 1 or hi < 1:
        direction = "rising" if ratio > 1 else "falling"
        pct = abs(ratio - 1) * 100
        return f"Long-run trend ({span}): {direction}, the {what} by about {pct:.0f}% a year ({detail})."
    return f"Long-run trend ({span}): no significant change ({detail})."


def status_badge_html(report: Report, measure_id: str) -> str:
    """The RAG rating as a labelled badge (colour plus words, never colour alone)."""
    row = report.summary_row(measure_id)
    if not report.has_plan:
        vs = row["vs_england"] if isinstance(row["vs_england"], str) and row["vs_england"] else ""
        words = {"Better": "significantly better than England",
                 "Worse": "significantly worse than England",
                 "Similar": "not significantly different from England",
                 "Higher": "significantly higher than England",
                 "Lower": "significantly lower than England"}.get(vs)  # fmt: skip
        return (
            f'<p class="cdp-status">Compared with England: <strong>{esc(words)}</strong></p>'
            if words
            else '<p class="cdp-status">No England comparison for this measure.</p>'
        )
    rag = str(row["rag"])
    status = status_words(report, row["target_status"])
    background, colour, _ = palette.RAG_STYLE.get(rag, palette.RAG_STYLE["grey"])
    return (
        f'<p class="cdp-status">Rating: <strong class="cdp-rag cdp-rag-{esc(rag)}" '
        f'style="background-color:{background};color:{colour};padding:.1rem .5rem">'
        f"{esc(RAG_WORDS.get(rag, rag))}</strong> {esc(status)}</p>"
    )


def measure_intro_html(report: Report, measure_id: str, level: int = 2) -> str:
    m = report.measure(measure_id)
    return (
        f'<h{level} id="{esc(measure_anchor(measure_id))}">{esc(m.name)}</h{level}>'
        + status_badge_html(report, measure_id)
        + f"<p>{esc(headline_text(report, measure_id))}</p>"
        + f'<p class="cdp-definition">What this measures: {esc(m.definition)}'
        + esc(_plan_objective_words(report, measure_id))
        + ".</p>"
    )


def _plan_objective_words(report: Report, measure_id: str) -> str:
    """ " (plan objective 2.6: “...”)" for an area whose plan is the catalogue's (or names
    the objective), else "": another plan's words are never shown."""
    if not report.has_plan:
        return ""
    m = report.measure(measure_id)
    try:
        target = report.plan.target_for(measure_id)
    except KeyError:
        target = None
    if report.plan.objectives:
        obj = target.objective if target is not None and target.objective else ""
        text = report.plan.objectives.get(obj, "")
        return f" (plan objective {obj}: “{text}”)" if obj and text else ""
    return f" (plan objective {', '.join(m.objectives)}: “{m.plan_measure}”)"


# ---------------------------------------------------------------------------------- charts


def _target_line(report: Report, measure_id: str) -> TargetLine | None:
    if report.plan is None:
        return None
    try:
        target = report.plan.target_for(measure_id)
    except KeyError:
        return None
    t = report.assessment.targets
    rows = t[t["measure_id"] == measure_id]
    baseline = rows["baseline_period"].iloc[0] if not rows.empty else None
    if not isinstance(baseline, str) or not baseline:
        return None
    line = TargetLine.from_target(target, baseline_period=baseline, target_date=report.plan.end)
    if line is not None and line.kind == "multiple" and line.baseline_value is None:
        value = rows["baseline_value"].iloc[0]
        if pd.isna(value):
            return None
    return line


def trend_figure(report: Report, measure_id: str) -> figures.Figure:
    """The area's series with its 95% band, England (when published) and the target."""
    codes = [report.area_code]
    if report.has_england(measure_id):
        codes.append(ENGLAND_CODE)
    data = report.series(measure_id, codes)
    return figures.trend_chart(
        data,
        report.area_code,
        measure=report.measure(measure_id),
        target=_target_line(report, measure_id),
    )


def same_kind_rows(report: Report, measure_id: str) -> pd.DataFrame:
    """Every area's rows for the area's latest period that are of the same kind as the
    area's own figure (real with real, synthetic demo data with demo data): the only rows
    a chart may set it among."""
    rows = report.latest_all_areas(measure_id)
    mine = rows[rows["area_code"] == report.area_code]
    if mine.empty or "synthetic" not in rows:
        return rows
    return rows[rows["synthetic"].astype(bool) == bool(mine["synthetic"].iloc[0])]


def comparator_figure(report: Report, measure_id: str) -> figures.Figure:
    """The area, its comparators and England in the latest period, with 95% intervals
    (only figures of the same kind as the area's: real with real, demo with demo)."""
    rows = same_kind_rows(report, measure_id)
    keep = [report.area_code, *report.comparators, ENGLAND_CODE]
    return figures.comparator_chart(
        rows[rows["area_code"].isin(keep)],
        report.area_code,
        comparator_codes=report.comparators,
        measure=report.measure(measure_id),
    )


def funnel_figure(report: Report, measure_id: str) -> figures.Figure | None:
    """Every upper-tier LA's latest value against its size, with 95% and 99.8% limits."""
    m = report.measure(measure_id)
    rows = same_kind_rows(report, measure_id)
    utla = rows[rows["area_type"] == UTLA]
    pos = report.context.funnel
    pos = pos[pos["measure_id"] == measure_id][["area_code", "funnel_position"]]
    data = rows[(rows["area_type"] == UTLA) | (rows["area_code"] == ENGLAND_CODE)].merge(
        pos.rename(columns={"funnel_position": "funnel_significance"}), on="area_code", how="left"
    )
    ok = utla.dropna(subset=["count", "value"])
    if len(ok) < 10 or report.area_code not in set(ok["area_code"]):
        return None
    if m.method == "wilson":
        ok = ok.dropna(subset=["denominator"])
        limits = stats.funnel_limits_proportion(ok["count"], ok["denominator"])
        return figures.funnel_plot(
            data, report.area_code, limits, measure=m, x="denominator",
            x_label="People in treatment (denominator)",
        )  # fmt: skip
    if m.method == "dsr":
        years = ((ok["period_end"].iloc[0] - ok["period_start"].iloc[0]).days + 1) / 365.25
        years = round(years)
        ok = ok[ok["count"] >= 10]
        limits = stats.funnel_limits_rate(
            ok["count"], ok["value"], multiplier=100_000, years_of_data=years, rate_type="dsr"
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            data["population_1_year"] = data["count"] / data["value"] * 100_000 / years
        return figures.funnel_plot(
            data, report.area_code, limits, measure=m, x="population_1_year",
            x_label="Population (one year, derived from deaths and rate)",
        )  # fmt: skip
    return None


def count_figure(report: Report, measure_id: str) -> figures.Figure:
    return figures.count_chart(
        report.series(measure_id), report.area_code, measure=report.measure(measure_id)
    )


def show_measure(
    report: Report,
    measure_id: str,
    charts: Sequence[str] = ("trend", "comparators", "funnel"),
    level: int = 2,
) -> None:
    """One measure: heading, RAG badge, plain-words finding, definition and its charts.

    ``charts`` may name ``trend``, ``comparators``, ``funnel`` and ``counts``; charts that
    need data the area does not have (England, comparators, all areas) are left out and
    the page says why.
    """
    if not report.has_data(measure_id):
        return  # listed once, in the page's "Measures waiting for local data" section
    show.show_text(measure_intro_html(report, measure_id, level))
    missing = []
    for chart in charts:
        if chart == "trend":
            show.show_figure(trend_figure(report, measure_id))
        elif chart == "counts":
            show.show_figure(count_figure(report, measure_id))
        elif chart == "comparators":
            if _has_comparators(report, measure_id):
                show.show_figure(comparator_figure(report, measure_id))
            else:
                missing.append(f"comparison with {report.comparator_label}")
        elif chart == "funnel":
            fig = funnel_figure(report, measure_id) if report.has_england(measure_id) else None
            if fig is None:
                missing.append("funnel plot")
            else:
                show.show_figure(fig)
        else:
            raise ValueError(f"unknown chart '{chart}'")
    if missing:
        everyone = report.latest_all_areas(measure_id)
        why = (
            "no comparison: the other areas' figures are demo data"
            if len(everyone) > len(same_kind_rows(report, measure_id))
            else "no figures for other areas are published for this measure"
        )
        show.show_text(f'<p class="cdp-note">Not shown: {esc(", ".join(missing))} — {why}.</p>')


def with_data(report: Report, measure_ids: Sequence[str]) -> list[str]:
    """The measures of ``measure_ids`` that have figures for the area."""
    return [m for m in measure_ids if report.has_data(m)]


def waiting_for_data(report: Report, measure_ids: Sequence[str] | None = None) -> list[str]:
    """The measures of ``measure_ids`` (default: all) with no figures for the area."""
    ids = list(measure_ids) if measure_ids is not None else report.catalogue.ids
    return [m for m in ids if not report.has_data(m)]


def waiting_for_data_html(
    report: Report, measure_ids: Sequence[str] | None = None, level: int = 2
) -> str:
    """One short section listing the measures that have no figures for the area yet, in
    readers' words ("" when every measure has figures). How to add the data is in the
    user guide and ``cdp-analysis validate``, not on a board page."""
    waiting = waiting_for_data(report, measure_ids)
    if not waiting:
        return ""
    names = [report.measure(m).short_name for m in waiting]
    n = len(names)
    return (
        f"<h{level}>{WAITING_HEADING}</h{level}>"
        f"<p>{n} measure{'s' if n > 1 else ''} {'have' if n > 1 else 'has'} no figures for "
        f"{esc(report.area_name)} yet. {'They come' if n > 1 else 'It comes'} from local "
        "partners' returns or treatment records and will be shown once those are "
        "provided:</p>"
        f"<ul>{''.join(f'<li>{esc(x)}</li>' for x in names)}</ul>"
    )


def show_waiting_for_data(
    report: Report, measure_ids: Sequence[str] | None = None, level: int = 2
) -> None:
    """:func:`waiting_for_data_html`, shown (nothing when every measure has figures)."""
    markup = waiting_for_data_html(report, measure_ids, level)
    if markup:
        show.show_text(markup)


def _has_comparators(report: Report, measure_id: str) -> bool:
    rows = same_kind_rows(report, measure_id)
    return bool(rows["area_code"].isin(report.comparators).any())


# ---------------------------------------------------------------------------------- overview


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
    return s


def show_rag_summary(report: Report) -> None:
    """The table of every measure with figures, by priority (shown once, on the overview;
    the index carries the board summary instead), each measure linking to its chart, with a
    key to the rating colours and every objective of the plan; then the one list of
    measures waiting for local data."""
    what = "Every measure of the plan" if report.has_plan else "Every measure"
    caption = (
        f"{what} with figures for {report.area_name}, {report.quarter.fingertips_label}: "
        "latest value, England, trend and target status"
    )
    shown = summary_for_pages(report)
    links = shown["measure_id"].map(lambda mid: measure_href(report, mid))
    markup = (
        f'<div id="every-measure"><p>{esc(rag_counts_text(report))}</p>'
        + rag_key_html()
        + figures.rag_table_html(shown, caption, links=links)
        + f'<p class="cdp-note">{esc(ENGLAND_COLUMN_NOTE)}</p></div>'
    )
    # every objective listed, in a region that scrolls by itself on a phone
    objectives = objectives_html(report.catalogue, report.area_code)
    head, table = objectives.split("<table", 1)
    markup += head + figures.scroll_box("<table" + table, "The plan's objectives")
    show.show_text(markup)
    show_waiting_for_data(report)


#: Section introductions: key -> (heading, words with a plan, words without a plan, group).
#: {comparators} is filled in. A section whose group has no figures is not introduced.
INTROS = {
    "where_it_stands": (
        "Where the plan stands",
        "Each measure is rated **green** (target achieved or on track), **amber** (at "
        "risk), **red** (off track or not achieved) or **grey** (no target in the plan, a "
        "provisional figure, or not enough data to judge). The rating is written in words "
        "as well as shown in colour. The rules are in the methods note at the end of this "
        "page.",
        "Each measure is compared with England (significantly better, not significantly "
        "different, or significantly worse, at the 95% level) and over time (the recent "
        "trend). There are no local targets, so no red, amber or green ratings.",
        None,
    ),
    "completions": (
        "Successful completions of treatment",
        "A successful completion is a person who left treatment free of dependence and did "
        "not return within six months, as a percentage of everyone in treatment in the 12 "
        "months. Higher is better. {aim}",
        "A successful completion is a person who left treatment free of dependence and did "
        "not return within six months, as a percentage of everyone in treatment in the 12 "
        "months. Higher is better.",
        "completions",
    ),
    "in_treatment": (
        "Numbers in treatment",
        "People in treatment at any time in the 12 months, by substance. {aim}",
        "People in treatment at any time in the 12 months, by substance.",
        "in_treatment",
    ),
    "other_treatment": (
        "Other treatment and recovery measures",
        "Residential rehabilitation, the criminal justice routes into treatment and "
        "employment. {aim}",
        "Residential rehabilitation, the criminal justice routes into treatment and employment.",
        "other_treatment",
    ),
    "yp_other": (
        "Completions and prevention",
        "Young people's treatment completions, education sessions, staff training and "
        "criminal exploitation. {aim}",
        "Young people's treatment completions, education sessions, staff training and "
        "criminal exploitation.",
        "yp_other",
    ),
    "yp_in_treatment": (
        "Young people in treatment",
        "Young people (under 18) in specialist treatment at any time in the 12 months. {aim}",
        "Young people (under 18) in specialist treatment at any time in the 12 months.",
        "yp_in_treatment",
    ),
    "yp_referrals": (
        "Where referrals come from",
        "Young people in treatment by who referred them. {aim}",
        "Young people in treatment by who referred them.",
        "yp_referrals",
    ),
}


def _aim_text(report: Report, group_name: str) -> str:
    """The plan's own words for a group's targets: "The plan (objective 2.2): “...”.", and
    for a multiple-of-baseline target drawn on a chart, where its line is."""
    ids = group(report, group_name)
    seen: list[str] = []
    objectives: list[str] = []
    line = ""
    for mid in ids:
        try:
            t = report.plan.target_for(mid)
        except KeyError:
            continue
        if t.type == "none":
            continue
        if t.reason not in seen:
            seen.append(t.reason)
        if t.objective and t.objective not in objectives:
            objectives.append(t.objective)
        if t.type == "multiple_of_baseline" and report.has_data(mid) and _target_line(report, mid):
            line = (
                f" The target line on the chart is {t.multiple:g} times the "
                f"{report.plan.baseline_period} figure."
            )
    if not seen:
        return ""
    obj = f" (objective {', '.join(objectives)})" if objectives else ""
    quoted = " ".join(f"“{r}”" for r in seen[:2])
    return f"The plan{obj}: {quoted}{line}"


def intro_html(report: Report, key: str, level: int = 2) -> str:
    """A section's heading and introduction, worded for the area's plan (quoting it) or
    for no plan; "" when the section's measures have no figures for the area."""
    heading, with_plan, without, grp = INTROS[key]
    if grp is not None and not with_data(report, group(report, grp)):
        return ""
    if not report.has_plan:
        heading = heading.replace("the plan", "the measures")
        text = without
    else:
        text = with_plan.format(aim=_aim_text(report, grp) if grp else "").strip()
    body = html.escape(text)
    body = body.replace("**", "\0")
    parts = body.split("\0")
    body = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
    return f"<h{level}>{esc(heading)}</h{level}><p>{body}</p>"


def show_intro(report: Report, key: str, level: int = 2) -> None:
    """:func:`intro_html`, shown (nothing when the section has no figures)."""
    markup = intro_html(report, key, level)
    if markup:
        show.show_text(markup)


def how_to_read_html(report: Report) -> str:
    """The overview's "How to read this report" list, worded for the area's plan."""
    items = [
        "<strong>95% confidence interval</strong>: the range within which the true value is "
        "likely to lie, given the numbers involved. When England's value lies outside an "
        "area's interval, the difference is called <em>significant</em>.",
        "<strong>Recent trend</strong>: the Fingertips test on the latest five periods "
        "(chi-square test for trend, 99.8% level).",
    ]
    if report.has_plan:
        p = report.plan
        items.append(
            f"<strong>Target status</strong>: the targets of {esc(p.name)} (baseline "
            f"{esc(p.baseline_period)}, to {p.end:%B %Y}). Targets that ask for an increase "
            "or decrease need a statistically significant change from the baseline. Before "
            "the end of the plan, the trend of the whole series is projected to the plan "
            "end with its prediction interval. A provisional figure gets no verdict until it "
            "is final."
        )
    else:
        items.append(
            f"<strong>No local targets</strong>: {esc(NO_PLAN_SENTENCE)}. "
            f"{esc(NO_AMBITIONS_SENTENCE)}"
        )
    items.append(
        "<strong>Small numbers</strong> from local and record-level data (1 to 4) are "
        "suppressed, and so are rates and charts built on them."
    )
    return (
        "<h2>How to read this report</h2><ul>"
        + "".join(f"<li>{i}</li>" for i in items)
        + "</ul><p>The other pages of this pack give each measure in detail.</p>"
    )


def show_how_to_read(report: Report) -> None:
    show.show_text(how_to_read_html(report))


def spine_figure(report: Report) -> figures.Figure | None:
    """The area against England's range for every measure with England figures."""
    s = report.summary
    # only where England's figure is of the same kind (real or demo) as the area's, and the
    # spread from areas of the same kind
    same = ~s["vs_england"].astype(str).str.startswith("Not compared:")
    with_eng = s[s["england_value"].notna() & s["value"].notna() & same]
    if with_eng.empty:
        return None
    frames = [same_kind_rows(report, mid) for mid in with_eng["measure_id"]]
    utla = pd.concat(frames, ignore_index=True)
    utla = utla.assign(indicator_id=utla["measure_id"])
    return figures.spine_chart(
        with_eng, utla, measures=report.catalogue.table(), area_name=report.area_name
    )


#: Significance level of the quarter-on-quarter tests in "What changed".
CHANGE_ALPHA = 0.05

CHANGE_TEST_WORDS = (
    "Only changes that are statistically significant at the 5% level are listed: proportions "
    "(a count out of a denominator) by the two-sample z-test of proportions, counts by the exact "
    "conditional (binomial) test that the two quarters' counts come from the same Poisson rate. "
    "Most figures cover rolling 12 months, so consecutive quarters share nine months of data; the "
    "tests treat the quarters as independent and so, if anything, find too few changes. Rates "
    "with neither a count and denominator nor a plain count are not tested and not listed."
)


def change_p_value(
    count: float, denominator: float, count_before: float, denominator_before: float
) -> float:
    """Two-sided p-value for a change between two quarters: the two-sample z-test of
    proportions (pooled) when both denominators are given, else the exact conditional test
    of equal Poisson rates (``count`` given ``count + count_before`` is Binomial(n, 1/2)).
    NaN when neither can be computed."""
    from scipy import stats as sps

    if not (np.isfinite(count) and np.isfinite(count_before)):
        return float("nan")
    if np.isfinite(denominator) and np.isfinite(denominator_before):
        if denominator <= 0 or denominator_before <= 0:
            return float("nan")
        pooled = (count + count_before) / (denominator + denominator_before)
        se = np.sqrt(pooled * (1 - pooled) * (1 / denominator + 1 / denominator_before))
        if se == 0:
            return 1.0
        z = (count / denominator - count_before / denominator_before) / se
        return float(2 * sps.norm.sf(abs(z)))
    n = int(round(count + count_before))
    if n == 0:
        return 1.0
    return float(sps.binomtest(int(round(count)), n, 0.5).pvalue)


def changes_table(report: Report) -> pd.DataFrame:
    """Every measure with a value in this and the previous quarter, with the change, its
    test's p-value (:func:`change_p_value`) and ``significant`` (p < :data:`CHANGE_ALPHA`),
    most significant first."""
    q, prev = report.quarter, report.quarter.shift(-1)
    s = report.context.series
    s = s[s["area_code"] == report.area_code]
    cols = ["measure_id", "value", "count", "denominator"]
    cols = [c for c in cols if c in s.columns]
    now = s[s["period_end"] == pd.Timestamp(q.end)][cols]
    before = s[s["period_end"] == pd.Timestamp(prev.end)][cols]
    both = now.merge(before, on="measure_id", suffixes=("", "_before"))
    both = both.dropna(subset=["value", "value_before"])
    for c in ("count", "denominator", "count_before", "denominator_before"):
        if c not in both:
            both[c] = np.nan
    both["p_value"] = [
        change_p_value(*(float(x) for x in r))
        for r in both[["count", "denominator", "count_before", "denominator_before"]].to_numpy()
    ]
    both["significant"] = both["p_value"] < CHANGE_ALPHA
    units = report.catalogue.table().set_index("measure_id")
    both["short_name"] = both["measure_id"].map(units["short_name"])
    both["unit"] = both["measure_id"].map(units["unit"])
    both["polarity"] = both["measure_id"].map(units["polarity"])
    # A measure the plan only monitors (no target) gets no better/worse word, whatever its
    # catalogue polarity says.
    # (With no local plan nothing has a target, so the catalogue's polarity is used.)
    status = report.summary.set_index("measure_id")["target_status"]
    no_target = (both["measure_id"].map(status).isin(["no target"]) & report.has_plan).to_numpy()
    both["worse"] = [
        None if skip else _worse(r.value, r.value_before, r.polarity)
        for skip, r in zip(no_target, both.itertuples(index=False), strict=True)
    ]
    return both.sort_values("p_value", na_position="last").reset_index(drop=True)


def _worse(value: float, before: float, polarity: object) -> bool | None:
    """True if the move is a deterioration, False an improvement, None when the measure has
    no polarity (neither higher nor lower is better): such measures get no better/worse word."""
    if polarity not in ("higher_is_better", "lower_is_better") or value == before:
        return None
    return (value > before) != (polarity == "higher_is_better")


def _change_item(report: Report, r) -> str:
    verb = "rose" if r.value > r.value_before else "fell"
    good = {True: " (a deterioration)", False: " (an improvement)", None: ""}[r.worse]
    return (
        f'<li><a href="{esc(measure_href(report, r.measure_id))}"><strong>{esc(r.short_name)}'
        f"</strong></a> {verb} from {esc(value_text(r.value_before, r.unit))} to "
        f"{esc(value_text(r.value, r.unit))}{esc(good)} (p = {r.p_value:.3f}).</li>"
    )


def changes_html(report: Report, n: int | None = None) -> str:
    """The statistically significant changes since the previous quarter, in plain words, or a
    sentence saying there were none; which tests were used is said underneath."""
    t = changes_table(report)
    prev = report.quarter.shift(-1).fingertips_label
    if t.empty:
        return f"<p>No measure has figures for both {esc(prev)} and this quarter.</p>"
    sig = t[t["significant"]]
    if n is not None:
        sig = sig.head(n)
    tested = int(t["p_value"].notna().sum())
    if sig.empty:
        body = (
            f"<p>None of the {tested} measures that could be tested changed significantly "
            f"between {esc(prev)} and this quarter.</p>"
        )
    else:
        items = "".join(_change_item(report, r) for r in sig.itertuples(index=False))
        body = (
            f"<p>Compared with the previous quarter ({esc(prev)}), {len(sig)} of the {tested} "
            f"measures that could be tested changed significantly:</p><ul>{items}</ul>"
        )
    return body + f'<p class="cdp-note">{esc(CHANGE_TEST_WORDS)}</p>'


# ---------------------------------------------------------------------------------- board summary

#: The page each priority's measures are shown on (drug deaths have their own page).
_MEASURE_PAGES = {
    1: "04_supply_and_crime.html",
    2: "01_treatment_completions.html",
    3: "03_young_people.html",
}
_DEATHS_PAGE = "02_drug_related_deaths.html"


def measure_anchor(measure_id: str) -> str:
    """The ``id`` of a measure's heading on its page."""
    return f"measure-{measure_id}"


def measure_href(report: Report, measure_id: str) -> str:
    """Link to the measure's heading (and charts) on its page of the pack."""
    m = report.measure(measure_id)
    page = _DEATHS_PAGE if m.plan_measure == _DEATHS else _MEASURE_PAGES.get(m.priority, "")
    return f"{page}#{measure_anchor(measure_id)}"


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
        items = "".join(_change_item(report, r) for r in worse.itertuples(index=False))
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


# ---------------------------------------------------------------------------------- tables


def show_measures_table(report: Report, measure_ids: Sequence[str], caption: str) -> None:
    """A compact table of several measures' latest values, trend and target status (those
    with figures for the area; nothing when none has)."""
    ids = with_data(report, measure_ids)
    if not ids:
        return
    s = report.summary.set_index("measure_id").loc[ids].reset_index()
    table = pd.DataFrame(
        {
            "Measure": s["short_name"],
            "Period": s["period_label"],
            "Value": s["value_display"],
            "Recent trend": s["trend"],
            "Target": s["target_status"].map(lambda v: status_words(report, v)),
            "Rating": s["rag"].map(lambda v: RAG_WORDS.get(v, v)),
        }
    )
    if not report.has_plan:
        table = table.drop(columns=["Target", "Rating"]).assign(
            **{"Compared with England": s["vs_england"].replace("", "No England figure")}
        )
    show.show_table(table, caption)


# ---------------------------------------------------------------------------------- page groups

#: The plan's own measure wording that defines each page's groups.
_COMPLETIONS = "Successful completion of treatment by substance"
_IN_TREATMENT = "Numbers in treatment by substance"
_DEATHS = "Rate of drug related deaths"
_YP_IN_TREATMENT = "Number of young people accessing treatment"
_YP_REFERRALS = "Increased referrals from education, youth offending agencies and self-referrals"

GROUPS = (
    "supply", "treatment", "completions", "in_treatment", "other_treatment", "deaths",
    "young_people", "yp_in_treatment", "yp_referrals", "yp_other",
)  # fmt: skip


def group(report: Report, name: str) -> list[str]:
    """Measure ids of one page group, in catalogue order, from the plan's priorities and its
    own measure wording (so a new measure in ``indicators.yaml`` lands on the right page)."""
    ms = list(report.catalogue)

    def pick(cond) -> list[str]:
        return [m.id for m in ms if cond(m)]

    rules = {
        "supply": lambda m: m.priority == 1,
        "treatment": lambda m: m.priority == 2 and m.plan_measure != _DEATHS,
        "completions": lambda m: m.plan_measure == _COMPLETIONS,
        "in_treatment": lambda m: m.plan_measure == _IN_TREATMENT,
        "other_treatment": lambda m: (
            m.priority == 2 and m.plan_measure not in {_DEATHS, _COMPLETIONS, _IN_TREATMENT}
        ),
        "deaths": lambda m: m.plan_measure == _DEATHS,
        "young_people": lambda m: m.priority == 3,
        "yp_in_treatment": lambda m: m.plan_measure == _YP_IN_TREATMENT,
        "yp_referrals": lambda m: m.plan_measure == _YP_REFERRALS,
        "yp_other": lambda m: (
            m.priority == 3 and m.plan_measure not in {_YP_IN_TREATMENT, _YP_REFERRALS}
        ),
    }
    if name not in rules:
        raise ValueError(f"unknown group '{name}' (known: {', '.join(GROUPS)})")
    return pick(rules[name])


# ---------------------------------------------------------------------------------- page parts


def show_spine(report: Report) -> None:
    fig = spine_figure(report)
    if fig is None:
        show.show_text("<p>No measure has both a value for this area and an England value.</p>")
    else:
        show.show_figure(fig)


def show_changes(report: Report, n: int | None = None) -> None:
    show.show_text(changes_html(report, n))


def show_representations(report: Report) -> None:
    """Completions followed by a return to treatment within six months (record-level data)."""
    rows = report.supplementary("episodes_representations")
    rows = rows[(rows["area_code"] == report.area_code) & (rows["category"] != "")]
    rows = rows[rows["period_end"] <= pd.Timestamp(report.quarter.end)]
    if rows.empty:
        show.show_text(
            f"<p>Re-presentations are counted from local treatment records, which have not "
            f"been provided for {esc(report.area_name)} yet.</p>"
        )
        return
    latest = rows[rows["period_end"] == rows["period_end"].max()]
    table = pd.DataFrame(
        {
            "Substance group": latest["category"].str.replace("Substance: ", "", regex=False),
            "Period": latest["period_label"],
            "Completions followed by re-presentation within 6 months": latest["value"].map(
                lambda v: "Suppressed (fewer than 5)" if pd.isna(v) else f"{v:,.0f}"
            ),
        }
    )
    caption = f"Re-presentations within six months of a completion, {report.area_name}"
    if tidy.is_synthetic(latest["source"]).any():
        caption += " (synthetic demo data)"
    show.show_table(table, caption, row_header=False)


def show_annual_deaths(report: Report) -> None:
    """Deaths registered each year (ONS Tables 1-2), this area and England."""
    frames = []
    for sid, label in (
        ("ons_drug_misuse_annual_count", "Drug misuse"),
        ("ons_drug_poisoning_annual_count", "Drug poisoning"),
    ):
        rows = report.supplementary(sid)
        rows = rows[rows["area_code"] == report.area_code]
        frames.append(rows.assign(kind=label))
    rows = pd.concat(frames, ignore_index=True)
    if rows.empty:
        show.show_text("<p>No annual counts of deaths for this area in the data folder.</p>")
        return
    rows["year"] = rows["period_label"]
    wide = rows.pivot_table(index="year", columns="kind", values="count", aggfunc="first")
    wide = wide.sort_index(ascending=False).head(10)
    table = pd.DataFrame(
        {
            "Year of registration": wide.index,
            **{
                f"Deaths related to {k.lower()}": wide[k].map(lambda v: f"{v:,.0f}")
                for k in wide.columns[::-1]
            },
        }
    )
    caption = f"Deaths registered each year, {report.area_name} (ONS, 2021 registrations edition)"
    show.show_table(table, caption, row_header=False)
    misuse = rows[rows["kind"] == "Drug misuse"].set_index("year")["count"]
    if not misuse.empty:
        fig = figures.count_chart(
            rows[rows["kind"] == "Drug misuse"].assign(indicator_id="deaths_drug_misuse_annual"),
            report.area_code,
            title=f"Deaths related to drug misuse registered each year in {report.area_name}",
        )
        show.show_figure(fig)
