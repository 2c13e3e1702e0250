"""Target assessment: achieved, on track, at risk, off track, not achieved, insufficient data.

Decision rules (docs/assessment.md gives them in full, with examples):

Threshold
    ``value``: the target value. ``multiple_of_baseline``: multiple x baseline value.
    ``direction``: the baseline value, which the latest value must differ from
    significantly (baseline test of :mod:`.baseline`) in the target's direction. The baseline
    value is the plan's ``baseline_value`` when given, else the data's baseline period.

End of plan (data reach the plan end: a period ending on or after it, by the reporting
quarter; the first such period is judged)
    ``achieved`` when that period meets the target (for direction targets: a significant
    change in the target's direction since the baseline), else ``not achieved``.

During the plan (latest period = the latest ending by the reporting quarter)
    - ``achieved``: the latest period already meets the target and the trend projection to
      the plan end still does (or there is no projection);
    - otherwise, from the trend model's projection to the plan end (central value and 95%
      range, :func:`.trends.project`; the model of the baseline period and the periods
      after it once there are 3 non-overlapping ones, else of the whole series:
      :func:`.trends.projection_models`):

      value and multiple targets: ``on track`` when the central projection meets the
      target; ``at risk`` when it does not but the 95% range reaches it (or when the
      target is met now but the central projection falls short); ``off track`` when the
      whole range falls short.

      direction targets: ``on track`` when the whole 95% range lies beyond the baseline
      value in the target's direction (a significant change is projected); ``at risk``
      when only the central projection does (or the change is significant now but the
      projection turns back); ``off track`` when the central projection is not beyond it.
    - ``insufficient data``: no value for the area, no baseline (for direction and
      multiple targets), no period after the baseline, or too few points for a projection
      (fewer than 3 non-overlapping periods) when the target is not already met.

``provisional``: the judged period's figure is provisional (its note says so, e.g. completions
whose six-month re-presentation window has not closed): no verdict is given until it is final;
the reason gives the direction of the change since the baseline and the status the figure
would have (never ``not achieved`` on a provisional figure).

``no target``: the plan sets none (type ``none``) or no plan was given (the national frame:
the reason says so).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..disclosure import withheld_reason
from .baseline import CANNOT, DECREASE, INCREASE, NOT_TESTED
from .display import DASH, month_year, p_text, value_text

ACHIEVED = "achieved"
ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
NOT_ACHIEVED = "not achieved"
INSUFFICIENT = "insufficient data"
NO_TARGET = "no target"
PROVISIONAL = "provisional"
STATUSES = (ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, NOT_ACHIEVED, PROVISIONAL, INSUFFICIENT,
            NO_TARGET)  # fmt: skip

#: The reason given for every measure of an area with no plan of its own.
NO_PLAN_REASON = "No local plan was given: compared with England and over time."

TARGET_COLUMNS = [
    "measure_id", "target_type", "target_text", "threshold", "baseline_period",
    "baseline_value", "assessed_period", "assessed_value", "projection_basis", "projected_to",
    "projected", "projected_lower", "projected_upper", "end_of_plan", "status", "reason",
]  # fmt: skip

_MULTIPLE_WORDS = {2.0: "double", 3.0: "treble", 4.0: "four times"}
_COMPARISON_WORDS = {
    "more_than": "more than",
    "at_least": "at least",
    "less_than": "less than",
    "at_most": "at most",
}


def meets(values, threshold, comparison) -> np.ndarray:
    """Whether each value meets its threshold under its comparison (NaN -> False)."""
    v = np.asarray(values, float)
    t = np.asarray(threshold, float)
    c = np.asarray(comparison, object)
    with np.errstate(invalid="ignore"):
        return (
            np.select(
                [c == "more_than", c == "at_least", c == "less_than", c == "at_most"],
                [v > t, v >= t, v < t, v <= t],
                False,
            )
            & np.isfinite(v)
            & np.isfinite(t)
        )


def _comparison(targets: pd.DataFrame, polarity: pd.Series) -> pd.Series:
    """The comparison of each target; direction targets and defaults follow the direction
    (increase -> more_than) or polarity (higher_is_better -> at_least)."""
    by_direction = targets["direction"].map({"increase": "more_than", "decrease": "less_than"})
    by_polarity = polarity.map({"higher_is_better": "at_least", "lower_is_better": "at_most"})
    comp = targets["comparison"].where(targets["comparison"].ne(""), np.nan)
    comp = comp.where(~targets["target_type"].eq("direction"), by_direction)
    return comp.fillna(by_polarity).fillna("")


def _target_text(t: dict, unit: str, base_label: str) -> str:
    kind = t["target_type"]
    comp = _COMPARISON_WORDS.get(t["comparison"], "")
    if kind == "value":
        return f"{comp} {value_text(t['target_value'], unit)}".strip().capitalize()
    if kind == "multiple_of_baseline":
        words = _MULTIPLE_WORDS.get(float(t["multiple"]), f"{t['multiple']:g} times")
        used = t.get("baseline_period")
        used = used if isinstance(used, str) and used else base_label
        value = t["baseline_value"]
        base = (
            f"{used}'s {value_text(value, unit)}" if np.isfinite(value) else f"the {used} baseline"
        )
        text = f"{comp} {words} {base}".strip()
        if used != base_label:  # the period judged against, and the plan's baseline year
            text += f" (the plan's {base_label} baseline)"
        return text[:1].upper() + text[1:]  # not capitalize(): it lowers "Q4"
    if kind == "direction":
        return f"A significant {t['direction']} on {_baseline_words(t, base_label)}"
    return "No target: monitored"


def _baseline_words(t: dict, base_label: str) -> str:
    """The period the target is judged against: the data's baseline period when it differs
    from the plan's baseline year (e.g. "2019-21 (the plan's 2022/23 baseline)")."""
    used = t.get("baseline_period")
    if isinstance(used, str) and used and used != base_label:
        return f"{used} (the plan's {base_label} baseline)"
    return base_label


