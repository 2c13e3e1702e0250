"""Page headings, lead paragraphs, section introductions (worded for the area's plan, quoting
it, or for no plan) and the overview's "How to read this report".
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..plan.plans import NO_AMBITIONS_SENTENCE, NO_PLAN_SENTENCE
from . import display as show
from .groups import group, with_data
from .measure_blocks import target_line
from .report_data import Report
from .wording import esc

#: Page titles that claim a plan, as an area with no plan of its own has them.
NO_PLAN_TITLES = {"Plan overview": "Overview"}


def page_header_html(report: Report, title: str, lead: str) -> str:
    """The page's heading, the area and quarter, and a lead paragraph. With no plan, a
    title that claims one is changed (``NO_PLAN_TITLES``: "Plan overview" -> "Overview")."""
    if not report.has_plan:
        title = NO_PLAN_TITLES.get(title, title)
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


#: Section headings that speak of the plan, as an area with no plan reads them.
NO_PLAN_HEADINGS = {"Where the plan stands": "Where the measures stand"}


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
        if t.type == "multiple_of_baseline" and report.has_data(mid) and target_line(report, mid):
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
        heading = NO_PLAN_HEADINGS.get(heading, heading)
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
