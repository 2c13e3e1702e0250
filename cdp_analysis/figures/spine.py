"""Spine chart: the area's latest value on each measure against the spread of England's
upper-tier local authorities (Fingertips style)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..errors import InputError, Problem
from ..tidy import UTLA
from . import palette
from .figure import Figure, caption_text, finish, legend_below, new_figure, styled
from .inputs import any_synthetic, no_duplicates, require_columns, synthetic_rows
from .units import format_value

WHERE = "spine_chart"
SUMMARY_COLUMNS = [
    "measure_id",
    "short_name",
    "unit",
    "period_label",
    "value",
    "england_value",
    "vs_england",
]
POLARITIES = ("higher_is_better", "lower_is_better", "not_applicable")


def spine_positions(summary: pd.DataFrame, spread: pd.DataFrame) -> pd.DataFrame:
    """Scale each measure so England sits at 0 and the area furthest from England at +/-1,
    with better to the right (for ``lower_is_better`` the axis is flipped; for
    ``not_applicable`` higher is to the right).

    ``summary`` has ``value, england_value, polarity``; ``spread`` (same index) has
    ``worst_raw, q25, q75, best_raw`` as minimum, percentiles and maximum of the UTLA values.
    Returns columns ``lo, q25, q75, hi, area`` on the scaled axis (lo <= q25 <= q75 <= hi).
    """
    eng = summary["england_value"].to_numpy(float)
    sign = np.where(summary["polarity"].to_numpy(str) == "lower_is_better", -1.0, 1.0)
    mn, mx = spread["min"].to_numpy(float), spread["max"].to_numpy(float)
    half = np.fmax(np.abs(mn - eng), np.abs(mx - eng))
    half = np.where((half > 0) & np.isfinite(half), half, 1.0)

    def scale(v: np.ndarray) -> np.ndarray:
        return sign * (np.asarray(v, float) - eng) / half

    ends = np.sort(np.stack([scale(mn), scale(mx)]), axis=0)
    mids = np.sort(np.stack([scale(spread["q25"]), scale(spread["q75"])]), axis=0)
    return pd.DataFrame(
        {
            "lo": ends[0],
            "q25": mids[0],
            "q75": mids[1],
            "hi": ends[1],
            "area": scale(summary["value"]),
        },
        index=summary.index,
    )


def _polarity(summary: pd.DataFrame, measures: pd.DataFrame | None) -> pd.Series:
    if "polarity" in summary:
        pol = summary["polarity"].astype(str)
    elif measures is not None:
        key = "measure_id" if "measure_id" in measures else "id"
        require_columns(measures, [key, "polarity"], WHERE + " measures")
        lookup = measures.assign(_id=measures[key].astype(str)).drop_duplicates("_id")
        pol = summary["measure_id"].astype(str).map(lookup.set_index("_id")["polarity"])
    else:
        raise InputError(
            None, Problem("polarity unknown", column="polarity", expected="a polarity per measure"),
            kind=f"{WHERE} data", fix="pass measures= (the catalogue's measures) or add a polarity column",
        )  # fmt: skip
    bad = ~pol.isin(POLARITIES)
    if bad.any():
        raise InputError(
            None,
            Problem(
                "polarity missing or unknown for measures " + ", ".join(summary.loc[bad, "measure_id"].astype(str)),
                rows=summary.index[bad].tolist(), column="polarity", expected=" or ".join(POLARITIES),
            ),
            kind=f"{WHERE} data", fix="add the measures to the catalogue with a polarity",
        )  # fmt: skip
    return pol


def spine_chart(
    summary: pd.DataFrame,
    utla_values: pd.DataFrame,
    *,
    measures: pd.DataFrame | None = None,
    area_name: str | None = None,
    title: str | None = None,
    synthetic: bool | None = None,
) -> Figure:
    """The area against England's range across measures.

    ``summary``: the area's rows of the RAG summary (``measure_id, short_name, unit,
    period_label, value, england_value, vs_england``, and ``polarity`` or ``measures``: a
    frame with ``measure_id`` (or ``id``) and ``polarity``, e.g. ``Catalogue.table()``), in
    the order to draw top to bottom. ``utla_values``: tidy rows (``indicator_id,
    area_code, area_type, period_label, value``) of every UTLA for those measures and periods.
    For each measure the light bands run from the worst area to the 25th percentile and from
    the 75th percentile to the best, the dark band covers the 25th-75th percentiles, the
    black line is England and the marker is the area coloured (and shaped) by its comparison
    with England.
    """
    require_columns(summary, SUMMARY_COLUMNS, WHERE)
    require_columns(
        utla_values, ["indicator_id", "area_code", "area_type", "period_label", "value"], WHERE
    )
    summary = summary.reset_index(drop=True)
    no_duplicates(summary, ["measure_id"], WHERE, "pass one summary row per measure")
    pol = _polarity(summary, measures)
    spread = _spread(summary, utla_values)
    frame = summary.assign(polarity=pol)
    pos = spine_positions(frame, spread)
    drawable = pos.notna().all(axis=1) & frame["england_value"].notna()
    vs = frame["vs_england"].fillna("").astype(str)
    area_name = area_name or (
        str(summary["area_name"].iloc[0]) if "area_name" in summary else "The area"
    )
    n = len(frame)
    counts = {k: int((vs == k).sum()) for k in palette.COMPARISON_STYLE}
    if title is None:
        parts = [f"{counts[k]} {k.lower()}" for k in ("Better", "Similar", "Worse")]
        title = f"{area_name} compared with England on {n} measures: {', '.join(parts)}"
    synthetic = any_synthetic([summary, utla_values], synthetic)

    fig = _draw(pos, drawable.to_numpy(), vs, frame, area_name, (title, synthetic))
    alt, caption = _words(summary, vs, drawable, area_name, title)
    data = frame.join(
        spread.rename(columns={"min": "lowest_area_value", "max": "highest_area_value"})
    )
    cols = ("short_name", "period_label", "value", "england_value", "vs_england", "lowest_area_value",
            "q25", "q75", "highest_area_value")  # fmt: skip
    return Figure(fig, alt, caption, data, title, cols)


def _spread(summary: pd.DataFrame, utla_values: pd.DataFrame) -> pd.DataFrame:
    """Per summary row: the lowest, 25th percentile, 75th percentile and highest value of
    the upper-tier local authorities, and how many there are."""
    utla = utla_values[utla_values["area_type"].astype(str) == UTLA]
    utla = utla.assign(measure_id=utla["indicator_id"].astype(str)).merge(
        summary[["measure_id", "period_label"]].astype(str), on=["measure_id", "period_label"]
    )
    no_duplicates(
        utla, ["measure_id", "period_label", "area_code"], WHERE,
        "filter utla_values to one sex/age/category per measure",
    )  # fmt: skip
    spread = (
        utla.groupby("measure_id")["value"]
        .describe(percentiles=[0.25, 0.75])[["min", "25%", "75%", "max", "count"]]
        .rename(columns={"25%": "q25", "75%": "q75", "count": "n_areas"})
    )
    spread = spread.reindex(summary["measure_id"].astype(str)).set_axis(summary.index)
    return spread


def _draw(
    pos: pd.DataFrame,
    d: np.ndarray,
    vs: pd.Series,
    frame: pd.DataFrame,
    area_name: str,
    words: tuple[str, bool],
) -> MplFigure:
    """The bands, England's line, the area's markers by comparison, and the value table
    (``d``: the rows that can be drawn; ``words``: the title and whether data are synthetic)."""
    title, synthetic = words
    n = len(frame)
    y = np.arange(n)
    with styled():
        fig, (ax, tab) = new_figure(
            10, 1.6 + 0.42 * n, ncols=2, gridspec_kw={"width_ratios": [3, 2]}
        )
        ax.barh(
            y[d], (pos["q25"] - pos["lo"])[d], left=pos["lo"][d], height=0.6,
            color=palette.SPINE_OUTER, label="Range of upper-tier local authorities",
        )  # fmt: skip
        ax.barh(
            y[d], (pos["q75"] - pos["q25"])[d], left=pos["q25"][d], height=0.6,
            color=palette.SPINE_INNER, label="Middle half of areas (25th to 75th percentile)",
        )  # fmt: skip
        ax.barh(
            y[d],
            (pos["hi"] - pos["q75"])[d],
            left=pos["q75"][d],
            height=0.6,
            color=palette.SPINE_OUTER,
        )
        ax.axvline(0, color=palette.ENGLAND, lw=1.5, label="England")
        styles = {**palette.COMPARISON_STYLE, "": palette.NOT_COMPARED_STYLE}
        for key, (colour, marker, label) in styles.items():
            sel = (
                d & (vs.to_numpy() == key)
                if key
                else d & ~vs.isin(list(palette.COMPARISON_STYLE)).to_numpy()
            )
            if sel.any():
                ax.scatter(
                    pos["area"][sel], y[sel], s=70, marker=marker, color=colour,
                    edgecolors="black", linewidths=0.8, zorder=5, label=f"{area_name}: {label}",
                )  # fmt: skip
        fake = synthetic_rows(frame).to_numpy()
        names = frame["short_name"].astype(str).to_numpy()
        # per row: a synthetic measure says so beside its name when the chart mixes them
        ax.set_yticks(y, np.where(fake & ~fake.all(), [f"{n} (synthetic)" for n in names], names))
        ax.set_ylim(n - 0.5, -1.5)  # the top row holds the value table's headings
        ax.set_xlim(-1.08, 1.08)
        ax.set_xticks([-1, 0, 1], ["Worst area", "England", "Best area"])
        ax.set_xlabel("Worse than England  <-  ->  Better than England")
        ax.grid(False)
        ax.spines[["left", "top", "right"]].set_visible(False)
        _value_table(tab, frame, n, area_name)
        legend_below(fig, ncols=3)
        finish(fig, title, synthetic=synthetic)

    return fig


def _words(
    summary: pd.DataFrame, vs: pd.Series, drawable: pd.Series, area_name: str, title: str
) -> tuple[str, str]:
    """The chart's alt text (every measure named under its comparison) and caption."""
    n = len(summary)
    listed = []
    for key in palette.COMPARISON_STYLE:
        names = summary.loc[vs == key, "short_name"].astype(str).tolist()
        if names:
            listed.append(f"{palette.COMPARISON_STYLE[key][2]}: {', '.join(names)}.")
    other = summary.loc[~vs.isin(list(palette.COMPARISON_STYLE)), "short_name"].astype(str).tolist()
    if other:
        listed.append(f"Not compared: {', '.join(other)}.")
    undrawn = summary.loc[~drawable, "short_name"].astype(str).tolist()
    if undrawn:
        listed.append(f"Not drawn (no England value or no area values): {', '.join(undrawn)}.")
    alt = (
        f"Spine chart of {n} measures for {area_name}, each against the range of England's "
        f"upper-tier local authorities with England's value in the middle. {title}. "
        + " ".join(listed)
    )
    caption = caption_text(
        summary["source"] if "source" in summary else pd.Series(dtype=str),
        ", ".join(pd.unique(summary["period_label"].astype(str))),
        "Bands: worst to 25th percentile, 25th to 75th percentile, 75th percentile to best "
        "among upper-tier local authorities; measures where neither higher nor lower is better "
        "have higher values to the right."
        + (
            f" Not drawn (no England value or no area values): {', '.join(undrawn)}."
            if undrawn
            else ""
        ),
    )
    return " ".join(alt.split()), caption


def _value_table(ax, frame: pd.DataFrame, n: int, area_name: str) -> None:
    """Period, area value and England value as text columns beside the spine, headed in
    the row above the first measure (y = -1, which the spine axes leave empty)."""
    units = frame["unit"].astype(str).tolist()
    columns = [
        ("left", 0.0, "Period", frame["period_label"].astype(str).tolist()),
        (
            "center",
            1.5,
            area_name[:16],
            [format_value(v, u) for v, u in zip(frame["value"], units, strict=True)],
        ),
        (
            "right",
            3.0,
            "England",
            [format_value(v, u) for v, u in zip(frame["england_value"], units, strict=True)],
        ),
    ]
    ax.set_xlim(0, 3)
    ax.set_ylim(n - 0.5, -1.5)
    ax.axis("off")
    for ha, x, head, values in columns:
        ax.text(x, -1, head, ha=ha, va="center", fontsize=9, fontweight="bold")
        for j, text in enumerate(values):
            ax.text(x, j, text.replace(" per 100,000", "/100k"), ha=ha, va="center", fontsize=9)
