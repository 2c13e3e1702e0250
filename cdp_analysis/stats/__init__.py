"""Official-statistics methods used in Fingertips and PHE/OHID indicator production.

Vectorised over numpy/pandas (no Python loop per row). Every function accepts scalars or
array-likes and gives results in the same form (floats, numpy arrays, or Series with the
input's index); ``confidence`` is 0.95 or 0.998, or a list of both (then a dict keyed by
level, or ``lower_95``/``lower_99_8``... columns for table functions). Missing values give
NaN; impossible values raise :class:`StatsInputError` (a ``ValueError``).

Modules:
    proportions  Wilson score intervals for proportions.
    poisson      Byar's and exact Poisson intervals for counts; crude rates.
    dsr          directly standardised rates with Dobson limits (ESP2013 by default).
    funnels      funnel-plot control limits and outlier labels.
    comparison   Better / Similar / Worse against a benchmark.
    recent_trend the Fingertips five-point recent-trend test.

The methods and their checks against published figures are described in each module;
see PHE, Technical Guide: Confidence intervals (2018) for the overview.
"""

from cdp_analysis.stats._inputs import STANDARD_LEVELS, StatsInputError
from cdp_analysis.stats.comparison import (
    BETTER,
    HIGHER,
    HIGHER_IS_BETTER,
    LOWER,
    LOWER_IS_BETTER,
    NOT_APPLICABLE,
    NOT_COMPARED,
    POLARITIES,
    SIMILAR,
    WORSE,
    compare,
)
from cdp_analysis.stats.dsr import MIN_TOTAL_COUNT, dsr, dsr_grouped
from cdp_analysis.stats.funnels import (
    PHE_LABELS,
    SIGNIFICANCE_LABELS,
    funnel_limits_proportion,
    funnel_limits_rate,
    funnel_limits_ratio,
    funnel_points_rate,
    funnel_significance,
    poisson_funnel_mean,
    proportion_control_limits,
)
from cdp_analysis.stats.poisson import byar_ci, exact_poisson_ci, rate_ci
from cdp_analysis.stats.proportions import wilson_ci
from cdp_analysis.stats.recent_trend import (
    CHI2_THRESHOLD,
    TrendResult,
    recent_trend,
    recent_trend_grouped,
)
from cdp_analysis.stats.standard_populations import ESP2013

__all__ = [
    "BETTER",
    "CHI2_THRESHOLD",
    "ESP2013",
    "HIGHER",
    "HIGHER_IS_BETTER",
    "LOWER",
    "LOWER_IS_BETTER",
    "MIN_TOTAL_COUNT",
    "NOT_APPLICABLE",
    "NOT_COMPARED",
    "PHE_LABELS",
    "POLARITIES",
    "SIGNIFICANCE_LABELS",
    "SIMILAR",
    "STANDARD_LEVELS",
    "WORSE",
    "StatsInputError",
    "TrendResult",
    "byar_ci",
    "compare",
    "dsr",
    "dsr_grouped",
    "exact_poisson_ci",
    "funnel_limits_proportion",
    "funnel_limits_rate",
    "funnel_limits_ratio",
    "funnel_points_rate",
    "funnel_significance",
    "poisson_funnel_mean",
    "proportion_control_limits",
    "rate_ci",
    "recent_trend",
    "recent_trend_grouped",
    "wilson_ci",
]
