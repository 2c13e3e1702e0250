"""The plan as data, in one import: ``data/indicators.yaml`` (the measures) and
``data/targets.yaml`` (plans).

The code lives in four modules; this one gathers their public names, because most of the
package (and the tests) reads the plan files through it:

- :mod:`cdp_analysis.plan.model`: the data classes (:class:`Measure`, :class:`Catalogue`,
  :class:`Target`, :class:`Plan`) and the allowed keys and values of both files
- :mod:`cdp_analysis.plan.yaml_lines`: line-numbered safe YAML reading, problem collection,
  and detection of the files by content
- :mod:`cdp_analysis.plan.measures_file`: :func:`load_indicators` -> :class:`Catalogue`,
  :func:`indicators_table`
- :mod:`cdp_analysis.plan.targets_file`: :func:`load_targets` -> list of :class:`Plan`

Both files are validated in full before anything is returned: every problem found is reported
together in one :class:`~cdp_analysis.errors.InputError` naming the file, the YAML line, the key
and what was expected. The files' own header comments document their schema.
"""

from __future__ import annotations

from .measures_file import indicators_table, load_indicators
from .model import (
    ALSO_FROM_KEYS,
    COMPARISONS,
    DIRECTIONS,
    FREQUENCIES,
    INDICATORS_FILE,
    MEASURE_OPTIONAL,
    MEASURE_REQUIRED,
    METHODS,
    METHODS_FOR_UNIT,
    PLAN_OPTIONAL,
    PLAN_REQUIRED,
    POLARITIES,
    SOURCES,
    TARGET_COMMON,
    TARGET_OPTIONAL,
    TARGET_TYPE_KEYS,
    TARGET_TYPES,
    TARGETS_FILE,
    TWELVE_MONTH_RULES,
    UNITS,
    Catalogue,
    Measure,
    Plan,
    Target,
)
from .targets_file import load_targets
from .yaml_lines import looks_like_indicators_yaml, looks_like_targets_yaml

__all__ = [
    "ALSO_FROM_KEYS",
    "COMPARISONS",
    "DIRECTIONS",
    "FREQUENCIES",
    "INDICATORS_FILE",
    "MEASURE_OPTIONAL",
    "MEASURE_REQUIRED",
    "METHODS",
    "METHODS_FOR_UNIT",
    "PLAN_OPTIONAL",
    "PLAN_REQUIRED",
    "POLARITIES",
    "SOURCES",
    "TARGET_COMMON",
    "TARGET_OPTIONAL",
    "TARGET_TYPE_KEYS",
    "TARGET_TYPES",
    "TARGETS_FILE",
    "TWELVE_MONTH_RULES",
    "UNITS",
    "Catalogue",
    "Measure",
    "Plan",
    "Target",
    "indicators_table",
    "load_indicators",
    "load_targets",
    "looks_like_indicators_yaml",
    "looks_like_targets_yaml",
]
