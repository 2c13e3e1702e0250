"""The plan as data: data/indicators.yaml and data/targets.yaml, and their loader."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from cdp_analysis.errors import InputError
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.plan.catalogue import (
    Catalogue,
    indicators_table,
    load_indicators,
    load_targets,
    looks_like_indicators_yaml,
    looks_like_targets_yaml,
)
from cdp_analysis.validation import validate_file

DATA = PROJECT_ROOT / "data"
PLAN_TEXT = Path("/work/shared/seeds/001_91fdcf17b705ae97.txt")

# Every item under "Measures" in the plan, typed in from the plan (all three priorities).
PLAN_MEASURES = [
    "Number of county lines closed",
    "Number and amount of drug seizures",
    "Number CPI drug reports",
    "Number of CAWN notices and subsequent enforcement activity",
    "Reported drug related anti-social behaviour in the residents' community safety survey",
    "Rate of drug related deaths",
    "Numbers in treatment by substance",
    "Successful completion of treatment by substance",
    "Percentage of the treatment population which access residential rehabilitation",
    "Number of offenders engaged in police cells",
    "Percentage of prisoners leaving prison who engage in community treatment",
    "Number of drug rehabilitation requirements (DRR) and Alcohol Treatment Requirements (ATR)",
    "Number of Individual Placement and Support (IPS) service users finding paid employment",
    "Number of young people accessing treatment",
    "Increased referrals from education, youth offending agencies and self-referrals",
    "Successful completions for treatment",
    "Number of young people receiving drug education and awareness sessions",
    "Number of staff receiving substance misuse awareness training and training to support "
    "screening and referral.",
    "Number of young people being criminally exploited",
]

# Compound measures split into separate measures: how many each must become.
SPLITS = {
    "Number and amount of drug seizures": 2,
    "Number of CAWN notices and subsequent enforcement activity": 2,
    "Rate of drug related deaths": 2,
    "Numbers in treatment by substance": 4,
    "Successful completion of treatment by substance": 4,
    "Number of drug rehabilitation requirements (DRR) and Alcohol Treatment Requirements (ATR)": 2,
    "Increased referrals from education, youth offending agencies and self-referrals": 3,
    "Number of staff receiving substance misuse awareness training and training to support "
    "screening and referral.": 2,
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_indicators(DATA / "indicators.yaml")


@pytest.fixture(scope="module")
def plan(catalogue):
    plans = load_targets(DATA / "targets.yaml", catalogue)
    return next(p for p in plans if p.id == "portsmouth-2023-26")


# ------------------------------------------------------------------------------------------
# The bundled catalogue covers the plan
# ------------------------------------------------------------------------------------------


def test_every_plan_measure_is_in_the_catalogue(catalogue):
    used = [m.plan_measure for m in catalogue]
    for phrase in PLAN_MEASURES:
        assert phrase in used, f"plan measure missing from indicators.yaml: {phrase}"
    # and nothing in the catalogue claims words the plan does not use
    assert set(used) <= set(PLAN_MEASURES)


def test_compound_measures_are_split(catalogue):
    used = [m.plan_measure for m in catalogue]
    for phrase, n in SPLITS.items():
        assert used.count(phrase) == n, phrase
    assert len(catalogue) == len(PLAN_MEASURES) + sum(n - 1 for n in SPLITS.values()) == 32


def test_every_priority_has_measures(catalogue):
    assert set(catalogue.priorities) == {1, 2, 3}
    for p in (1, 2, 3):
        assert [m for m in catalogue if m.priority == p], f"priority {p} has no measures"
    assert catalogue.priorities[3] == (
        "Reduce the misuse and harm caused to young people by drugs & alcohol"
    )


def test_objectives_are_the_plans(catalogue):
    assert len(catalogue.objectives) == 6 + 12 + 6
    assert catalogue.objectives["2.10"] == (
        "Increase volunteering and employment opportunities for people in recovery"
    )
    assert catalogue.objectives["2.2"] == (
        "Increase the percentage of people successfully completing drug and alcohol treatment"
    )


def test_substance_breakdowns(catalogue):
    treat = {m.category for m in catalogue if m.source_id == "episodes_adults_in_treatment"}
    assert treat == {
        "Substance: opiate",
        "Substance: non-opiate only",
        "Substance: non-opiate and alcohol",
        "Substance: alcohol only",
    }
    refs = {m.category for m in catalogue if m.source_id == "episodes_yp_in_treatment"}
    assert refs == {
        "",
        "Referral source: Education",
        "Referral source: Youth offending",
        "Referral source: Self",
    }


def test_real_fingertips_and_ons_ids(catalogue):
    assert catalogue.get("completions_opiate").source_id == "90244"
    assert catalogue.get("completions_non_opiate").source_id == "90245"
    assert catalogue.get("completions_alcohol").source_id == "92447"
    deaths = catalogue.get("deaths_drug_misuse")
    assert (deaths.source, deaths.source_id, deaths.fingertips_id) == (
        "ons",
        "ons_drug_misuse",
        "92432",
    )
    assert catalogue.get("deaths_drug_poisoning").source_id == "ons_drug_poisoning"
    for m in catalogue.by_source("fingertips"):
        assert (m.unit, m.method, m.frequency) == ("percent", "wilson", "quarterly")


def test_indicators_table(catalogue):
    df = indicators_table(catalogue)
    assert len(df) == 32
    assert df["measure_id"].is_unique
    row = df.set_index("measure_id").loc["ips_paid_employment"]
    assert row["objectives"] == "2.10"
    assert row["priority_name"].startswith("Improve the quality, capacity")


def test_every_measure_has_exactly_one_target(catalogue, plan):
    measures = [t.measure for t in plan.targets]
    assert sorted(measures) == sorted(catalogue.ids)
    assert len(measures) == len(set(measures))
    assert (plan.area_code, plan.start, plan.end, plan.baseline_period) == (
        "E06000044",
        date(2023, 4, 1),
        date(2026, 3, 31),
        "2022/23",
    )


def test_the_plans_one_number(plan):
    t = plan.target_for("yp_in_treatment")
    assert (t.type, t.multiple, t.comparison, t.objective) == (
        "multiple_of_baseline",
        2.0,
        "more_than",
        "3.2",
    )
    assert "supporting more than double the number of young people than currently" in t.reason


def test_direction_targets(plan):
    assert plan.target_for("completions_alcohol").direction == "increase"
    assert plan.target_for("deaths_drug_misuse").direction == "decrease"
    assert plan.target_for("asb_survey_drug_related").direction == "decrease"
    assert plan.target_for("yp_criminally_exploited").direction == "decrease"
    assert plan.target_for("county_lines_closed").type == "none"


def _normalise(text: str) -> str:
    return " ".join(text.replace("**", "").split())


@pytest.mark.skipif(not PLAN_TEXT.is_file(), reason="the plan text (/work/shared) is not here")
def test_plan_words_are_verbatim(catalogue, plan):
    text = _normalise(PLAN_TEXT.read_text(encoding="utf-8"))
    for m in catalogue:
        assert _normalise(m.plan_measure) in text, m.id
    for number, words in catalogue.objectives.items():
        assert _normalise(f"{number} {words}") in text, number
    for t in plan.targets:
        assert _normalise(t.reason) in text, t.measure


def test_detection_by_content(tmp_path):
    assert looks_like_indicators_yaml(DATA / "indicators.yaml")
    assert not looks_like_targets_yaml(DATA / "indicators.yaml")
    assert looks_like_targets_yaml(DATA / "targets.yaml")
    assert not looks_like_indicators_yaml(DATA / "targets.yaml")
    junk = tmp_path / "x.yaml"
    junk.write_text("a: [unclosed\n")
    assert not looks_like_indicators_yaml(junk)
    assert not looks_like_targets_yaml(tmp_path / "missing.yaml")


# ------------------------------------------------------------------------------------------
# Broken files give InputError naming the file, line and key
# ------------------------------------------------------------------------------------------

SMALL_INDICATORS = """\
priorities:
  1: "Priority one"
