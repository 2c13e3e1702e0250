"""Trend chart: an area's series over time with its 95% band, England, an optional
comparator, and the plan's target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..errors import InputError, Problem
from ..stats import BETTER, HIGHER, LOWER, NOT_APPLICABLE, POLARITIES, SIMILAR, WORSE, compare
from . import palette
from .figure import Figure, caption_text, finish, legend_below, new_figure, styled
from .inputs import (
    any_synthetic,
    england_mask,
    no_duplicates,
    no_rows,
    require_columns,
    same_breakdown,
    single_value,
)
from .time_axis import date_numbers, time_axis
from .units import POLARITY_WORDS, format_interval, format_value, measure_info, missing_label

WHERE = "trend_chart"
REQUIRED = [
    "indicator_id", "area_code", "area_name", "period_label", "period_end",
    "value", "lower_95", "upper_95", "source",
]  # fmt: skip
TARGET_KINDS = ("value", "multiple", "direction")


@dataclass(frozen=True)
class TargetLine:
    """The plan's target as drawn on a trend chart.

    - ``kind="value"``: reach ``value`` (in the measure's unit), drawn as a horizontal line.
    - ``kind="multiple"``: reach ``multiple`` x the baseline ("more than double" -> 2), drawn
      as a horizontal line at baseline x multiple. The baseline is ``baseline_value`` or the
      area's value in ``baseline_period``.
    - ``kind="direction"``: a statistically significant ``direction`` ("increase" or
      "decrease") from the baseline; the baseline period is marked, and with ``threshold``
      (the value the judged period must pass for the change to be significant:
      :func:`cdp_analysis.assessment.baseline.significance_threshold`) a horizontal line is
      drawn at that level. Without one no target level is drawn.

    With ``target_date`` and a baseline, a dotted trajectory joins the baseline to the target.
    """

    kind: str
    value: float | None = None
    multiple: float | None = None
    baseline_period: str | None = None
    baseline_value: float | None = None
    direction: str | None = None
    target_date: date | None = None
    label: str = ""
    threshold: float | None = None

    @classmethod
    def from_target(
        cls,
        target: Any,
        *,
        baseline_period: str | None = None,
        target_date: date | None = None,
    ) -> TargetLine | None:
        """From a :class:`cdp_analysis.plan.catalogue.Target` (``type`` value,
        multiple_of_baseline, direction or none). ``baseline_period`` is the period label of
        the baseline in the charted series (e.g. ``2022/23`` or ``2022/23 Q4``);
        ``target_date`` is usually the plan's end. None for ``type="none"``."""
        kind = {"value": "value", "multiple_of_baseline": "multiple", "direction": "direction"}.get(
            str(getattr(target, "type", ""))
        )
        if kind is None:
            return None
        return cls(
            kind=kind,
            value=getattr(target, "value", None),
            multiple=getattr(target, "multiple", None),
            baseline_period=baseline_period,
            baseline_value=getattr(target, "baseline_value", None),
            direction=getattr(target, "direction", None),
            target_date=target_date,
            label=str(getattr(target, "reason", "") or ""),
        )

    @classmethod
    def coerce(cls, target: Any) -> TargetLine | None:
        """Accept a TargetLine, a mapping with the same keys, or a catalogue Target."""
        if target is None or isinstance(target, TargetLine):
            return target
        if isinstance(target, Mapping):
            return cls(**{k: target[k] for k in cls.__dataclass_fields__ if k in target})
        if hasattr(target, "type"):
            return cls.from_target(target)
        raise _target_problem(
            f"a target of type {type(target).__name__}", "target", "TargetLine or mapping"
        )


def _target_problem(message: str, column: str, expected: str) -> InputError:
    return InputError(
        None,
        Problem(message, column=column, expected=expected),
        kind=f"{WHERE} target",
        fix="give the target as TargetLine(kind='value', value=...), "
        "TargetLine(kind='multiple', multiple=2, baseline_period='2022/23') or "
        "TargetLine(kind='direction', direction='increase', baseline_period='2022/23')",
    )


def _select(data: pd.DataFrame, area_code: str, comparator_code: str | None):
    require_columns(data, REQUIRED, WHERE)
    single_value(data, "indicator_id", WHERE, "pass one indicator's rows")
    area = data[data["area_code"].astype(str) == area_code]
    if area.empty:
        raise no_rows(WHERE, f"area {area_code}", "area_code", area_code, "pass the area's rows")
    for col in ("sex", "age", "category"):
        if col in area:
            single_value(area, col, WHERE, f"filter the rows to one {col} before plotting")
    no_duplicates(area, ["area_code", "period_end"], WHERE, "pass one row per period")
    same = same_breakdown(data, area)
    england = same[england_mask(same)]
    no_duplicates(england, ["area_code", "period_end"], WHERE, "pass one England row per period")
    comparator = same.iloc[0:0]
    if comparator_code:
        comparator = same[same["area_code"].astype(str) == comparator_code]
        if comparator.empty:
            raise no_rows(
                WHERE, f"comparator {comparator_code}", "area_code", comparator_code,
                "pass the comparator's rows or leave comparator_code out",
            )  # fmt: skip
        no_duplicates(comparator, ["area_code", "period_end"], WHERE, "one row per period")
    return (
        area.sort_values("period_end"),
        england.sort_values("period_end"),
        comparator.sort_values("period_end"),
    )


def _target_value(target: TargetLine, area: pd.DataFrame) -> tuple[float | None, pd.Series | None]:
    """(target level or None, baseline row or None)."""
    if target.kind not in TARGET_KINDS:
        raise _target_problem(
            f"unknown target kind '{target.kind}'", "kind", " or ".join(TARGET_KINDS)
        )
    baseline = None
    if target.baseline_period:
        hit = area[area["period_label"].astype(str) == target.baseline_period]
        if hit.empty:
            raise _target_problem(
                f"baseline period '{target.baseline_period}' is not among the area's periods",
                "baseline_period",
                "one of " + ", ".join(area["period_label"].astype(str).tolist()[:8]),
            )
        baseline = hit.iloc[0]
    if target.kind == "value":
        if target.value is None:
            raise _target_problem("a value target needs value", "value", "a number")
        return float(target.value), baseline
    if target.kind == "multiple":
        if target.multiple is None:
            raise _target_problem("a multiple target needs multiple", "multiple", "e.g. 2")
        base = target.baseline_value
        if base is None and baseline is not None:
            base = baseline["value"]
        if base is None or pd.isna(base):
            raise _target_problem(
                "a multiple target needs a baseline value", "baseline_value",
                "baseline_value, or baseline_period naming a period with a value",
            )  # fmt: skip
        return float(base) * float(target.multiple), baseline
    if baseline is None:
        raise _target_problem(
            "a direction target needs its baseline period", "baseline_period", "e.g. 2022/23"
        )
    if target.direction not in ("increase", "decrease"):
        raise _target_problem(
            f"unknown direction '{target.direction}'", "direction", "increase or decrease"
        )
    if target.threshold is None or pd.isna(target.threshold):
        return None, baseline
    return float(target.threshold), baseline


def _comparison(latest: pd.Series, england: pd.DataFrame, polarity: str) -> tuple[str, float]:
    """Words for the latest point against England's value for the same period, by
    :func:`cdp_analysis.stats.compare` (the area's 95% interval against England's value):
    ``significantly lower than England (worse)``, ``similar to England``... or ``""`` when
    not compared; and England's value."""
    eng = england[england["period_end"] == latest["period_end"]]
    if eng.empty or pd.isna(eng["value"].iloc[0]):
        return "", np.nan
    e = float(eng["value"].iloc[0])
    if polarity not in POLARITIES:
        polarity = NOT_APPLICABLE
    label = compare(latest["lower_95"], latest["upper_95"], e, polarity)
    if label == SIMILAR:
        return "similar to England", e
    if label not in (BETTER, WORSE, HIGHER, LOWER):
        return "", e
    side = "higher" if latest["value"] > e else "lower"
    verdict = f" ({label.lower()})" if label in (BETTER, WORSE) else ""
    return f"significantly {side} than England{verdict}", e


def trend_chart(
    data: pd.DataFrame,
    area_code: str,
    *,
    measure: Any = None,
    comparator_code: str | None = None,
    target: TargetLine | Mapping[str, Any] | None = None,
    title: str | None = None,
    synthetic: bool | None = None,
) -> Figure:
    """An area's values over time with a 95% confidence band, England's line, an optional
    comparator (e.g. the region) and the target.

    ``data``: tidy rows of one indicator (the area, England and the comparator; other areas
    are ignored). ``measure``: the catalogue entry (``short_name``, ``name``, ``unit``,
    ``polarity``). The title states how the latest value compares with England (the area's
    95% interval against England's value) unless ``title`` is given.
    """
    m = measure_info(measure, data)
    area, england, comparator = _select(data, area_code, comparator_code)
    tgt = TargetLine.coerce(target)
    target_level, baseline = _target_value(tgt, area) if tgt else (None, None)
    name = str(area["area_name"].iloc[0])
    valued = area[area["value"].notna()]
    latest = valued.iloc[-1] if len(valued) else area.iloc[-1]
    phrase, eng_value = _comparison(latest, england, m.polarity)
    period = str(latest["period_label"])
    first, last = str(area["period_label"].iloc[0]), str(area["period_label"].iloc[-1])
    if title is None:
        title = (
            f"{m.label} in {name}: {phrase} in {period}"
            if phrase
            else f"{m.label} in {name}, {first} to {last}"
        )
    synthetic = any_synthetic([area, england, comparator], synthetic)
    target_date = pd.Timestamp(tgt.target_date) if tgt and tgt.target_date else None

    fig, target_sentence = _draw(
        area, england, comparator, m, name, (tgt, target_level, baseline, target_date),
        title, synthetic,
    )  # fmt: skip
    alt = _alt(area, england, comparator, m, name, latest, (phrase, eng_value), target_sentence)
    shown = pd.concat([area, england, comparator])
    caption = caption_text(
        shown["source"], f"{first} to {last}", "Shaded band: 95% confidence interval."
    )
    return Figure(fig, " ".join(alt.split()), caption, shown.reset_index(drop=True), title)


def _draw(
    area: pd.DataFrame,
    england: pd.DataFrame,
    comparator: pd.DataFrame,
    m: Any,
    name: str,
    target: tuple,
    title: str,
    synthetic: bool,
) -> tuple[MplFigure, str]:
    """The area's band and line, England's and the comparator's lines and the target
    (``target``: the line, its level, the baseline row and the target date); returns the
    figure and the target's sentence for the alt text."""
    tgt, target_level, baseline, target_date = target
    with styled():
        fig, ax = new_figure(8, 4.6)
        x = date_numbers(area["period_end"])
        ax.fill_between(
            x, area["lower_95"].to_numpy(float), area["upper_95"].to_numpy(float),
            color=palette.AREA_BAND, linewidth=0, label=f"{name}: 95% confidence interval",
        )  # fmt: skip
        ax.plot(
            x, area["value"].to_numpy(float), color=palette.AREA, marker="o", ms=4, lw=2, label=name
        )
        if len(england):
            ax.plot(
                date_numbers(england["period_end"]), england["value"].to_numpy(float),
                color=palette.ENGLAND, lw=1.5, ls="-", marker="", label="England",
            )  # fmt: skip
        if len(comparator):
            ax.plot(
                date_numbers(comparator["period_end"]), comparator["value"].to_numpy(float),
                color=palette.COMPARATOR, lw=1.5, ls="--", marker="s", ms=3.5,
                label=str(comparator["area_name"].iloc[0]),
            )  # fmt: skip
        target_sentence = ""
        if tgt is not None:
            target_sentence = _draw_target(ax, tgt, target_level, baseline, m.unit, target_date)
        xlabel = time_axis(ax, area["period_end"], area["period_label"], extend_to=target_date)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(m.axis_label)
        ax.set_ylim(bottom=0)
        legend_below(fig, ncols=3)
        finish(fig, title, synthetic=synthetic)
    return fig, target_sentence


def _alt(
    area: pd.DataFrame,
    england: pd.DataFrame,
    comparator: pd.DataFrame,
    m: Any,
    name: str,
    latest: pd.Series,
    comparison: tuple[str, float],
    target_sentence: str,
) -> str:
    """The chart's alt text (``comparison``: the phrase comparing the latest value with
    England, and England's value)."""
    phrase, eng_value = comparison
    unit = m.unit
    first, last = str(area["period_label"].iloc[0]), str(area["period_label"].iloc[-1])
    period = str(latest["period_label"])
    comp_text = f", {comparator['area_name'].iloc[0]}" if len(comparator) else ""
    lines = f"England{comp_text}" if len(england) else comp_text.lstrip(", ")
    alt = (
        f"Line chart of {m.name or m.label} in {name}, {first} to {last}, with the 95% "
        f"confidence interval shaded{' and lines for ' + lines if lines else ''}. "
        f"In {period}, {name} was {format_value(latest['value'], unit)}"
        f"{format_interval(latest['lower_95'], latest['upper_95'], unit)}"
    )
    if not pd.isna(eng_value):
        alt += f" and England {format_value(eng_value, unit)}"
    alt += f": {phrase}." if phrase else "."
    alt += f" {POLARITY_WORDS.get(m.polarity, '')} {target_sentence}".rstrip()
    gaps: dict[str, list[str]] = {}  # suppressed is not missing: grouped by why (issue 13)
    for _, r in area[area["value"].isna()].iterrows():
        gaps.setdefault(missing_label(r.get("value_note", "")), []).append(str(r["period_label"]))
    for why, periods in gaps.items():
        head = "No value for" if why == "No value" else f"{why}:"
        alt += f" {head} {', '.join(periods)} (gaps in the line)."
    return alt


def _draw_target(ax, tgt: TargetLine, level, baseline, unit: str, target_date) -> str:
    """Draw the target and return a sentence describing it for the alt text."""
    by = f" by {target_date:%d %B %Y}" if target_date is not None else ""
    words = f" ({tgt.label})" if tgt.label else ""
    xb = date_numbers(pd.Series([baseline["period_end"]]))[0] if baseline is not None else None
    if tgt.kind == "direction":
        ax.axvline(
            xb, color=palette.BASELINE, ls=":", lw=1.5, label=f"Baseline ({tgt.baseline_period})"
        )
        sentence = (
            f"The target is a statistically significant {tgt.direction} from the "
            f"{tgt.baseline_period} baseline of {format_value(baseline['value'], unit)}{by}{words}."
        )
        if level is None:  # no level to draw: the baseline is marked, not a target point
            return sentence
        bound = "at least" if tgt.direction == "increase" else "at most"
        label = (
            f"Target: significant {tgt.direction} on {tgt.baseline_period}, "
            f"{bound} {format_value(level, unit)}"
        )
        sentence += (
            f" With the latest period's numbers that means {bound} "
            f"{format_value(level, unit)}: the target line is drawn there."
        )
        base = baseline["value"]
    elif tgt.kind == "multiple":
        base = level / float(tgt.multiple)
        label = f"Target: {tgt.multiple:g} x {tgt.baseline_period or 'baseline'} = {format_value(level, unit)}"
        sentence = (
            f"The target is {tgt.multiple:g} times the {tgt.baseline_period or 'baseline'} "
            f"baseline of {format_value(base, unit)}, that is {format_value(level, unit)}{by}{words}."
        )
    else:
        base = baseline["value"] if baseline is not None else None
        label = f"Target: {format_value(level, unit)}"
        sentence = f"The target is {format_value(level, unit)}{by}{words}."
    ax.axhline(level, color=palette.TARGET, ls="-.", lw=1.5, label=label)
    if target_date is not None and xb is not None and base is not None and not pd.isna(base):
        xt = date_numbers(pd.Series([target_date]))[0]
        ax.plot(
            [xb, xt],
            [base, level],
            color=palette.TARGET,
            ls=":",
            lw=1.5,
            label="Trajectory to target",
        )
    return sentence
