"""Which measures go where: the plan wording that defines each page's groups (:func:`group`),
which measures have figures for the area, and the link to a measure's heading on its page.
"""

from __future__ import annotations

from collections.abc import Sequence

from .report_data import Report


def with_data(report: Report, measure_ids: Sequence[str]) -> list[str]:
    """The measures of ``measure_ids`` that have figures for the area."""
    return [m for m in measure_ids if report.has_data(m)]


def waiting_for_data(report: Report, measure_ids: Sequence[str] | None = None) -> list[str]:
    """The measures of ``measure_ids`` (default: all) with no figures for the area."""
    ids = list(measure_ids) if measure_ids is not None else report.catalogue.ids
    return [m for m in ids if not report.has_data(m)]


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
