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
from ..tidy import ENGLAND_CODE, SYNTHETIC, UTLA
from . import display as show
from .report_data import Report

#: Words for each target status, as readers see them.
STATUS_WORDS = {
    "achieved": "Achieved",
    "on track": "On track",
    "at risk": "At risk",
    "off track": "Off track",
    "not achieved": "Not achieved",
    "insufficient data": "Not enough data to judge",
    "no target": "No target set in the plan",
    "no data": "No data for this area",
}
RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "grey": "Grey"}


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
    plan = report.plan.name if report.plan is not None else "no plan targets loaded"
    parts = [
        f"<h1>{esc(title)}: {esc(report.area_name)}</h1>",
        f'<p class="cdp-meta">Reporting quarter {esc(q.fingertips_label)} ({esc(period)}) · '
        f"{esc(report.area_name)} ({esc(report.area_code)}), {esc(report.region_name)} · "
        f"targets: {esc(plan)}</p>",
        f'<p class="cdp-lead">{esc(lead)}</p>',
    ]
    for note in report.assessment.notes:
        parts.append(f'<p class="cdp-note">{esc(note)}</p>')
    return "".join(parts)


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
        return (
            f"No figure is available for {report.area_name} for this measure{note}. "
            f"{STATUS_WORDS.get(row['target_status'], row['target_status'])}."
        )
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
    status = STATUS_WORDS.get(row["target_status"], str(row["target_status"]))
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
    rag = str(row["rag"])
    status = STATUS_WORDS.get(row["target_status"], str(row["target_status"]))
    background, colour, _ = palette.RAG_STYLE.get(rag, palette.RAG_STYLE["grey"])
    return (
        f'<p class="cdp-status">Rating: <strong class="cdp-rag cdp-rag-{esc(rag)}" '
        f'style="background-color:{background};color:{colour};padding:.1rem .5rem">'
        f"{esc(RAG_WORDS.get(rag, rag))}</strong> {esc(status)}</p>"
    )


def measure_intro_html(report: Report, measure_id: str, level: int = 2) -> str:
    m = report.measure(measure_id)
    obj = ", ".join(m.objectives)
    return (
        f'<h{level} id="{esc(measure_anchor(measure_id))}">{esc(m.name)}</h{level}>'
        + status_badge_html(report, measure_id)
        + f"<p>{esc(headline_text(report, measure_id))}</p>"
        + f'<p class="cdp-definition">What this measures: {esc(m.definition)} '
        f"(plan objective {esc(obj)}: “{esc(m.plan_measure)}”).</p>"
    )


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


def comparator_figure(report: Report, measure_id: str) -> figures.Figure:
    """The area, its comparators and England in the latest period, with 95% intervals."""
    rows = report.latest_all_areas(measure_id)
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
    rows = report.latest_all_areas(measure_id)
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
    show.show_text(measure_intro_html(report, measure_id, level))
    if not report.has_data(measure_id):
        show.show_text(
            f"<p>No data for {esc(report.area_name)} in the bundled files: add it to the "
            "local measures file or the data folder (see the user guide).</p>"
        )
        return
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
                missing.append("comparison with similar areas")
        elif chart == "funnel":
            fig = funnel_figure(report, measure_id) if report.has_england(measure_id) else None
            if fig is None:
                missing.append("funnel plot")
            else:
                show.show_figure(fig)
        else:
            raise ValueError(f"unknown chart '{chart}'")
    if missing:
        show.show_text(
            f'<p class="cdp-note">Not shown: {esc(", ".join(missing))} — no figures for other '
            "areas are published for this measure.</p>"
        )


def _has_comparators(report: Report, measure_id: str) -> bool:
    rows = report.latest_all_areas(measure_id)
    return bool(rows["area_code"].isin(report.comparators).any())


# ---------------------------------------------------------------------------------- overview


def rag_counts_text(report: Report) -> str:
    """e.g. "Of the plan's 32 measures, 12 are green, 2 amber, 14 red and 4 grey"."""
    s = report.summary
    n = rag.counts(s)
    parts = [f"{int(n[c])} {c}" for c in ("green", "amber", "red", "grey")]
    q = report.quarter
    end = report.plan.end if report.plan is not None else None
    verdict = ""
    if end is not None and pd.Timestamp(q.end) >= pd.Timestamp(end):
        verdict = (
            f" The plan period ended in {end:%B %Y}, so these are end-of-plan verdicts "
            "(achieved or not achieved) where the data reach that date."
        )
    return (
        f"Of the plan's {len(s)} measures, {parts[0]}, {parts[1]}, {parts[2]} and {parts[3]} "
        f"(grey: no target, or not enough data to judge).{verdict}"
    )


#: Under the full table: why most local measures say "Not compared" in the England column.
ENGLAND_COLUMN_NOTE = (
    "England column: \u201cNot compared\u201d means England publishes no figure for the measure "
    "(the partnership's local measures) or there is no interval to compare; Better, Similar and "
    "Worse compare this area's 95% confidence interval (95% CI) with England's value."
)