def assess_targets(
    measures: pd.DataFrame,
    targets: pd.DataFrame,
    current: pd.DataFrame,
    change: pd.DataFrame,
    projection: pd.DataFrame,
    plan: dict,
    area_codes: list[str],
) -> pd.DataFrame:
    """Status of every measure's target for each area (one row per target and area;
    measures with no target get a ``no target`` row).

    Args:
        measures: :func:`.measures.measure_table`.
        targets: :func:`.measures.target_table` of the plan (may be empty).
        current: the row judged for each measure and area: the first period ending on or
            after the plan end when the data reach it, else the latest.
        change: :func:`.baseline.change_since_baseline` of ``current`` against the baseline.
        projection: :func:`.trends.project` of the series models to the plan end.
        plan: :func:`.measures.plan_info`.
        area_codes: the areas assessed (every one gets a row for every measure).
    """
    df = _assessment_frame(measures, targets, current, change, projection, area_codes)
    plan_end = plan.get("end")
    ended = (
        df["period_end"].ge(pd.Timestamp(plan_end))
        if plan_end
        else pd.Series(False, index=df.index)
    )
    kind = df["target_type"]
    status = _status(df, ended)
    provisional = df["value_note"].fillna("").astype(str).str.contains("provisional", case=False)
    judged = ~pd.Series(status, index=df.index).isin([NO_TARGET, INSUFFICIENT])
    df["would_be"] = status
    df["status"] = np.where(provisional & judged, PROVISIONAL, status)
    df["end_of_plan"] = ended & ~kind.eq("none") & df["value"].notna()
    base_label = plan.get("baseline_period") or "2022/23"
    # text only: one short sentence per measure
    records = df.to_dict("records")
    df["target_text"] = [_target_text(t, t["unit"], base_label) for t in records]
    df["reason"] = [_reason(t, plan) for t in records]
    df = df.rename(columns={"period_label": "assessed_period", "value": "assessed_value"})
    df = df.sort_values(["area_code", "order"])
    return df[["area_code", *TARGET_COLUMNS]].reset_index(drop=True)


