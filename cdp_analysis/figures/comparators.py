"""Comparator bar chart: the area, its comparators and England as horizontal bars with 95%
confidence intervals, sorted by value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..tidy import ENGLAND
from . import palette
from .figure import Figure, caption_text, finish, new_figure, styled
from .inputs import (
    any_synthetic,
    england_mask,
    no_duplicates,
    no_rows,
    require_columns,
    single_value,
)
from .units import (
    POLARITY_WORDS,
    format_interval,
    format_value,
    measure_info,
    missing_label,
    missing_words,
    ordinal,
)

WHERE = "comparator_chart"


def comparator_chart(
    data: pd.DataFrame,
    area_code: str,
    *,
    comparator_codes: Sequence[str] | None = None,
    include_england: bool = True,
    measure: Any = None,
    title: str | None = None,
    synthetic: bool | None = None,
) -> Figure:
    """Horizontal bars for the area, its comparators (``comparator_codes``; default every
    other non-England row) and England, highest at the top, whiskers for the 95% interval.

    ``data``: tidy rows of one indicator and one period. The title gives the area's rank
    among the areas shown (best first: highest when higher is better, lowest when lower is
    better). Comparators with no row or no value are named in the alt text and caption.
    """
    require_columns(
        data,
        [
            "indicator_id",
            "area_code",
            "area_name",
            "period_label",
            "value",
            "lower_95",
            "upper_95",
            "source",
        ],
        WHERE,
    )
    single_value(data, "indicator_id", WHERE, "pass one indicator's rows")
    m = measure_info(measure, data)
    rows, period, absent = _chosen_rows(data, area_code, comparator_codes, include_england)
    higher_best = m.polarity != "lower_is_better"
    rows = rows.sort_values("value", ascending=False, na_position="last", kind="stable")
    me = (rows["area_code"].astype(str) == area_code).to_numpy()
    eng = england_mask(rows).to_numpy()
    name = str(rows.loc[me, "area_name"].iloc[0])
    finding = _rank_finding(rows[~eng], area_code, higher_best, period)
    if title is None:
        title = f"{m.label} in {name}: {finding} ({period})"
    synthetic = any_synthetic([rows], synthetic)
    fig = _draw(rows, me, eng, m.axis_label, title, synthetic)
    alt, caption = _words(rows, me, eng, m, period, finding, absent)
    cols = ("area_name", "period_label", "value", "lower_95", "upper_95", "value_note")
    return Figure(fig, alt, caption, rows.reset_index(drop=True), title, cols)


def _chosen_rows(
    data: pd.DataFrame,
    area_code: str,
    comparator_codes: Sequence[str] | None,
    include_england: bool,
) -> tuple[pd.DataFrame, str, list[str]]:
    """The area's, the comparators' and (if asked) England's rows, their one period, and the
    comparators not in the data."""
    codes = data["area_code"].astype(str)
    is_eng = england_mask(data)
    if comparator_codes is None:
        wanted = ~is_eng & (codes != area_code)
        if "area_type" in data:
            wanted &= data["area_type"].astype(str) != "Region"
        comparator_codes = codes[wanted].tolist()
    comparator_codes = [c for c in comparator_codes if c != area_code]
    chosen = codes.isin([area_code, *comparator_codes]) | (is_eng & include_england)
    rows = data[chosen]
    if not (rows["area_code"].astype(str) == area_code).any():
        raise no_rows(WHERE, f"area {area_code}", "area_code", area_code, "include the area's row")
    period = single_value(rows, "period_label", WHERE, "pass one period's rows")
    no_duplicates(rows, ["area_code"], WHERE, "pass one row per area (one sex/age/category)")
    absent = sorted(set(comparator_codes) - set(rows["area_code"].astype(str)))
    return rows, period, absent


def _rank_finding(areas: pd.DataFrame, area_code: str, higher_best: bool, period: str) -> str:
    """ "3rd highest of 12 areas" (best first), or "no value for <period>" ("value
    suppressed" when the area's value was withheld for small numbers)."""
    mine = areas["area_code"].astype(str) == area_code
    if pd.isna(areas.loc[mine, "value"].iloc[0]):
        return missing_words(_note(areas[mine].iloc[0]), period)[0]
    ranked = areas["value"].rank(ascending=not higher_best, method="min")
    word = "highest" if higher_best else "lowest"
    n = int(areas["value"].notna().sum())
    return f"{ordinal(int(ranked[mine].iloc[0]))} {word} of {n} areas"


def _note(row: pd.Series) -> object:
    """A row's ``value_note`` (``""`` when the data have none)."""
    return row.get("value_note", "")


def _draw(
    rows: pd.DataFrame,
    me: np.ndarray,
    eng: np.ndarray,
    axis_label: str,
    title: str,
    synthetic: bool,
) -> MplFigure:
    """The bars (area highlighted, England hatched), whiskers and "no value" labels."""
    v = rows["value"].to_numpy(float)
    lo, hi = rows["lower_95"].to_numpy(float), rows["upper_95"].to_numpy(float)
    y = np.arange(len(rows))
    labels = np.where(eng, ENGLAND, rows["area_name"].astype(str).to_numpy())
    colours = np.where(me, palette.AREA, np.where(eng, "white", palette.OTHER_AREAS))
    with styled():
        fig, ax = new_figure(8, 1.4 + 0.32 * len(rows))
        bars = ax.barh(
            y, np.nan_to_num(v), color=colours, edgecolor=np.where(eng, "black", "none"), height=0.7
        )
        for bar in np.asarray(bars.patches, dtype=object)[eng]:
            bar.set_hatch("//")
        ci = ~np.isnan(lo) & ~np.isnan(hi) & ~np.isnan(v)
        ax.errorbar(
            v[ci], y[ci], xerr=[v[ci] - lo[ci], hi[ci] - v[ci]], fmt="none", ecolor="black",
            elinewidth=1, capsize=3,
        )  # fmt: skip
        for yi in y[np.isnan(v)]:
            gap = missing_label(_note(rows.iloc[yi])).split(" (")[0].lower()  # e.g. suppressed
            ax.text(0, yi, f" {gap}", va="center", fontsize=8.5, color="#333333")
        ax.set_yticks(y, labels)
        ax.get_yticklabels()[int(np.flatnonzero(me)[0])].set_fontweight("bold")
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlabel(f"{axis_label} (whiskers: 95% confidence interval)")
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        finish(fig, title, synthetic=synthetic)
    return fig


def _words(
    rows: pd.DataFrame,
    me: np.ndarray,
    eng: np.ndarray,
    m: Any,
    period: str,
    finding: str,
    absent: list[str],
) -> tuple[str, str]:
    """The chart's alt text and caption."""
    unit = m.unit
    areas = rows[~eng]
    my_row = rows[me].iloc[0]
    name = str(my_row["area_name"])
    missing: dict[str, list[str]] = {}  # "Suppressed (small numbers)" or "No value": areas
    for _, r in areas[areas["value"].isna().to_numpy() & ~me[~eng]].iterrows():  # not the area
        missing.setdefault(missing_label(_note(r)), []).append(str(r["area_name"]))
    shown = (
        missing_words(_note(my_row), period)[1]
        if pd.isna(my_row["value"])
        else f"{format_value(float(my_row['value']), unit)}"
        f"{format_interval(my_row['lower_95'], my_row['upper_95'], unit)}, {finding}"
    )
    alt = (
        f"Horizontal bar chart of {m.name or m.label} in {period} for {name}, "
        f"{len(areas) - 1} comparator areas{' and England' if eng.any() else ''}, sorted from highest "
        f"to lowest, with 95% confidence intervals. {name} is highlighted: {shown}."
    )
    if eng.any():
        alt += f" England: {format_value(rows.loc[eng, 'value'].iloc[0], unit)}."
    alt += f" {POLARITY_WORDS.get(m.polarity, '')}"
    notes = []
    for label, names in missing.items():
        notes.append(f"{'No value for' if label == 'No value' else label}: {', '.join(names)}.")
    if absent:
        notes.append(f"Not in the data: {', '.join(absent)}.")
    alt += " " + " ".join(notes)
    caption = caption_text(
        rows["source"], period, "Whiskers: 95% confidence intervals. " + " ".join(notes)
    )
    return " ".join(alt.split()), caption
