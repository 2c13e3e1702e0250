"""Assessment of the plan's measures for one area: latest position, benchmarks, trends,
change since baseline, targets and the RAG summary.

Modules, one per concern, each taking and returning tidy DataFrames:

    measures    the catalogue and a plan's targets as tables
    series      each measure's headline series (12-month totals for single quarters)
    latest      latest value with 95% and 99.8% limits
    benchmarks  England comparison, ranks, comparators, funnel position
    trends      Fingertips recent-trend marker, GLM of the series, projection
    baseline    change since the plan's baseline with a significance test
    targets     target status and its reason in plain words
    rag         the RAG summary table
    display     numbers formatted for readers
    area        :func:`assess_area` and :class:`Assessment`

Methods and decision rules: docs/assessment.md.
"""

from .area import Assessment, NationalContext, assess_area, assess_areas, prepare

__all__ = ["Assessment", "NationalContext", "assess_area", "assess_areas", "prepare"]
