"""Words for an area with no plan of its own (issue 14): the overview's title and headings
claim no plan, nothing is rated, and comparators are named for what they are: "similar
areas" only with a supplied similar-areas lookup, "the comparison areas chosen for this
report" with --comparators, otherwise the region's other councils."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdp_analysis.figures import rag_table_html
from cdp_analysis.pages import sections
from cdp_analysis.pages.report_data import comparator_label, load_report

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def hampshire():
    return load_report("E10000014", "2025-26Q4")


@pytest.fixture(scope="module")
def portsmouth():
    return load_report("E06000044", "2025-26Q4")


def test_overview_title_claims_no_plan(hampshire, portsmouth):
    lead = sections.page_lead(hampshire, "overview")
    head = sections.page_header_html(hampshire, "Plan overview", lead)
    assert "<h1>Overview: Hampshire</h1>" in head and "Plan overview" not in head
    assert "No local plan was given" in head
    assert "How the plan is doing" not in lead
    assert "other councils in the South East" in lead
    # with a plan the title stays
    mine = sections.page_header_html(portsmouth, "Plan overview", "")
    assert "<h1>Plan overview: Portsmouth</h1>" in mine


def test_section_headings_claim_no_plan(hampshire, portsmouth):
    assert "<h2>Where the measures stand</h2>" in sections.intro_html(hampshire, "where_it_stands")
    assert "<h2>Where the plan stands</h2>" in sections.intro_html(portsmouth, "where_it_stands")


def test_full_table_has_no_rating_columns_without_a_plan(hampshire, portsmouth):
    table = rag_table_html(sections.summary_for_pages(hampshire), "caption", plan=False)
    for word in ("Target", "Rating", "Why this rating", "Priority ", "Grey (not rated)"):
        assert word not in table, word
    assert "Treatment, recovery and drug-related deaths" in table  # the neutral group name
    assert "Objective" not in table
    full = rag_table_html(sections.summary_for_pages(portsmouth), "caption")
    assert '<th scope="col">Rating</th>' in full and "Priority 2:" in full


def test_board_summary_starts_with_the_plan_sentence(hampshire, portsmouth):
    board = sections.board_summary_html(hampshire)
    assert board.startswith('<div class="cdp-board"><p class="cdp-plan"><strong>No local plan')
    assert "cdp-rag-key" not in board
    mine = sections.board_summary_html(portsmouth)
    assert "Targets: <strong>Substance Misuse Plan for Portsmouth 2023-2026</strong>" in mine


@pytest.mark.parametrize(
    ("region", "words"),
    [
        ("South East", "other councils in the South East"),
        ("London", "other London boroughs"),
        ("Yorkshire and The Humber", "other councils in Yorkshire and The Humber"),
        ("West Midlands", "other councils in the West Midlands"),
    ],
)
def test_comparators_by_default_are_the_regions_councils(region, words):
    assert comparator_label("E10000014", region, None, DATA) == words


def test_similar_areas_only_with_a_similar_areas_lookup(tmp_path):
    data = tmp_path / "data"
    (data / "lookups").mkdir(parents=True)
    shutil.copy(DATA / "lookups" / "areas.csv", data / "lookups" / "areas.csv")
    assert comparator_label("E10000014", "South East", None, data) == (
        "other councils in the South East"
    )
    (data / "lookups" / "comparators.csv").write_text(
        "area_code,comparator_code\nE10000014,E10000011\nE10000014,E10000030\n", encoding="utf-8"
    )
    assert comparator_label("E10000014", "South East", None, data) == "similar areas"
    # an area the lookup does not list keeps its region's words
    assert comparator_label("E06000044", "South East", None, data) == (
        "other councils in the South East"
    )
    chosen = comparator_label("E10000014", "South East", ["E10000011"], data)
    assert chosen == "the comparison areas chosen for this report"


def test_another_areas_plan_without_words_of_its_own_gets_no_catalogue_words(tmp_path):
    """The catalogue's priorities, objectives and plan-measure words are Portsmouth's plan's
    (``plan_area``): a Hampshire plan that gives none of its own gets neutral group names, no
    objectives table and no "plan objective" words, not Portsmouth's."""
    from cdp_analysis.plan.catalogue import load_indicators
    from cdp_analysis.plan.template import plan_template

    cat = load_indicators(DATA / "indicators.yaml")
    assert cat.plan_area == "E06000044"
    lines = plan_template("E10000014", "Hampshire", cat).splitlines()
    start, end = lines.index("    priorities:"), lines.index("    targets:")
    kept = [ln for ln in lines[:start] + lines[end:] if not ln.strip().startswith("objective:")]
    path = tmp_path / "plan.yaml"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    r = load_report("E10000014", "2025-26Q4", targets_file=path)
    assert r.has_plan and not r.plan.priorities and not r.plan.objectives
    assert sections.priority_names(r) == sections.NEUTRAL_PRIORITIES
    shown = sections.summary_for_pages(r)
    assert (shown["objectives"] == "").all()
    intro = sections.measure_intro_html(r, "completions_opiate")
    assert "plan objective" not in intro
    for text in cat.objectives.values():
        assert text not in intro
    # Portsmouth's own plan still gets them
    mine = load_report("E06000044", "2025-26Q4")
    assert sections.priority_names(mine)[1] == cat.priorities[1]
    assert "plan objective 2.2" in sections.measure_intro_html(mine, "completions_opiate")