objectives:
  "1.1": "Objective one"
  "1.2": "Objective two"
measures:
  - id: first_measure
    name: First measure
    short_name: First
    priority: 1
    objectives: ["1.1"]
    plan_measure: "Number of things"
    unit: count
    polarity: higher_is_better
    method: byar
    source: local
    source_id: first_measure
    frequency: single_quarter
    definition: A count of things.
  - id: second_measure
    name: Second measure
    short_name: Second
    priority: 1
    objectives: ["1.2"]
    plan_measure: "Percent of things"
    unit: percent
    polarity: higher_is_better
    method: wilson
    source: fingertips
    source_id: "90244"
    frequency: quarterly
    definition: A percentage.
"""

SMALL_TARGETS = """\
plans:
  - id: test-plan
    name: Test plan
    area_code: E06000044
    start: 2023-04-01
    end: 2026-03-31
    baseline_period: "2022/23"
    targets:
      - measure: first_measure
        type: multiple_of_baseline
        multiple: 2
        comparison: more_than
        reason: "double it"
      - measure: second_measure
        type: direction
        direction: increase
        reason: "Increase it"
"""


def _write(tmp_path: Path, indicators: str = SMALL_INDICATORS, targets: str = SMALL_TARGETS):
    (tmp_path / "indicators.yaml").write_text(indicators, encoding="utf-8")
    (tmp_path / "targets.yaml").write_text(targets, encoding="utf-8")
    return tmp_path / "indicators.yaml", tmp_path / "targets.yaml"


def _error(fn, *args) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args)
    return info.value


def test_small_files_load(tmp_path):
    ind, tgt = _write(tmp_path)
    cat = load_indicators(ind)
    assert cat.ids == ["first_measure", "second_measure"]
    plans = load_targets(tgt)  # finds indicators.yaml beside it
    assert plans[0].target_for("first_measure").multiple == 2
    assert plans[0].target_for("first_measure").line == 9


def test_malformed_yaml_names_the_line(tmp_path):
    bad = SMALL_INDICATORS.replace("    name: Second measure", "    name: [Second measure")
    ind, _ = _write(tmp_path, bad)
    err = _error(load_indicators, ind)
    assert str(ind) in str(err)
    assert "malformed" in str(err)
    assert err.problems[0].rows and 21 <= err.problems[0].rows[0] <= 23


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty (0 bytes)"),
        ("   \n\n", "the file is empty: its 5 bytes are blank space"),
        ("# only a comment\n", "the file holds only comments"),
    ],
)
def test_empty_file(tmp_path, text, message):
    ind, _ = _write(tmp_path, text)
    err = _error(load_indicators, ind)
    assert [p.message for p in err.problems] == [message]
    if text.isspace() or not text:
        assert "Fix: restore data/indicators.yaml from the project" in str(err)


def test_file_not_utf8_names_the_line_and_character(tmp_path):
    ind = tmp_path / "indicators.yaml"
    latin1 = SMALL_INDICATORS.replace("name: Second measure", "name: Défense measure")
    ind.write_bytes(latin1.encode("latin-1"))
    err = _error(load_indicators, ind)
    (p,) = err.problems
    assert p.rows == [21]  # '    name: Défense measure': 4 spaces, 'name: D', then 'é' (12th)
    assert p.message.startswith("the file is not UTF-8 text: byte 0xE9 (character 12 of the line)")
    assert "Fix: re-save the file as UTF-8" in str(err)
    ind.write_bytes(SMALL_INDICATORS.encode("utf-16"))
    (p,) = _error(load_indicators, ind).problems
    assert p.message == "the file is UTF-16 text, not UTF-8"


@pytest.mark.parametrize("empty", ["    targets:\n", "    targets: []\n"])
def test_plan_with_no_targets(tmp_path, empty):
    text = SMALL_TARGETS[: SMALL_TARGETS.index("    targets:")] + empty
    _, tgt = _write(tmp_path, targets=text)
    err = _error(load_targets, tgt)
    (p,) = err.problems
    assert p.rows == [8] and p.column == "targets"
    assert p.message.startswith("plan 'test-plan' has no targets: every measure needs one")
    assert "see the header of targets.yaml" in p.message


def test_missing_file(tmp_path):
    err = _error(load_indicators, tmp_path / "nope.yaml")
    assert "does not exist" in str(err)


def test_unknown_key(tmp_path):
    bad = SMALL_INDICATORS.replace(
        "    short_name: Second\n", "    short_name: Second\n    colour: red\n"
    )
    ind, _ = _write(tmp_path, bad)
    err = _error(load_indicators, ind)
    (p,) = err.problems
    assert "unknown key 'colour'" in p.message and p.rows == [23] and p.column == "colour"


def test_missing_key(tmp_path):
    bad = SMALL_INDICATORS.replace(
        "    polarity: higher_is_better\n    method: wilson\n", "    method: wilson\n"
    )
    ind, _ = _write(tmp_path, bad)
    err = _error(load_indicators, ind)
    (p,) = err.problems
    assert "missing key 'polarity'" in p.message and p.rows == [20]


def test_bad_enum_values(tmp_path):
    bad = SMALL_INDICATORS.replace("unit: percent", "unit: percentage").replace(
        "frequency: single_quarter", "frequency: monthly"
    )
    ind, _ = _write(tmp_path, bad)
    err = _error(load_indicators, ind)
    by_col = {p.column: p for p in err.problems}
    assert by_col["unit"].rows == [26] and "percent" in by_col["unit"].expected
    assert by_col["frequency"].rows == [18] and "single_quarter" in by_col["frequency"].expected


def test_method_must_suit_unit(tmp_path):
    ind, _ = _write(tmp_path, SMALL_INDICATORS.replace("method: wilson", "method: byar"))
    err = _error(load_indicators, ind)
    assert err.problems[0].rows == [28] and err.problems[0].expected == "wilson"


def test_duplicate_id(tmp_path):
    ind, _ = _write(tmp_path, SMALL_INDICATORS.replace("id: second_measure", "id: first_measure"))
    err = _error(load_indicators, ind)
    msgs = " ".join(p.message for p in err.problems)
    assert "used twice (first at line 7)" in msgs
    assert any(p.rows == [20] for p in err.problems)


def test_duplicate_yaml_key(tmp_path):
    bad = SMALL_INDICATORS.replace("    unit: count\n", "    unit: count\n    unit: kg\n")
    ind, _ = _write(tmp_path, bad)
    err = _error(load_indicators, ind)
    assert any("given twice" in p.message and p.rows == [14] for p in err.problems)


def test_objective_not_in_map(tmp_path):
    ind, _ = _write(
        tmp_path, SMALL_INDICATORS.replace('objectives: ["1.2"]', 'objectives: ["1.9"]')
    )
    err = _error(load_indicators, ind)
    (p,) = err.problems
    assert "objective '1.9' is not in 'objectives'" in p.message and p.rows == [24]


def test_unquoted_objective_number(tmp_path):
    ind, _ = _write(tmp_path, SMALL_INDICATORS.replace('  "1.2": "Objective two"', "  1.20: x"))
    err = _error(load_indicators, ind)
    assert any("not quoted" in p.message and p.rows == [5] for p in err.problems)


def test_fingertips_id_must_be_a_number(tmp_path):
    ind, _ = _write(tmp_path, SMALL_INDICATORS.replace('source_id: "90244"', "source_id: opiates"))
    err = _error(load_indicators, ind)
    assert err.problems[0].column == "source_id" and err.problems[0].rows == [30]


def test_target_for_unknown_measure(tmp_path):
    _, tgt = _write(
        tmp_path, targets=SMALL_TARGETS.replace("measure: second_measure", "measure: third")
    )
    err = _error(load_targets, tgt)
    msgs = [p.message for p in err.problems]
    assert any("no measure 'third'" in m for m in msgs)
    assert any("no target for measure second_measure" in m for m in msgs)
    assert str(tgt) in str(err)


def test_multiple_without_multiple(tmp_path):
    _, tgt = _write(tmp_path, targets=SMALL_TARGETS.replace("        multiple: 2\n", ""))
    err = _error(load_targets, tgt)
    (p,) = err.problems
    assert "missing key 'multiple'" in p.message and "multiple_of_baseline" in p.message
    assert p.rows == [9]


def test_key_of_another_type(tmp_path):
    bad = SMALL_TARGETS.replace("direction: increase", "direction: increase\n        multiple: 3")
    _, tgt = _write(tmp_path, targets=bad)
    err = _error(load_targets, tgt)
    (p,) = err.problems
    assert "does not apply to type 'direction'" in p.message and p.rows == [17]


def test_direction_against_polarity(tmp_path):
    _, tgt = _write(
        tmp_path, targets=SMALL_TARGETS.replace("direction: increase", "direction: decrease")
    )
    err = _error(load_targets, tgt)
    assert "contradicts" in err.problems[0].message and err.problems[0].rows == [16]


def test_bad_plan_fields(tmp_path):
    bad = (
        SMALL_TARGETS.replace("E06000044", "E06999999")
        .replace("end: 2026-03-31", "end: 2022-03-31")
        .replace('"2022/23"', '"2022/24"')
        .replace("type: direction", "type: trend")
    )
    _, tgt = _write(tmp_path, targets=bad)
    err = _error(load_targets, tgt)
    cols = {p.column: p.rows for p in err.problems}
    assert cols["area_code"] == [4]
    assert cols["end"] == [6]
    assert cols["baseline_period"] == [7]
    assert cols["type"] == [15]


def test_percentage_target_out_of_range(tmp_path):
    bad = SMALL_TARGETS.replace(
        "        type: direction\n        direction: increase\n",
        "        type: value\n        value: 140\n        comparison: at_least\n",
    )
    _, tgt = _write(tmp_path, targets=bad)
    err = _error(load_targets, tgt)
    assert "not a percentage" in err.problems[0].message and err.problems[0].rows == [16]


def test_all_problems_reported_together(tmp_path):
    bad = SMALL_INDICATORS.replace("unit: count", "unit: dozens").replace(
        'priority: 1\n    objectives: ["1.2"]', 'priority: 7\n    objectives: ["1.2"]'
    )
    ind, _ = _write(tmp_path, bad)
    err = _error(load_indicators, ind)
    assert len(err.problems) == 2
    assert re.search(r"2 problems found", str(err))


def test_direction_target_refuses_a_typed_baseline(tmp_path):
    """A direction target is tested against the data's baseline period; a typed-in
    baseline_value would give a verdict against one number and a reason naming another."""
    import re

    from cdp_analysis.errors import InputError
    from cdp_analysis.paths import default_data_dir
    from cdp_analysis.plan.catalogue import load_indicators, load_targets

    data = default_data_dir()
    text = (data / "targets.yaml").read_text(encoding="utf-8")
    m = re.search(r"\n(\s+)type: direction\n", text)
    assert m
    bad = text[: m.end()] + f"{m.group(1)}baseline_value: 12\n" + text[m.end() :]
    path = tmp_path / "targets.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match="baseline_value cannot be set for a direction target"):
        load_targets(path, load_indicators(data / "indicators.yaml"))


def test_catalogue_cut_between_two_measures_gives_a_clear_error(tmp_path):
    """A copy of indicators.yaml cut off cleanly between two measures is still valid YAML
    with fewer measures; the plan's targets then name measures it lacks, and the error says
    the catalogue may be cut off, how many measures it has and which is the last."""
    text = (DATA / "indicators.yaml").read_text(encoding="utf-8")
    text = text.replace("\nmeasure_count: 32\n", "\n")  # a catalogue without the optional count
    (tmp_path / "indicators.yaml").write_text(
        text[: text.index("  - id: cawn_notices")], encoding="utf-8"
    )
    cut = load_indicators(tmp_path / "indicators.yaml")
    assert cut.measures[-1].id == "cpi_drug_reports"
    err = _error(load_targets, DATA / "targets.yaml", cut)
    message = str(err)
    assert "no measure 'cawn_notices' in indicators.yaml" in message
    assert (
        f"indicators.yaml has {len(cut.measures)} measures, the last 'cpi_drug_reports': if "
        "that file was cut off (a broken download or copy), restore the complete file"
    ) in message


def _cut(folder: Path, keep_count: bool = True, targets: bool = False) -> Path:
    """The bundled indicators.yaml cut off cleanly before the measure cawn_notices (valid
    YAML, 4 measures), with or without its measure_count, alone or beside targets.yaml."""
    text = (DATA / "indicators.yaml").read_text(encoding="utf-8")
    if not keep_count:
        text = text.replace("\nmeasure_count: 32\n", "\n")
    path = folder / "indicators.yaml"
    path.write_text(text[: text.index("  - id: cawn_notices")], encoding="utf-8")
    if targets:
        shutil.copyfile(DATA / "targets.yaml", folder / "targets.yaml")
    return path


def test_bundled_catalogue_states_its_measure_count():
    cat = load_indicators(DATA / "indicators.yaml")
    assert "\nmeasure_count: 32\n" in (DATA / "indicators.yaml").read_text(encoding="utf-8")
    assert len(cat.measures) == 32


def test_catalogue_cut_off_alone_is_refused_by_its_measure_count(tmp_path):
    """Issue 13: `validate indicators.yaml` on a copy cut off between two measures, with no
    plan file beside it, said ok; the count stated at the top now tells."""
    path = _cut(tmp_path)
    message = str(_error(load_indicators, path))
    assert (
        "measure_count says 32 measures but the file has 4, the last 'cpi_drug_reports': if "
        "the file was cut off (a broken download or copy), restore the complete file"
    ) in message
    result = validate_file(path, tmp_path)
    assert not result.ok and "measure_count says 32" in result.message


def test_catalogue_cut_off_without_a_count_is_noted_from_the_targets_beside_it(tmp_path):
    """Without measure_count the cut file is still valid on its own, so validate adds a note
    when the plan file beside it names measures it lacks (a note, not a refusal: a misspelt
    measure in targets.yaml is that file's error)."""
    path = _cut(tmp_path, keep_count=False, targets=True)
    assert len(load_indicators(path).measures) == 4  # still parses
    result = validate_file(path, tmp_path)
    assert result.ok
    (note,) = result.notes
    assert note.startswith(
        "28 measure(s) named by the targets in targets.yaml beside it are not in this file "
        "('cawn_notices', 'cawn_enforcement'"
    )
    assert "it has 4 measures, the last 'cpi_drug_reports'. If this file was cut off" in note
    assert not validate_file(tmp_path / "targets.yaml", tmp_path).ok  # the targets say so too
    shutil.copyfile(DATA / "indicators.yaml", path)  # the complete file: no note
    assert validate_file(path, tmp_path).notes == ()


@pytest.mark.parametrize("value", ["thirty-two", "0", "true", "31.5"])
def test_measure_count_must_be_a_whole_number(tmp_path, value):
    text = (DATA / "indicators.yaml").read_text(encoding="utf-8")
    path = tmp_path / "indicators.yaml"
    path.write_text(text.replace("\nmeasure_count: 32\n", f"\nmeasure_count: {value}\n"))
    assert "measure_count must be a whole number" in str(_error(load_indicators, path))