def _assessment_frame(
    measures: pd.DataFrame,
    targets: pd.DataFrame,
    current: pd.DataFrame,
    change: pd.DataFrame,
    projection: pd.DataFrame,
    area_codes: list[str],
) -> pd.DataFrame:
    """One row per measure and area with its target, judged value, change since the
    baseline, projection and ``threshold`` (see the module docstring)."""
    grid = measures[["measure_id", "unit", "polarity", "order"]].merge(
        pd.DataFrame({"area_code": list(area_codes)}), how="cross"
    )
    df = grid.merge(targets, on="measure_id", how="left")
    df["target_type"] = df["target_type"].fillna("none")
    for col in ("comparison", "direction", "target_reason", "objective"):
        df[col] = df[col].fillna("")
    df["comparison"] = _comparison(df, df["polarity"])
    key = ["measure_id", "area_code"]
    df = df.merge(
        current[[*key, "period_label", "period_end", "value", "value_note"]], on=key, how="left"
    ).merge(
        change[[*key, "baseline_period", "baseline_value", "difference", "p_value", "change",
                "change_reason", "baseline_value_note"]],
        on=key,
        how="left",
    )  # fmt: skip
    df = df.merge(
        projection[
            [*key, "basis", "projected_to", "projected", "projected_lower", "projected_upper"]
        ].rename(columns={"basis": "projection_basis"}),
        on=key,
        how="left",
    )
    # the plan's own baseline value overrides the data's
    df["data_baseline_value"] = df["baseline_value"]
    plan_base = df["plan_baseline_value"].notna()
    df.loc[plan_base, "baseline_value"] = df.loc[plan_base, "plan_baseline_value"]
    df["threshold"] = np.select(
        [df["target_type"].eq("value"), df["target_type"].eq("multiple_of_baseline"),
         df["target_type"].eq("direction")],
        [df["target_value"], df["multiple"] * df["baseline_value"], df["baseline_value"]],
        np.nan,
    )  # fmt: skip
    return df


def _status(df: pd.DataFrame, ended: pd.Series) -> np.ndarray:
    """The status of each row of :func:`_assessment_frame` before the provisional rule."""
    kind = df["target_type"]
    direction = kind.eq("direction")
    up = df["direction"].eq("increase")
    has_value = df["value"].notna()
    has_projection = df["projected"].notna()
    # met now: value and multiple targets by value; direction targets by the baseline test
    right_change = np.where(up, df["change"].eq(INCREASE), df["change"].eq(DECREASE))
    untested_right = df["change"].eq(NOT_TESTED) & np.where(
        up, df["difference"].gt(0), df["difference"].lt(0)
    )
    met_now = np.where(
        direction,
        right_change | untested_right,
        meets(df["value"], df["threshold"], df["comparison"]),
    )
    # projection tests
    central_ok = meets(df["projected"], df["threshold"], df["comparison"])
    worst = np.where(
        df["comparison"].isin(["more_than", "at_least"]),
        df["projected_lower"],
        df["projected_upper"],
    )
    best = np.where(
        df["comparison"].isin(["more_than", "at_least"]),
        df["projected_upper"],
        df["projected_lower"],
    )
    whole_range_ok = meets(worst, df["threshold"], df["comparison"])
    reach_ok = meets(best, df["threshold"], df["comparison"])
    on_track = np.where(direction, whole_range_ok, central_ok)
    at_risk_band = np.where(direction, central_ok, reach_ok)

    no_baseline = (kind.isin(["direction", "multiple_of_baseline"])) & df["baseline_value"].isna()
    no_change_yet = direction & df["change"].eq(CANNOT)
    return np.select(
        [
            kind.eq("none"),
            ~has_value,
            no_baseline,
            no_change_yet,
            ended & met_now,
            ended,
            met_now & (~has_projection | central_ok),
            met_now,
            ~has_projection,
            on_track,
            at_risk_band,
        ],
        [NO_TARGET, INSUFFICIENT, INSUFFICIENT, INSUFFICIENT, ACHIEVED, NOT_ACHIEVED,
         ACHIEVED, AT_RISK, INSUFFICIENT, ON_TRACK, AT_RISK],
        OFF_TRACK,
    )  # fmt: skip


