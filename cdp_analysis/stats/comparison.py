"""Comparing an area's value with a benchmark (England, a region, or a target).

Fingertips rule: an area is significantly different from the benchmark when the benchmark
lies outside the area's confidence interval (limits included count as inside). For an
indicator with a polarity the result reads Better / Similar / Worse; without one it reads
Higher / Similar / Lower. Where a limit or the benchmark is missing the result is
"Not compared".

Reference:
    Office for Health Improvement and Disparities. Fingertips: comparisons with a
    benchmark ("Compared with benchmark"), Public Health Technical Guidance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cdp_analysis.stats._inputs import (
    Shape,
    StatsInputError,
    as_float,
    broadcast,
    combine,
    reject,
)

BETTER, SIMILAR, WORSE = "Better", "Similar", "Worse"
HIGHER, LOWER = "Higher", "Lower"
NOT_COMPARED = "Not compared"

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
NOT_APPLICABLE = "not_applicable"
#: Accepted polarities.
POLARITIES = (HIGHER_IS_BETTER, LOWER_IS_BETTER, NOT_APPLICABLE)


def _polarity_array(polarity: Any, size_like: np.ndarray, func: str) -> np.ndarray:
    pol = np.asarray(
        polarity.to_numpy() if isinstance(polarity, pd.Series) else polarity, dtype=object
    )
    known = np.isin(pol, POLARITIES)
    if not known.all():
        bad = sorted({str(p) for p in np.atleast_1d(pol)[~np.atleast_1d(known)]})[:5]
        raise StatsInputError(
            None,
            f"polarity not recognised: {', '.join(bad)}",
            kind=f"{func} input",
            fix=f"use one of {', '.join(POLARITIES)}",
        )
    return np.broadcast_to(pol, size_like.shape) if pol.ndim == 0 else pol


def compare(lower: Any, upper: Any, benchmark: Any, polarity: Any = NOT_APPLICABLE) -> Any:
    """Compare each area's confidence interval with a benchmark value.

    Args:
        lower, upper: the area's confidence limits (scalars or array-likes).
        benchmark: the benchmark value (e.g. England's value, or a target), same units.
        polarity: ``"higher_is_better"``, ``"lower_is_better"`` or ``"not_applicable"``;
            one value for all, or one per row.

    Returns:
        A label per area: "Better"/"Similar"/"Worse" with a polarity, "Higher"/"Similar"/
        "Lower" without, "Not compared" where a limit or the benchmark is missing. A string
        for scalar input, a Series (same index) for Series input, else an object array.

    A lower limit above the upper limit raises :class:`~cdp_analysis.stats.StatsInputError`.

    Example:
        >>> compare(30.4976, 46.6193, 34.3774, "higher_is_better")
        'Similar'
    """
    func = "compare"
    lo, s1 = as_float(lower, "lower", func)
    up, s2 = as_float(upper, "upper", func)
    bench, s3 = as_float(benchmark, "benchmark", func)
    shapes = [s1, s2, s3]
    if isinstance(polarity, pd.Series):
        shapes.append(Shape("series", polarity.index))
    shape = combine(shapes, func)
    lo, up, bench = broadcast(func, lo, up, bench)
    reject(
        lo > up,
        func,
        "lower",
        "lower limit(s) above the upper limit",
        "lower <= upper",
        "check that the limit columns are not swapped",
        shape,
    )
    pol = _polarity_array(polarity, lo, func)
    missing = np.isnan(lo) | np.isnan(up) | np.isnan(bench)
    higher = bench < lo  # the whole interval lies above the benchmark
    lower_ = bench > up
    labels = np.select(
        [
            missing,
            higher & (pol == HIGHER_IS_BETTER),
            higher & (pol == LOWER_IS_BETTER),
            higher,
            lower_ & (pol == HIGHER_IS_BETTER),
            lower_ & (pol == LOWER_IS_BETTER),
            lower_,
        ],
        [NOT_COMPARED, BETTER, WORSE, HIGHER, WORSE, BETTER, LOWER],
        SIMILAR,
    ).astype(object)
    if shape.kind == "scalar":
        return str(labels.reshape(()))
    if shape.kind == "series":
        return pd.Series(labels, index=shape.index)
    return labels
