""" "What changed since last quarter": only statistically significant changes (two-sample
z-test of proportions; exact conditional test of equal Poisson rates for counts), in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..assessment.display import value_text
from . import display as show
from .groups import measure_href
from .report_data import Report
from .wording import esc

#: Significance level of the quarter-on-quarter tests in "What changed".
CHANGE_ALPHA = 0.05


CHANGE_TEST_WORDS = (
    "Only changes that are statistically significant at the 5% level are listed: proportions "
    "(a count out of a denominator) by the two-sample z-test of proportions, counts by the exact "
    "conditional (binomial) test that the two quarters' counts come from the same Poisson rate. "
    "Most figures cover rolling 12 months, so consecutive quarters share nine months of data; the "
    "tests treat the quarters as independent and so, if anything, find too few changes. Rates "
    "with neither a count and denominator nor a plain count are not tested and not listed."
)


def change_p_value(
    count: float, denominator: float, count_before: float, denominator_before: float
) -> float:
    """Two-sided p-value for a change between two quarters: the two-sample z-test of
    proportions (pooled) when both denominators are given, else the exact conditional test
    of equal Poisson rates (``count`` given ``count + count_before`` is Binomial(n, 1/2)).
    NaN when neither can be computed."""
    from scipy import stats as sps

    if not (np.isfinite(count) and np.isfinite(count_before)):
        return float("nan")
    if np.isfinite(denominator) and np.isfinite(denominator_before):
        if denominator <= 0 or denominator_before <= 0:
            return float("nan")
        pooled = (count + count_before) / (denominator + denominator_before)
        se = np.sqrt(pooled * (1 - pooled) * (1 / denominator + 1 / denominator_before))
        if se == 0:
            return 1.0
        z = (count / denominator - count_before / denominator_before) / se
        return float(2 * sps.norm.sf(abs(z)))
    n = int(round(count + count_before))
    if n == 0:
        return 1.0
    return float(sps.binomtest(int(round(count)), n, 0.5).pvalue)


def changes_table(report: Report) -> pd.DataFrame:
    """Every measure with a value in this and the previous quarter, with the change, its
    test's p-value (:func:`change_p_value`) and ``significant`` (p < :data:`CHANGE_ALPHA`),
    most significant first."""
    q, prev = report.quarter, report.quarter.shift(-1)
    s = report.context.series
    s = s[s["area_code"] == report.area_code]
    cols = ["measure_id", "value", "count", "denominator"]
    cols = [c for c in cols if c in s.columns]
    now = s[s["period_end"] == pd.Timestamp(q.end)][cols]
    before = s[s["period_end"] == pd.Timestamp(prev.end)][cols]
    both = now.merge(before, on="measure_id", suffixes=("", "_before"))
    both = both.dropna(subset=["value", "value_before"])
    for c in ("count", "denominator", "count_before", "denominator_before"):
        if c not in both:
            both[c] = np.nan
    both["p_value"] = [
        change_p_value(*(float(x) for x in r))
        for r in both[["count", "denominator", "count_before", "denominator_before"]].to_numpy()
    ]
    both["significant"] = both["p_value"] < CHANGE_ALPHA
    units = report.catalogue.table().set_index("measure_id")
    both["short_name"] = both["measure_id"].map(units["short_name"])
    both["unit"] = both["measure_id"].map(units["unit"])
    both["polarity"] = both["measure_id"].map(units["polarity"])
    # A measure the plan only monitors (no target) gets no better/worse word, whatever its
    # catalogue polarity says.
    # (With no local plan nothing has a target, so the catalogue's polarity is used.)
    status = report.summary.set_index("measure_id")["target_status"]
    no_target = (both["measure_id"].map(status).isin(["no target"]) & report.has_plan).to_numpy()
    both["worse"] = [
        None if skip else _worse(r.value, r.value_before, r.polarity)
        for skip, r in zip(no_target, both.itertuples(index=False), strict=True)
    ]
    return both.sort_values("p_value", na_position="last").reset_index(drop=True)


def _worse(value: float, before: float, polarity: object) -> bool | None:
    """True if the move is a deterioration, False an improvement, None when the measure has
    no polarity (neither higher nor lower is better): such measures get no better/worse word."""
    if polarity not in ("higher_is_better", "lower_is_better") or value == before:
        return None
    return (value > before) != (polarity == "higher_is_better")


def change_item_html(report: Report, r) -> str:
    """One change as a list item: the measure (linked to its chart), from, to, its p-value."""
    verb = "rose" if r.value > r.value_before else "fell"
    good = {True: " (a deterioration)", False: " (an improvement)", None: ""}[r.worse]
    return (
        f'<li><a href="{esc(measure_href(report, r.measure_id))}"><strong>{esc(r.short_name)}'
        f"</strong></a> {verb} from {esc(value_text(r.value_before, r.unit))} to "
        f"{esc(value_text(r.value, r.unit))}{esc(good)} (p = {r.p_value:.3f}).</li>"
    )


def changes_html(report: Report, n: int | None = None) -> str:
    """The statistically significant changes since the previous quarter, in plain words, or a
    sentence saying there were none; which tests were used is said underneath."""
    t = changes_table(report)
    prev = report.quarter.shift(-1).fingertips_label
    if t.empty:
        return f"<p>No measure has figures for both {esc(prev)} and this quarter.</p>"
    sig = t[t["significant"]]
    if n is not None:
        sig = sig.head(n)
    tested = int(t["p_value"].notna().sum())
    if sig.empty:
        body = (
            f"<p>None of the {tested} measures that could be tested changed significantly "
            f"between {esc(prev)} and this quarter.</p>"
        )
    else:
        items = "".join(change_item_html(report, r) for r in sig.itertuples(index=False))
        body = (
            f"<p>Compared with the previous quarter ({esc(prev)}), {len(sig)} of the {tested} "
            f"measures that could be tested changed significantly:</p><ul>{items}</ul>"
        )
    return body + f'<p class="cdp-note">{esc(CHANGE_TEST_WORDS)}</p>'


def show_changes(report: Report, n: int | None = None) -> None:
    show.show_text(changes_html(report, n))