def _v(x: float, unit: str) -> str:
    return value_text(x, unit)


def _withheld_words(t: dict, unit: str) -> str:
    """Why the target cannot be judged when its latest or baseline value was suppressed (or
    not calculated) for small numbers; ``""`` otherwise."""
    label = t["period_label"] if isinstance(t["period_label"], str) else ""
    if not label or t["status"] != INSUFFICIENT:
        return ""
    if not np.isfinite(t["value"]):
        why = withheld_reason(t["value_note"])
        return f"The {label} value was {why}, so the target cannot be judged." if why else ""
    if t["target_type"] not in ("direction", "multiple_of_baseline") or np.isfinite(
        t["baseline_value"]
    ):
        return ""
    why = withheld_reason(t.get("baseline_value_note"))
    if not why:
        return ""
    base_period = t["baseline_period"] if isinstance(t["baseline_period"], str) else ""
    when = f" ({base_period})" if base_period else ""
    now = f"{_v(t['value'], unit)} in {'the ' if label.startswith('12 months') else ''}{label}"
    return f"{now}; the baseline value{when} was {why}, so the target cannot be judged."


def _reason(t: dict, plan: dict) -> str:
    """The status in plain words."""
    unit, status, kind = t["unit"], t["status"], t["target_type"]
    if status == NO_TARGET and not plan.get("plan_id"):
        return NO_PLAN_REASON
    if status == NO_TARGET:
        return "The plan sets no target for this measure: it is monitored."
    withheld = _withheld_words(t, unit)
    if withheld:
        return withheld
    if not np.isfinite(t["value"]):
        note = (
            f" ({t['value_note']})" if isinstance(t["value_note"], str) and t["value_note"] else ""
        )
        if isinstance(t["period_label"], str) and t["period_label"]:
            return f"No value for {t['period_label']}{note}."
        return "No data for this area in the bundled files."
    base_words, goal = _goal_words(t)
    label = t["period_label"]
    now = f"{_v(t['value'], unit)} in {'the ' if label.startswith('12 months') else ''}{label}"
    if status == INSUFFICIENT:
        if kind in ("direction", "multiple_of_baseline") and not np.isfinite(t["baseline_value"]):
            return f"{now}; no value for the baseline period, so the target cannot be judged."
        if kind == "direction" and t["change"] == CANNOT:
            why = t["change_reason"] or "the change since the baseline cannot be tested"
            return f"{now}; {why[0].lower() + why[1:]}: the target is {goal}."
        return f"{now}; too few periods to project the trend: the target is {goal}."
    end = plan.get("end")
    end_words = month_year(end) if end else "the plan end"
    if status == PROVISIONAL:
        return _provisional_reason(t, now, base_words, goal)
    return _judged_reason(t, now, base_words, goal, end_words)


def _goal_words(t: dict) -> tuple[str, str]:
    """The baseline in words ("2022/23's 45%") and the target in words."""
    unit, kind = t["unit"], t["target_type"]
    base_period = t["baseline_period"] if isinstance(t["baseline_period"], str) else ""
    base = _v(t["baseline_value"], unit)
    if base_period.startswith("12 months"):
        base_words = f"{base} in the {base_period}"
    else:
        base_words = f"{base_period}'s {base}" if base_period else base
    if kind == "direction":
        goal = f"a significant {t['direction']} on {base_words}"
    elif kind == "multiple_of_baseline":
        words = _MULTIPLE_WORDS.get(float(t["multiple"]), f"{t['multiple']:g} times")
        goal = (
            f"{_COMPARISON_WORDS.get(t['comparison'], '')} {words} {base_words} "
            f"({_COMPARISON_WORDS.get(t['comparison'], '')} {_v(t['threshold'], unit)})"
        )
    else:
        goal = f"{_COMPARISON_WORDS.get(t['comparison'], '')} {_v(t['threshold'], unit)}"
    return base_words, goal


