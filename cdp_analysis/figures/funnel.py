"""Funnel plot: every upper-tier LA's value against its denominator (or expected count) with
95% and 99.8% control limits around England's average, the area highlighted."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..tidy import UTLA
from . import palette
from .figure import Figure, caption_text, finish, new_figure, styled
from .inputs import any_synthetic, england_mask, no_rows, require_columns, single_value
from .units import POLARITY_WORDS, format_value, measure_info

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


def funnel_positions(
    x: np.ndarray, value: np.ndarray, limits: pd.DataFrame, x_col: str
) -> np.ndarray:
    """Each point's position against the limits interpolated at its ``x`` (a key of
    :data:`POSITIONS`; ``""`` where value or x is missing)."""
    lim = limits.sort_values(x_col)
    xp = lim[x_col].to_numpy(float)
    at = {c: np.interp(x, xp, lim[c].to_numpy(float)) for c in LIMIT_COLUMNS}
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
        limits, [x, *LIMIT_COLUMNS], WHERE + " limits",
        fix="pass the limit curves from cdp_analysis.stats (one row per x value)",
    )  # fmt: skip
    if limits.empty or limits[x].isna().any():
        raise InputError(
            None,
            Problem("no usable limit curve", column=x, expected="at least one row, no missing x"),
            kind=f"{WHERE} limits",
            fix="compute the limits over the range of the areas' denominators",
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
    title: str | None = None,
    synthetic: bool | None = None,
) -> Figure:
    """Every UTLA's value against ``x`` (``denominator``, or a column of expected counts for
    rates) with the 95% and 99.8% control limits and England's average.

    ``data``: tidy rows of one indicator and one period for the UTLAs (and England, whose
    value is the average unless ``england_value`` is given). ``limits``: the limit curves,
    one row per ``x`` value with ``lower_95, upper_95, lower_99_8, upper_99_8`` (from the
    cdp_analysis.stats funnel functions). Areas without a value or ``x`` are not plotted and
    are counted in the alt text and caption.
    """
    require_columns(
        data,
        [
            "indicator_id",
            "area_code",
            "area_name",
            "area_type",
            "period_label",
            "value",
            x,
            "source",
        ],
        WHERE,
    )
    _check_limits(limits, x)
    single_value(data, "indicator_id", WHERE, "pass one indicator's rows")
    period = single_value(data, "period_label", WHERE, "pass one period's rows")
    m = measure_info(measure, data)
    unit = m.unit
    points = data[data["area_type"].astype(str) == UTLA]
    me = points[points["area_code"].astype(str) == area_code]
    if me.empty:
        raise no_rows(
            WHERE, f"area {area_code}", "area_code", area_code, "include the area's UTLA row"
        )
    if england_value is None:
        eng = data[england_mask(data)]
        if eng.empty or eng["value"].isna().all():
            raise no_rows(
                WHERE, "England", "area_type", "England",
                "include the England row or pass england_value",
            )  # fmt: skip
        england_value = float(eng["value"].iloc[0])
    xs = points[x].to_numpy(float)
    vs = points["value"].to_numpy(float)
    pos = funnel_positions(xs, vs, limits, x)
    shown = points.assign(
        funnel_position=pd.Series(pos, index=points.index).map(POSITIONS).fillna("")
    )
    plotted = pos != ""
    n_missing = int((~plotted).sum())
    is_me = (points["area_code"].astype(str) == area_code).to_numpy()
    my_pos = pos[is_me][0]
    name = str(me["area_name"].iloc[0])
    my_value, my_x = float(vs[is_me][0]), float(xs[is_me][0])
    x_label = x_label or ("Expected count" if x == "expected" else "Denominator")
    if title is None:
        title = (
            f"{m.label} in {name}: {POSITIONS[my_pos].split(' (')[0]} ({period})"
            if my_pos
            else f"{m.label} in {name}: no value for {period}"
        )
    synthetic = any_synthetic([points], synthetic)
    lim = limits.sort_values(x)
    lx = lim[x].to_numpy(float)

    with styled():
        fig, ax = new_figure(8, 5)
        ax.plot(
            lx, lim["upper_99_8"], color=palette.LIMIT_99_8, ls="--", lw=1.2, label="99.8% limits"
        )
        ax.plot(lx, lim["lower_99_8"], color=palette.LIMIT_99_8, ls="--", lw=1.2)
        ax.plot(lx, lim["upper_95"], color=palette.LIMIT_95, ls=":", lw=1.4, label="95% limits")
        ax.plot(lx, lim["lower_95"], color=palette.LIMIT_95, ls=":", lw=1.4)
        ax.axhline(
            england_value,
            color=palette.ENGLAND,
            lw=1.2,
            label=f"England {format_value(england_value, unit)}",
        )
        others = plotted & ~is_me
        ax.scatter(
            xs[others], vs[others], s=18, color=palette.OTHER_AREAS, edgecolors="none",
            label="Other upper-tier local authorities",
        )  # fmt: skip
        if my_pos:
            ax.scatter(
                [my_x], [my_value], s=80, color=palette.AREA, edgecolors="black", linewidths=1,
                zorder=5, label=name,
            )  # fmt: skip
            ax.annotate(
                name, (my_x, my_value), xytext=(8, 8), textcoords="offset points",
                fontsize=10, fontweight="bold", color="black",
            )  # fmt: skip
        ax.set_xlabel(x_label)
        ax.set_ylabel(m.axis_label)
        ax.set_xlim(left=0)
        fig.legend(loc="outside lower center", ncols=3)
        finish(fig, title, synthetic=synthetic)

    n = int(plotted.sum())
    outside = int(np.isin(pos, ["above_99_8", "below_99_8"]).sum())
    alt = (
        f"Funnel plot of {m.name or m.label} for {period} against {x_label.lower()}, for {n} "
        f"upper-tier local authorities, with 95% and 99.8% control limits around England's "
        f"average of {format_value(england_value, unit)}. "
    )
    if my_pos:
        alt += (
            f"{name} ({format_value(my_value, unit)}, {x_label.lower()} {my_x:,.0f}) is "
            f"{POSITIONS[my_pos]}. "
        )
    else:
        alt += f"{name} has no value for {period}. "
    alt += (
        f"{outside} of {n} areas lie outside the 99.8% limits. {POLARITY_WORDS.get(m.polarity, '')}"
    )
    missing = (
        f" {n_missing} {'area' if n_missing == 1 else 'areas'} without a value "
        f"{'is' if n_missing == 1 else 'are'} not plotted."
        if n_missing
        else ""
    )
    alt += missing
    caption = caption_text(
        points["source"], period, "Limits: 95% and 99.8% control limits." + missing
    )
    cols = ("area_name", "period_label", "value", x, "funnel_position", "value_note")
    return Figure(fig, " ".join(alt.split()), caption, shown.reset_index(drop=True), title, cols)
