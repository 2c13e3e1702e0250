"""Every objective of the plan, with its measures, or why it has none (for the index page).

:func:`objectives_table` lists each objective of ``indicators.yaml`` (all 24 of the
Portsmouth plan) with the measures that evidence it. An objective without a measure says
why: the plan names no measure for it and no published national indicator covers it in the
sources the project reads, so the evidence would be a local return; the row gives a
suggested measure id and the template row to add to the local measures CSV (after adding the
measure to ``indicators.yaml`` with ``source: local``). :func:`objectives_html` renders it as
an accessible table; the overview calls it for an area with a plan only (the catalogue's
objectives are Portsmouth's plan's; a plan that lists its own objectives is shown with them).
"""

from __future__ import annotations

import html

import pandas as pd

#: Suggested local measure ids for the Portsmouth plan's objectives without a measure.
SUGGESTED_LOCAL_IDS: dict[str, str] = {
    "1.2": "cuckooing_cases",
    "2.4": "co_occurring_support",
    "2.5": "physical_health_support",
    "2.8": "rough_sleepers_in_treatment",
    "2.9": "peer_mentors",
    "2.11": "commissioning_standards_met",
    "2.12": "carers_supported",
    "3.6": "pregnancy_pathway_referrals",
}
NO_MEASURE_REASON = (
    "No measure: the plan names none for this objective and no published national indicator "
    "covers it in the sources this pack reads. Evidence would be a local return: add a "
    "measure with source: local to indicators.yaml and its rows to the local measures CSV."
)


def _template_row(objective: str, area_code: str) -> str:
    mid = SUGGESTED_LOCAL_IDS.get(objective, f"objective_{objective.replace('.', '_')}")
    return f"{mid},{area_code},2025/26 Q1,2025-04-01,2025-06-30,<count>,,,<data owner>"


def _evidence(catalogue, plan, number: str) -> list[str]:
    """Short names of the measures that evidence one objective: for a plan that lists its
    own objectives, the measures whose targets name it; else the catalogue's measures that
    list it."""
    if plan is not None and plan.objectives:
        named = {t.measure for t in plan.targets if t.objective == number}
        return [m.short_name for m in catalogue if m.id in named]
    return [m.short_name for m in catalogue if number in m.objectives]


def objectives_table(catalogue, area_code: str, plan=None) -> pd.DataFrame:
    """One row per objective: ``objective``, ``priority``, ``text``, ``measures`` (short
    names, "" when none), ``reason`` ("" when it has measures) and ``template_row``. The
    objectives are the plan's own when ``plan`` lists them, else the catalogue's."""
    rows = []
    objectives = plan.objectives if plan is not None and plan.objectives else catalogue.objectives
    for number, text in objectives.items():
        names = _evidence(catalogue, plan, number)
        rows.append(
            {
                "objective": number,
                "priority": int(number.split(".")[0]),
                "text": text,
                "measures": "; ".join(names),
                "reason": "" if names else NO_MEASURE_REASON,
                "template_row": "" if names else _template_row(number, area_code),
            }
        )
    return pd.DataFrame(rows)


def objectives_html(catalogue, area_code: str, plan=None) -> str:
    """The objectives table as HTML (a caption, header cells with scope, template rows in
    ``<code>``); the plan's own objectives when ``plan`` lists them."""
    t = objectives_table(catalogue, area_code, plan)
    esc = html.escape
    n_without = int(t["measures"].eq("").sum())
    body = []
    for r in t.itertuples(index=False):
        if r.measures:
            what = esc(r.measures)
        else:
            what = f"{esc(r.reason)} Template row: <code>{esc(r.template_row)}</code>"
        body.append(
            f'<tr><th scope="row" class="cdp-objective">{esc(r.objective)}</th><td>{esc(r.text)}</td><td>{what}</td></tr>'
        )
    return (
        f'<h2 id="objectives">The plan\'s {len(t)} objectives</h2>'
        f"<p>{len(t) - n_without} objectives have at least one measure in this pack; "
        f"{n_without} have none, and say why.</p>"
        '<table class="cdp-table cdp-objectives"><caption>Every objective of the plan and '
        'the measures that evidence it</caption><thead><tr><th scope="col">Objective</th>'
        '<th scope="col">What the plan says</th><th scope="col">Measures in this pack'
        "</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
    )