def _provisional_reason(t: dict, now: str, base_words: str, goal: str) -> str:
    """A provisional figure: its direction and what the status would be on it."""
    diff = t["difference"]
    way = (
        "up on" if np.isfinite(diff) and diff > 0
        else "down on" if np.isfinite(diff) and diff < 0
        else "level with" if np.isfinite(diff) else "compared with"
    )  # fmt: skip
    would = {ACHIEVED: "met", ON_TRACK: "on track", AT_RISK: "at risk",
             OFF_TRACK: "off track", NOT_ACHIEVED: "not met"}.get(t["would_be"], "")  # fmt: skip
    so_far = f" (on this figure the target would be {would})" if would else ""
    when = "end-of-plan verdict" if t["end_of_plan"] else "rating"
    return (
        f"Provisional: {now}, {way} {base_words}{so_far}; the {when} waits for the final "
        f"figure. The target is {goal}."
    )


def _judged_reason(t: dict, now: str, base_words: str, goal: str, end_words: str) -> str:
    """The reason for an end-of-plan verdict or a rating during the plan."""
    unit, status, kind = t["unit"], t["status"], t["target_type"]
    test = ""
    if kind == "direction" and np.isfinite(t["p_value"]):
        test = f" ({p_text(t['p_value'])})"
    if t["end_of_plan"]:
        if kind == "direction":
            result = (t["change"] or "").lower() if t["change"] else "no test"
            judged = f"{now} against {base_words}: {result}{test}"
        else:
            judged = f"{now} against a target of {goal}"
        verdict = "achieved" if status == ACHIEVED else "not achieved"
        return f"End of plan ({end_words}): {judged}; {verdict}."
    projected = ""
    if np.isfinite(t["projected"]):
        rng = ""
        if np.isfinite(t["projected_lower"]) and np.isfinite(t["projected_upper"]):
            rng = (
                f" (95% range {_v(t['projected_lower'], unit)}{DASH}"
                f"{_v(t['projected_upper'], unit)})"
            )
        projected = f"Projected {_v(t['projected'], unit)} by {end_words}{rng}"
    if status == ACHIEVED:
        if kind == "direction":
            return f"Met now: {now}, {t['change'].lower()} on {base_words}{test}."
        return f"Met now: {now}; the target is {goal}."
    if status == AT_RISK and projected and _met_now_text(t):
        return f"Met now ({now}), but the trend falls back: {projected[0].lower()}{projected[1:]}; the target is {goal}."
    return f"{projected}; the target is {goal}."


def _met_now_text(t: dict) -> bool:
    if t["target_type"] == "direction":
        want = INCREASE if t["direction"] == "increase" else DECREASE
        return t["change"] == want
    return bool(meets([t["value"]], [t["threshold"]], [t["comparison"]])[0])


def plan_end_rows(
    series_rows: pd.DataFrame, latest: pd.DataFrame, end: date | None
) -> pd.DataFrame:
    """The row judged for each measure: the first period ending on or after the plan end
    (when the data reach it), else the latest row."""
    if end is None:
        return latest
    reached = series_rows[series_rows["period_end"] >= pd.Timestamp(end)]
    first = reached.sort_values("period_end").drop_duplicates(["measure_id", "area_code"])
    rest = latest[
        ~latest.set_index(["measure_id", "area_code"]).index.isin(
            first.set_index(["measure_id", "area_code"]).index
        )
    ]
    return pd.concat([first, rest], ignore_index=True)
