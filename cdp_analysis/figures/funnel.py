"""Funnel plot: every upper-tier LA's value against its denominator (or expected count) with
95% and 99.8% control limits around England's average, the area highlighted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..stats.funnels import HIGH_95, HIGH_99_8, LOW_95, LOW_99_8, NOT_SIGNIFICANT
from ..tidy import UTLA
from . import palette
from .figure import Figure, caption_text, finish, legend_below, new_figure, styled
from .inputs import any_synthetic, england_mask, no_rows, require_columns, single_value
from .units import POLARITY_WORDS, format_value, measure_info, missing_words

WHERE = "funnel_plot"
LIMIT_COLUMNS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]

#: Position against the limits -> words for titles and alt text.
POSITIONS = {
    "above_99_8": "much higher than expected from England's average (above the 99.8% limit)",
    "above_95": "higher than expected from England's average (above the 95% limit)",
    "within": "within the range expected from England's average",
    "below_95": "lower than expected from England's average (below the 95% limit)",
    "below_99_8": "much lower than expected from England's average (below the 99.8% limit)",
}


def limit_curve(limits: pd.DataFrame, column: str, x: str) -> tuple[np.ndarray, np.ndarray]:
    """One limit curve as (x, y) sorted by x. Its x is the column ``{column}_{x}`` when the
    limits have one (rate and ratio funnels from cdp_analysis.stats give each limit its own
    population or expected count), else the shared column ``x``."""
    xcol = f"{column}_{x}" if f"{column}_{x}" in limits else x
    xs, ys = limits[xcol].to_numpy(float), limits[column].to_numpy(float)
    keep = ~(np.isnan(xs) | np.isnan(ys))
    order = np.argsort(xs[keep], kind="stable")
    return xs[keep][order], ys[keep][order]


def funnel_positions(
    x: np.ndarray, value: np.ndarray, limits: pd.DataFrame, x_col: str
) -> np.ndarray:
    """Each point's position against the limits interpolated at its ``x`` (a key of
    :data:`POSITIONS`; ``""`` where value or x is missing). Use the exact labels of
    :func:`cdp_analysis.stats.funnel_significance` when you have them (see
    :func:`funnel_plot`'s ``significance``)."""
    at = {c: np.interp(x, *limit_curve(limits, c, x_col)) for c in LIMIT_COLUMNS}
    return np.select(
        [
            np.isnan(value) | np.isnan(x),
            value > at["upper_99_8"],
            value > at["upper_95"],
            value < at["lower_99_8"],
            value < at["lower_95"],
        ],
        ["", "above_99_8", "above_95", "below_99_8", "below_95"],
        "within",
    )


def _check_limits(limits: pd.DataFrame, x: str) -> None:
    require_columns(
        limits, LIMIT_COLUMNS, WHERE + " limits",
        fix="pass the limit curves from cdp_analysis.stats (funnel_limits_proportion ...)",
    )  # fmt: skip
    missing_x = [c for c in LIMIT_COLUMNS if f"{c}_{x}" not in limits and x not in limits]
    if missing_x or limits.empty:
        raise InputError(
            None,
            Problem(
                f"no x values for the limit curves {', '.join(missing_x) or '(no rows)'}",
                column=x, expected=f"a column '{x}' or '<limit>_{x}' columns, and rows",
            ),
            kind=f"{WHERE} limits",
            fix="compute the limits over the range of the areas' denominators",
        )  # fmt: skip


#: Labels of cdp_analysis.stats.funnel_significance -> keys of POSITIONS ("" = not compared).
STATS_LABELS = {
    HIGH_99_8: "above_99_8",
    HIGH_95: "above_95",
    NOT_SIGNIFICANT: "within",
    LOW_95: "below_95",
    LOW_99_8: "below_99_8",
}


def _frame_on_points(ax, xs: np.ndarray, vs: np.ndarray, centre: float, unit: str) -> None:
    """Axes framed on the areas, not on the limit curves, which rise steeply towards zero
    size (rate funnels reach thousands per 100,000 at tiny populations). Thousands are
    written out in full on the x axis rather than as a 1e6 offset."""
    from matplotlib.ticker import FuncFormatter

    if xs.size:
        ax.set_xlim(0, float(np.nanmax(xs)) * 1.05)
        lo = min(float(np.nanmin(vs)), centre)
        hi = max(float(np.nanmax(vs)), centre)
        pad = (hi - lo) * 0.15 or abs(centre) * 0.1 or 1.0
        bottom = max(lo - pad, 0.0)
        top = hi + pad
        if unit == "percent":
            top = min(top, 100.0)
        ax.set_ylim(bottom, top)
    else:
        ax.set_xlim(left=0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


@dataclass(frozen=True)
class _Points:
    """The UTLA points of one funnel, with the area's own point picked out."""

    xs: np.ndarray
    vs: np.ndarray
    pos: np.ndarray  # position against the limits (POSITIONS keys, "" when not compared)
    plotted: np.ndarray
    is_me: np.ndarray
    name: str

    @property
    def me_plotted(self) -> bool:
        return bool(self.plotted[self.is_me][0])

    @property
    def my_value(self) -> float:
        return float(self.vs[self.is_me][0])

    @property
    def my_x(self) -> float:
        return float(self.xs[self.is_me][0])

    @property
    def finding(self) -> str:
        """The area's position in words (the title and alt text use it)."""
        my_pos = str(self.pos[self.is_me][0])
        if my_pos:
            return POSITIONS[my_pos]
        return "not compared with the funnel limits" if self.me_plotted else ""


def _average(
    data: pd.DataFrame, limits: pd.DataFrame, england_value: float | None
) -> tuple[float, str]:
    """The average line's value and label: the given value, England's row, else the limits'
    baseline ("Average")."""
    if england_value is not None:
        return england_value, "England"
    eng = data[england_mask(data)]
    if not eng.empty and eng["value"].notna().any():
        return float(eng["value"].dropna().iloc[0]), "England"
    if "baseline" in limits and limits["baseline"].notna().any():
        return float(limits["baseline"].dropna().iloc[0]), "Average"
    raise no_rows(
        WHERE, "England", "area_type", "England", "include the England row or pass england_value"
    )


def _points(
    points: pd.DataFrame, area_code: str, limits: pd.DataFrame, x: str, significance: str | None
) -> _Points:
    """Each UTLA's x, value and position (the ``significance`` column when given, else read
    from the curves)."""
    me = points[points["area_code"].astype(str) == area_code]
    if me.empty:
        raise no_rows(
            WHERE, f"area {area_code}", "area_code", area_code, "include the area's UTLA row"
        )
    xs = points[x].to_numpy(float)
    vs = points["value"].to_numpy(float)
    if significance and significance in points:
        pos = points[significance].map(STATS_LABELS).fillna("").to_numpy(str)
    else:
        pos = funnel_positions(xs, vs, limits, x)
    return _Points(
        xs=xs,
        vs=vs,
        pos=pos,
        plotted=~(np.isnan(xs) | np.isnan(vs)),
        is_me=(points["area_code"].astype(str) == area_code).to_numpy(),
        name=str(me["area_name"].iloc[0]),
    )


def funnel_plot(
    data: pd.DataFrame,
    area_code: str,
    limits: pd.DataFrame,
    *,
    measure: Any = None,
    x: str = "denominator",
    x_label: str | None = None,
    england_value: float | None = None,
    significance: str | None = "funnel_significance",
    title: str | None = None,
    synthetic: bool | None = None,
) -> Figure:
    """Every UTLA's value against ``x`` with the 95% and 99.8% control limits and England's
    average, the area highlighted and labelled.

    ``data``: tidy rows of one indicator and one period for the UTLAs (and England, whose
    value is the average line unless ``england_value`` is given; without either, the
    limits' ``baseline``). ``x``: the column of ``data`` giving each point's size:
    ``denominator`` for proportions, ``expected`` for ratios, a one-year population for
    rates. ``limits``: the curves from :mod:`cdp_analysis.stats` (``funnel_limits_proportion``
    gives ``denominator`` and ``lower_95`` ...; the rate and ratio functions give each limit
    its own x as ``lower_95_<x>`` ...). Each point's position is the column ``significance``
    of ``data`` when present (labels of ``stats.funnel_significance``), else read from the
    curves. Areas without a value or ``x`` are not plotted and are counted in the alt text
    and caption.
    """
    require_columns(
        data,
        ["indicator_id", "area_code", "area_name", "area_type", "period_label", "value", x, "source"],
        WHERE,
    )  # fmt: skip
    _check_limits(limits, x)
    single_value(data, "indicator_id", WHERE, "pass one indicator's rows")
    period = single_value(data, "period_label", WHERE, "pass one period's rows")
    m = measure_info(measure, data)
    points = data[data["area_type"].astype(str) == UTLA]
    p = _points(points, area_code, limits, x, significance)
    average, average_label = _average(data, limits, england_value)
    shown = points.assign(
        funnel_position=pd.Series(p.pos, index=points.index).map(POSITIONS).fillna("")
    )
    x_label = x_label or {"denominator": "Denominator", "expected": "Expected count"}.get(
        x, x.replace("_", " ").capitalize()
    )
    short, finding = (p.finding, p.finding) if p.finding else _missing(points, area_code, period)
    if title is None:
        title = f"{m.label} in {p.name}: {short.split(' (')[0]} ({period})"
    with styled():
        fig, ax = new_figure(8, 5)
        _draw(ax, p, limits, x, f"{average_label} {format_value(average, m.unit)}", average)
        ax.set_xlabel(x_label)
        ax.set_ylabel(m.axis_label)
        _frame_on_points(ax, p.xs[p.plotted], p.vs[p.plotted], average, m.unit)
        legend_below(fig, ncols=3)
        finish(fig, title, synthetic=any_synthetic([points], synthetic))
    n_missing = int((~p.plotted).sum())
    missing = (
        f" {n_missing} {'area' if n_missing == 1 else 'areas'} without a value "
        f"{'is' if n_missing == 1 else 'are'} not plotted."
        if n_missing
        else ""
    )
    alt = _alt(p, m, period, x_label, average, average_label, finding) + missing
    caption = caption_text(
        points["source"], period, "Limits: 95% and 99.8% control limits." + missing
    )
    cols = ("area_name", "period_label", "value", x, "funnel_position", "value_note")
    return Figure(fig, " ".join(alt.split()), caption, shown.reset_index(drop=True), title, cols)


def _draw(ax, p: _Points, limits: pd.DataFrame, x: str, average_text: str, average: float) -> None:
    """The limit curves, the average line, the other areas and the area itself."""
    for col, colour, ls, lw, label in [
        ("upper_99_8", palette.LIMIT_99_8, "--", 1.2, "99.8% limits"),
        ("lower_99_8", palette.LIMIT_99_8, "--", 1.2, None),
        ("upper_95", palette.LIMIT_95, ":", 1.4, "95% limits"),
        ("lower_95", palette.LIMIT_95, ":", 1.4, None),
    ]:
        ax.plot(*limit_curve(limits, col, x), color=colour, ls=ls, lw=lw, label=label)
    ax.axhline(average, color=palette.ENGLAND, lw=1.2, label=average_text)
    others = p.plotted & ~p.is_me
    ax.scatter(
        p.xs[others], p.vs[others], s=18, color=palette.OTHER_AREAS, edgecolors="none",
        label="Other upper-tier local authorities",
    )  # fmt: skip
    if p.me_plotted:
        ax.scatter(
            [p.my_x], [p.my_value], s=80, color=palette.AREA, edgecolors="black", linewidths=1,
            zorder=5, label=p.name,
        )  # fmt: skip
        ax.annotate(
            p.name, (p.my_x, p.my_value), xytext=(8, 8), textcoords="offset points",
            fontsize=10, fontweight="bold", color="black",
        )  # fmt: skip


def _missing(points: pd.DataFrame, area_code: str, period: str) -> tuple[str, str]:
    """(title, alt) words for an area with no value: suppressed says so and why."""
    mine = points[points["area_code"].astype(str) == area_code]
    note = mine["value_note"].iloc[0] if "value_note" in mine and len(mine) else ""
    return missing_words(note, period)


def _alt(
    p: _Points, m: Any, period: str, x_label: str, average: float, average_label: str, finding: str
) -> str:
    """The chart's alt text (without the count of areas not plotted)."""
    n = int(p.plotted.sum())
    outside = int(np.isin(p.pos, ["above_99_8", "below_99_8"]).sum())
    average_words = "England's average" if average_label == "England" else "the areas' average"
    alt = (
        f"Funnel plot of {m.name or m.label} for {period} against {x_label.lower()}, for {n} "
        f"upper-tier local authorities, with 95% and 99.8% control limits around "
        f"{average_words} of {format_value(average, m.unit)}. "
    )
    if p.me_plotted:
        alt += (
            f"{p.name} ({format_value(p.my_value, m.unit)}, {x_label.lower()} {p.my_x:,.0f}) "
            f"is {finding}. "
        )
    else:
        alt += f"{p.name} has {finding}. "
    return alt + (
        f"{outside} of {n} areas lie outside the 99.8% limits. {POLARITY_WORDS.get(m.polarity, '')}"
    )
