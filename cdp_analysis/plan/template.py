"""A plan file to fill in, written from the catalogue (``cdp-analysis plan new``).

:func:`plan_template` gives the text of a commented plans file for one area in the form of
``data/targets.yaml``: the area, placeholder dates and baseline year, neutral priority names
and placeholder objectives (to be replaced by the plan's own words; the catalogue's, another
partnership's, are in comments for reference only), and one target per measure of the
catalogue, each of type ``none`` with a comment naming the measure, its unit and direction and
the other target types it could take. The file loads back with
:func:`~cdp_analysis.plan.targets_file.load_targets` as it is written.
"""

from __future__ import annotations

import json
import re

from .model import NEUTRAL_PRIORITIES, Catalogue, Measure, Plan

#: The words a new plan file's title and objectives carry until they are replaced; a plan that
#: still has them gets a note from ``validate`` (:func:`template_words_left`).
PLACEHOLDER = "replace with the plan's words"

_DIRECTION = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "not_applicable": "no better direction",
}


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(" ".join(str(text).split()), ensure_ascii=False)


def plan_id_for(area_name: str) -> str:
    """A plan id from an area name: ``Hampshire`` -> ``hampshire-plan``."""
    slug = re.sub(r"[^a-z0-9]+", "-", area_name.lower()).strip("-") or "area"
    return f"{slug}-plan"


def plan_template(area_code: str, area_name: str, catalogue: Catalogue) -> str:
    """The text of a plans file with one plan for ``area_code`` (see the module docstring)."""
    lines = [
        f"# Plan for {area_name} ({area_code}), written by 'cdp-analysis plan new'.",
        "#",
        "# Fill it in from the partnership's plan, then check it and use it:",
        "#   cdp-analysis validate THIS_FILE",
        f"#   cdp-analysis run --area {area_code} --plan THIS_FILE",
        f"# (or save it as DATA/plans/{area_code}.yaml to be used for the area by default).",
        "#",
        "# Replace name, start, end and baseline_period with the plan's own. The priorities are",
        "# neutral names of the catalogue's three groups of measures and the objectives are",
        "# placeholders, numbered as the catalogue's (data/indicators.yaml), whose words are in",
        "# the comment above each, for reference only: they are another partnership's plan. Give",
        "# each the plan's own words, keep the quoted numbers that the targets' 'objective' refer",
        "# to, and delete any the plan does not have (then delete 'objective' from targets",
        "# naming them). 'cdp-analysis validate' notes any placeholder left.",
        "#",
        "# Every measure needs one target. Each is 'type: none' (monitored, no target) until you",
        "# set it. Other types:",
        "#   type: value, value: 50, comparison: at_least   (more_than, at_least, less_than, at_most)",
        "#   type: multiple_of_baseline, multiple: 2, comparison: at_least",
        "#   type: direction, direction: increase            (or decrease; tested for significance)",
        "# 'reason' is the plan's words for the target; 'note' and 'baseline_value' are optional.",
        "# The header of data/targets.yaml describes every key.",
        "plans:",
        f"  - id: {plan_id_for(area_name)}",
        f"    name: {_q(f'{area_name} drugs plan ({PLACEHOLDER})')}",
        f"    area_code: {area_code}",
        "    start: 2025-04-01",
        "    end: 2028-03-31",
        '    baseline_period: "2024/25"',
        "    priorities:",
    ]
    lines += [
        f"      {k}: {_q(NEUTRAL_PRIORITIES.get(k, f'Priority {k}'))}" for k in catalogue.priorities
    ]
    lines.append("    objectives:")
    for k, v in catalogue.objectives.items():
        lines.append(f"      # catalogue's words: {' '.join(str(v).split())}")
        lines.append(f"      {_q(k)}: {_q(f'Objective {k} ({PLACEHOLDER})')}")
    lines.append("    targets:")
    for m in catalogue.measures:
        lines += _target_lines(m)
    return "\n".join(lines) + "\n"


def _target_lines(m: Measure) -> list[str]:
    """One measure's target entry, commented, of type ``none``."""
    unit = {"percent": "a percentage", "per_100k": "a rate per 100,000", "kg": "kilograms"}
    lines = [
        "",
        f"      # {m.name} ({unit.get(m.unit, 'a count')}, {_DIRECTION[m.polarity]}; "
        f"objectives {', '.join(m.objectives)})",
        f"      - measure: {m.id}",
        "        type: none",
        f"        reason: {_q('No target set yet: monitored')}",
    ]
    if m.objectives:
        lines.append(f"        objective: {_q(m.objectives[0])}")
    return lines


def template_words_left(plan: Plan) -> list[str]:
    """What in a plan still carries a new plan file's placeholder words: ``"name"`` and
    ``"objective 1.1"``..., in file order (empty for a plan filled in)."""
    left = ["name"] if PLACEHOLDER in plan.name else []
    return left + [f"objective {k}" for k, v in plan.objectives.items() if PLACEHOLDER in v]
