"""Bar chart of a count over time (local measures), suppressed values shown as labelled gaps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.transforms import blended_transform_factory

from . import palette
from .figure import Figure, caption_text, finish, legend_below, new_figure, styled
from .inputs import (
    any_synthetic,
    no_duplicates,
    no_rows,
    require_columns,
    single_value,
    synthetic_rows,
)
from .time_axis import date_numbers, time_axis
from .units import format_value, measure_info

WHERE = "count_chart"


def count_chart(
    data: pd.DataFrame,
    area_code: str,
    *,
    measure: Any = None,
    title: str | None = None,
    synthetic: bool | None = None,
) -> Figure:
    """One area's counts by period as bars, each labelled with its number. Periods whose
    value is missing (suppressed small numbers, or not reported) are gaps labelled
    ``Suppressed`` (when the row's ``value_note`` says so) or ``No value``, with a note."""
    rows = _area_rows(data, area_code)
    m = measure_info(measure, data)
    unit = m.unit or "count"
    name = str(rows["area_name"].iloc[0])
    v = rows["value"].to_numpy(float)
    gap = np.isnan(v)
    notes = (
        rows["value_note"].fillna("").astype(str)
        if "value_note" in rows
        else pd.Series("", index=rows.index)
    )
    suppressed = gap & notes.str.contains("suppress", case=False).to_numpy()
    first, last = str(rows["period_label"].iloc[0]), str(rows["period_label"].iloc[-1])
    finding = _finding(rows[~gap], unit, first, last)
    if title is None:
        title = f"{m.label} in {name}: {finding}"
    synthetic = any_synthetic([rows], synthetic)
    gap_note = ""
    if gap.any():
        reasons = sorted(set(notes[gap]) - {""})
        gap_note = "Gaps: no value shown" + (f" ({'; '.join(reasons)})" if reasons else "") + "."

    fig = _draw(rows, v, gap, suppressed, m.axis_label, unit, (title, synthetic, gap_note))
    alt = f"Bar chart of {m.name or m.label} in {name} by period, {first} to {last}: {finding}."
    if gap.any():
        alt += (
            f" {int(gap.sum())} of {len(rows)} periods have no value shown ("
            f"{int(suppressed.sum())} suppressed to protect privacy): "
            + ", ".join(rows.loc[gap, "period_label"].astype(str))
            + "."
        )
    caption = caption_text(rows["source"], f"{first} to {last}", gap_note)
    cols = ("period_label", "value", "value_note")
    return Figure(fig, " ".join(alt.split()), caption, rows.reset_index(drop=True), title, cols)


def _area_rows(data: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """The area's rows, checked (one indicator, one sex/age/category, one row per period),
    in period order."""
    require_columns(
        data,
        ["indicator_id", "area_code", "area_name", "period_label", "period_end", "value", "source"],
        WHERE,
    )
    single_value(data, "indicator_id", WHERE, "pass one indicator's rows")
    rows = data[data["area_code"].astype(str) == area_code]
    if rows.empty:
        raise no_rows(WHERE, f"area {area_code}", "area_code", area_code, "pass the area's rows")
    for col in ("sex", "age", "category"):
        if col in rows:
            single_value(rows, col, WHERE, f"filter the rows to one {col} before plotting")
    no_duplicates(rows, ["area_code", "period_end"], WHERE, "pass one row per period")
    return rows.sort_values("period_end")


def _finding(valued: pd.DataFrame, unit: str, first: str, last: str) -> str:
    """ "12 in 2025/26 Q4, up from 9 in 2023/24 Q1" (the latest value against the first)."""
    if valued.empty:
        finding = f"no values shown from {first} to {last}"
    else:
        lv, lp = valued["value"].iloc[-1], valued["period_label"].iloc[-1]
        finding = f"{format_value(lv, unit)} in {lp}"
        if len(valued) > 1:
            fv, fp = valued["value"].iloc[0], valued["period_label"].iloc[0]
            change = "up from" if lv > fv else "down from" if lv < fv else "the same as"
            finding += f", {change} {format_value(fv, unit)} in {fp}"
    return finding


def _draw(
    rows: pd.DataFrame,
    v: np.ndarray,
    gap: np.ndarray,
    suppressed: np.ndarray,
    axis_label: str,
    unit: str,
    words: tuple[str, bool, str],
) -> MplFigure:
    """The labelled bars, and "Suppressed"/"No value" marks in the gaps (``words``: the
    title, whether the data are synthetic, and the note on gaps)."""
    title, synthetic, gap_note = words
    x = date_numbers(rows["period_end"])
    width = 0.7 * (float(np.min(np.diff(x))) if len(x) > 1 else 80.0)
    with styled():
        fig, ax = new_figure(8, 4.2)
        bars = ax.bar(x[~gap], v[~gap], width=width, color=palette.AREA, label="Real data")
        fake = synthetic_rows(rows).to_numpy()[~gap]
        for bar in np.asarray(bars.patches, dtype=object)[fake]:  # hollow, hatched: synthetic
            bar.set(facecolor="white", edgecolor=palette.AREA, hatch="///", label="_nolegend_")
        if fake.any() and not fake.all():
            bars.patches[int(np.flatnonzero(fake)[0])].set_label(
                "Hatched bars: synthetic demo data"
            )
            legend_below(fig, ncols=2)
        ax.bar_label(
            bars, labels=[format_value(val, unit) for val in v[~gap]], padding=2, fontsize=8.5
        )
        marks = blended_transform_factory(ax.transData, ax.transAxes)
        for xi, sup in zip(x[gap], suppressed[gap], strict=True):
            ax.text(
                xi, 0.02, "Suppressed" if sup else "No value", transform=marks, rotation=90,
                ha="center", va="bottom", fontsize=8, color="#333333",
            )  # fmt: skip
        ax.set_xlabel(time_axis(ax, rows["period_end"], rows["period_label"]))
        ax.set_ylabel(axis_label)
        ax.set_ylim(0, max(1.0, float(np.nanmax(v)) * 1.15) if (~gap).any() else 1.0)
        ax.set_xlim(x.min() - width, x.max() + width)
        finish(fig, title, synthetic=synthetic, note=gap_note)

    return fig
