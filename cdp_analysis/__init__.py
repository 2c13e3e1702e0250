"""cdp-analysis: quarterly reports for a Combating Drugs Partnership in England.

The flow is one way: sources -> loaders (validated) -> one tidy indicator table ->
assessments (statistics, targets) -> figures and tables -> notebooks -> HTML pack.

The analysts' functions of :mod:`cdp_analysis.api` (``load_table``, ``series``,
``assess``, ``trend_chart``, ``funnel_chart``, the ``stats`` functions...) are top-level
names too, loaded on first use, so ``import cdp_analysis`` itself stays light (no pandas).
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cdp-analysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

#: Names re-exported from cdp_analysis.api (kept equal to api.__all__ by tests/test_api.py).
API_NAMES = (
    "assess",
    "byar_ci",
    "compare",
    "compare_areas",
    "dsr",
    "dsr_grouped",
    "exact_poisson_ci",
    "funnel_chart",
    "funnel_limits_proportion",
    "funnel_limits_rate",
    "funnel_limits_ratio",
    "funnel_significance",
    "list_areas",
    "list_measures",
    "load_table",
    "rate_ci",
    "recent_trend",
    "series",
    "trend_chart",
    "wilson_ci",
)

__all__ = ["__version__", *API_NAMES]


def __getattr__(name: str):
    # PEP 562 lazy attribute. import_module (not an import statement) because the API sits
    # at the top layer and imports modules that read __version__ from here: by the time
    # this runs the package is fully initialised, so there is no real import cycle.
    if name in API_NAMES:
        return getattr(import_module("cdp_analysis.api"), name)
    raise AttributeError(f"module 'cdp_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *API_NAMES})