def show_rag_summary(report: Report) -> None:
    """The table of every measure by priority (shown once, on the overview), each measure
    linking to its chart, with a key to the rating colours."""
    caption = (
        f"Every measure of the plan for {report.area_name}, {report.quarter.fingertips_label}: "
        "latest value, England, trend and target status"
    )
    links = report.summary["measure_id"].map(lambda mid: measure_href(report, mid))
    markup = (
        f'<div id="every-measure"><p>{esc(rag_counts_text(report))}</p>'
        + rag_key_html()
        + figures.rag_table_html(report.summary, caption, links=links)
        + f'<p class="cdp-note">{esc(ENGLAND_COLUMN_NOTE)}</p></div>'
    )
    show.show_text(markup)


def spine_figure(report: Report) -> figures.Figure | None:
    """The area against England's range for every measure with England figures."""
    s = report.summary
    with_eng = s[s["england_value"].notna() & s["value"].notna()]
    if with_eng.empty:
        return None
    frames = [report.latest_all_areas(mid) for mid in with_eng["measure_id"]]
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
    status = report.summary.set_index("measure_id")["target_status"]
    no_target = both["measure_id"].map(status).isin(["no target"]).to_numpy()
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
        "grey": "no target in the plan, or not enough data to judge",
    }
    items = []
    for key, words in meaning.items():
        bg, fg, label = palette.RAG_STYLE[key]
        items.append(
            f'<li><span class="cdp-swatch" style="background-color:{bg};color:{fg}">'
            f"{esc(label)}</span> {esc(words)}</li>"
        )
    return f'<ul class="cdp-rag-key" aria-label="Key to ratings">{"".join(items)}</ul>'


def board_summary_html(report: Report) -> str:
    """The pack's front-page summary for a partnership board, short enough to print on one
    A4 side: a plain headline, counts by rating, the exceptions (measures rated red, and
    measures that worsened significantly since last quarter) with links to their charts, and
    a link to the full table on the overview."""
    s = report.summary
    n = rag.counts(s)
    total = len(s)
    changes = changes_table(report)
    worse = changes[changes["significant"] & (changes["worse"] == True)]  # noqa: E712
    red = s[s["rag"] == "red"]
    q = report.quarter
    end = report.plan.end if report.plan is not None else None
    ended = end is not None and pd.Timestamp(q.end) >= pd.Timestamp(end)
    sentences = [
        f"In {q.fingertips_label}, {int(n['green'])} of the plan's {total} measures were rated "
        f"green and {int(n['red'])} red; {int(n['amber'])} were amber and {int(n['grey'])} could "
        "not be rated (no target, or not enough data)."
    ]
    if ended:
        sentences.append(
            f"The plan period ended in {end:%B %Y}, so the ratings are end-of-plan verdicts."
        )
    if len(worse):
        sentences.append(
            f"{len(worse)} measure{'s' if len(worse) != 1 else ''} worsened significantly since "
            "last quarter."
        )
    else:
        sentences.append("No measure worsened significantly since last quarter.")
    counts = "".join(
        f'<tr><th scope="row"><span class="cdp-swatch" style="background-color:'
        f'{palette.RAG_STYLE[k][0]};color:{palette.RAG_STYLE[k][1]}">'
        f"{esc(palette.RAG_STYLE[k][2])}</span></th><td>{int(n[k])}</td></tr>"
        for k in ("red", "amber", "green", "grey")
    )
    parts = [
        '<div class="cdp-board">',
        f'<p class="cdp-headline">{esc(" ".join(sentences))}</p>',
        '<table class="cdp-counts"><caption>Measures by rating</caption>'
        '<thead><tr><th scope="col">Rating</th><th scope="col">Measures</th></tr></thead>'
        f"<tbody>{counts}</tbody></table>",
        rag_key_html(),
        "<h3>Needs the board's attention</h3>",
    ]
    if red.empty and worse.empty:
        parts.append("<p>No measure is rated red or worsened significantly since last quarter.</p>")
    if not red.empty:
        links = ", ".join(
            f'<a href="{esc(measure_href(report, r.measure_id))}">{esc(r.short_name)}</a>'
            for r in red.itertuples(index=False)
        )
        parts.append(f"<p><strong>Rated red ({len(red)}):</strong> {links}.</p>")
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
    """A compact table of several measures' latest values, trend and target status."""
    s = report.summary.set_index("measure_id").loc[list(measure_ids)].reset_index()
    table = pd.DataFrame(
        {
            "Measure": s["short_name"],
            "Period": s["period_label"],
            "Value": s["value_display"],
            "Recent trend": s["trend"],
            "Target": s["target_status"].map(lambda v: STATUS_WORDS.get(v, v)),
            "Rating": s["rag"].map(lambda v: RAG_WORDS.get(v, v)),
        }
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
            f"<p>No record-level treatment data for {esc(report.area_name)} in the data folder, "
            "so re-presentations cannot be shown.</p>"
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
