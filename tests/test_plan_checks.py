"""``validate`` names each objective of a plan that no measure evidences."""

from __future__ import annotations

from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.plan.model import NEUTRAL_PRIORITIES
from cdp_analysis.validation import validate_file

DATA = PROJECT_ROOT / "data"


def test_validate_names_objectives_with_no_measure():
    r = validate_file(DATA / "targets.yaml", DATA)
    assert r.ok
    named = [n.split("objective ")[1].split(" ")[0] for n in r.notes]
    # objectives of Portsmouth's plan that no measure of indicators.yaml lists (checked by
    # hand against the "objectives:" lists of data/indicators.yaml)
    assert named == ["1.2", "2.4", "2.5", "2.8", "2.9", "2.11", "2.12", "3.6"]
    assert all(n.startswith("plan 'portsmouth-2023-26': objective ") for n in r.notes)
    assert "cuckooing" in r.notes[0]


def test_validate_prints_the_notes(capsys):
    from cdp_analysis.cli import main

    assert main(["validate", str(DATA / "targets.yaml")]) == 0
    out = capsys.readouterr().out
    assert "note: plan 'portsmouth-2023-26': objective 2.12 has no measure" in out
    assert "1 of 1 files valid." in out


def test_other_files_have_no_notes():
    r = validate_file(DATA / "indicators.yaml", DATA)
    assert r.ok and r.notes == ()


def test_plan_new_writes_a_plan_that_loads_back(tmp_path, capsys):
    from cdp_analysis.cli import main
    from cdp_analysis.plan.catalogue import load_indicators, load_targets

    out = tmp_path / "hampshire.yaml"
    assert main(["plan", "new", "--area", "E10000014", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Plan for Hampshire (E10000014)")
    cat = load_indicators(DATA / "indicators.yaml")
    (plan,) = load_targets(out, cat)
    assert plan.area_code == "E10000014" and plan.id == "hampshire-plan"
    assert [t.measure for t in plan.targets] == cat.ids
    assert {t.type for t in plan.targets} == {"none"}
    # numbered as the catalogue, but none of its words (another partnership's plan) is the
    # new plan's: neutral priority names and placeholder objectives (issue 14)
    assert list(plan.objectives) == list(cat.objectives)
    assert plan.priorities == NEUTRAL_PRIORITIES
    assert not set(plan.objectives.values()) & set(cat.objectives.values())
    assert not set(plan.priorities.values()) & set(cat.priorities.values())
    assert plan.objectives["1.1"] == "Objective 1.1 (replace with the plan's words)"
    assert "Portsmouth" not in text
    # validate notes every placeholder left
    notes = validate_file(out, DATA).notes
    assert "plan 'hampshire-plan': the name still has the template's placeholder words" in notes[0]
    assert sum("objective 2.3 still has the template's placeholder words" in n for n in notes) == 1
    # never overwritten
    assert main(["plan", "new", "--area", "E10000014", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_plan_new_unknown_area(tmp_path, capsys):
    from cdp_analysis.cli import main

    assert main(["plan", "new", "--area", "E99999999", "--out", str(tmp_path / "x.yaml")]) == 2
    assert "Unknown area code 'E99999999'" in capsys.readouterr().err


def test_run_takes_plan_as_targets():
    from cdp_analysis.cli import _parser

    args = _parser().parse_args(["run", "--area", "E10000014", "--plan", "p.yaml"])
    assert str(args.targets) == "p.yaml"
