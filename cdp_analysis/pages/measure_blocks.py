"""The charts and tables of a measure and of a page: trend, comparators, funnel and count
charts (:func:`show_measure`), the spine chart, the compact measures table, re-presentations,
annual deaths, and the one list of measures waiting for local data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .. import figures, stats, tidy
from ..assessment.baseline import significance_threshold
from ..figures import TargetLine
from ..tidy import ENGLAND_CODE, UTLA
from . import display as show
from .findings import measure_intro_html
from .groups import waiting_for_data, with_data
from .report_data import Report
from .wording import RAG_WORDS, WAITING_HEADING, esc, status_words


def target_line(report: Report, measure_id: str) -> TargetLine | None:
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
    if line is not None and line.kind == "direction":
        line = replace(line, threshold=direction_threshold(report, measure_id, line.direction))
    return line


def direction_threshold(report: Report, measure_id: str, direction: str | None) -> float | None:
    """The level a direction target's line is drawn at: the value the judged period must
    reach for a significant change from the baseline, by the baseline test
    (:func:`cdp_analysis.assessment.baseline.significance_threshold`), with the judged
    period's denominator and interval as they are; None when it cannot be worked out."""
    b = report.assessment.baseline
    rows = b[b["measure_id"] == measure_id]
    if rows.empty or pd.isna(rows["baseline_end"].iloc[0]) or not direction:
        return None
    r = rows.iloc[0]
    series = report.series(measure_id, [report.area_code])

    def at(end) -> dict:
        hit = series[series["period_end"] == end]
        return hit.iloc[0].to_dict() if not hit.empty else {}

    base = {**at(r["baseline_end"]), "value": r["baseline_value"], "count": r["baseline_count"],
            "denominator": r["baseline_denominator"]}  # fmt: skip
    judged = {**at(r["period_end"]), "value": r["value"], "denominator": r["denominator"]}
    return significance_threshold(report.measure(measure_id).method, direction, base, judged)


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
        target=target_line(report, measure_id),
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


def show_spine(report: Report) -> None:
    fig = spine_figure(report)
    if fig is None:
        show.show_text("<p>No measure has both a value for this area and an England value.</p>")
    else:
        show.show_figure(fig)


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
