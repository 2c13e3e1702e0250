"""A measure's findings in words: its heading, rating badge, headline sentence (latest value,
interval, England, comparators, trend, target) and definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..disclosure import withheld_reason
from ..figures import palette
from ..tidy import SYNTHETIC
from .groups import measure_anchor
from .report_data import Report
from .wording import RAG_WORDS, esc, status_words


def headline_text(report: Report, measure_id: str) -> str:
    """One paragraph, in plain words, of where the measure stands: latest value with its
    interval, England, comparators, recent trend and the target's status and reason."""
    m = report.measure(measure_id)
    row = report.summary_row(measure_id)
    if pd.isna(row["value"]):
        withheld = withheld_reason(row["value_note"])
        if withheld and row["period_label"]:
            return f"The {row['period_label']} figure for {report.area_name} was {withheld}."
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
    if not report.catalogue.words_for(report.plan):  # the catalogue's words are another plan's
        return ""
    return f" (plan objective {', '.join(m.objectives)}: “{m.plan_measure}”)"
