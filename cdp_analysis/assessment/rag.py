"""The RAG summary: one row per measure of the plan, by priority and objective.

RAG rules
    green  the target is ``achieved`` or ``on track``;
    amber  the target is ``at risk``;
    red    the target is ``off track``, or ``not achieved`` at the end of the plan;
    grey   ``provisional`` (the figure judged is provisional: no verdict yet),
           ``insufficient data``, ``no target`` (a monitored measure, or no local plan), or
           no data for the area (reason "No data for this area in the bundled files").

A measure with several targets takes its least favourable status (red, then amber, then
grey for insufficient data, then green), and lists every target.
"""

from __future__ import annotations

import pandas as pd

from . import targets as tg
from .display import range_text, values_text

RED, AMBER, GREEN, GREY = "red", "amber", "green", "grey"
RAG_OF_STATUS = {
    tg.ACHIEVED: GREEN,
    tg.ON_TRACK: GREEN,
    tg.AT_RISK: AMBER,
    tg.OFF_TRACK: RED,
    tg.NOT_ACHIEVED: RED,
    tg.PROVISIONAL: GREY,
    tg.INSUFFICIENT: GREY,
    tg.NO_TARGET: GREY,
}
#: Least favourable first: the status a measure with several targets shows.
_SEVERITY = [tg.NOT_ACHIEVED, tg.OFF_TRACK, tg.AT_RISK, tg.PROVISIONAL, tg.INSUFFICIENT,
             tg.ON_TRACK, tg.ACHIEVED, tg.NO_TARGET]  # fmt: skip
NO_DATA = "No data for this area in the bundled files"

SUMMARY_COLUMNS = [
    "priority", "priority_name", "objectives", "measure_id", "short_name", "unit",
    "period_label", "value", "value_display", "lower_95", "upper_95", "interval_display",
    "value_note", "england_value", "england_display", "vs_england", "comparator_rank",
    "national_rank", "funnel_position", "trend", "change_since_baseline", "target_text",
    "target_status", "rag", "reason", "synthetic", "source",
]  # fmt: skip


def rag_of(status: pd.Series) -> pd.Series:
    """RAG colour of each target status; ValueError for a status that has none."""
    colours = status.map(RAG_OF_STATUS)
    if colours.isna().any():
        raise ValueError(f"no RAG colour for status {sorted(set(status[colours.isna()]))}")
    return colours


def _one_target_per_measure(targets: pd.DataFrame) -> pd.DataFrame:
    key = ["area_code", "measure_id"]
    rank = targets["status"].map({s: i for i, s in enumerate(_SEVERITY)})
    worst = targets.assign(_rank=rank).sort_values([*key, "_rank"])
    several = worst.duplicated(key, keep=False)
    single = worst.loc[~several, [*key, "target_text", "reason", "status"]]
    joined = (
        worst[several]
        .groupby(key, sort=False)
        .agg(
            target_text=("target_text", "; ".join),
            reason=("reason", " ".join),
            status=("status", "first"),
        )  # fmt: skip
        .reset_index()
    )
    out = pd.concat([single, joined], ignore_index=True)
    return out.rename(columns={"status": "target_status"})


def summary(
    measures: pd.DataFrame,
    area_codes: list[str],
    latest: pd.DataFrame,
    england: pd.DataFrame,
    comparator_ranks: pd.DataFrame,
    national_ranks: pd.DataFrame,
    funnel: pd.DataFrame,
    recent: pd.DataFrame,
    change: pd.DataFrame,
    targets: pd.DataFrame,
    synthetic: pd.DataFrame,
) -> pd.DataFrame:
    """The RAG summary: every measure for every area of ``area_codes`` (column
    ``area_code`` first, then :data:`SUMMARY_COLUMNS`), from the per-concern tables.

    ``synthetic`` has ``measure_id``, ``area_code`` and ``synthetic``: whether any row used
    (the area's series, the England row) is synthetic demo data.
    """
    key = ["measure_id", "area_code"]
    base = measures[["measure_id", "priority", "priority_name", "objectives", "short_name",
                     "unit", "order"]]  # fmt: skip
    df = base.merge(pd.DataFrame({"area_code": list(area_codes)}), how="cross")

    def add(table: pd.DataFrame, columns: dict[str, str]) -> None:
        nonlocal df
        df = df.merge(table[[*key, *columns]].rename(columns=columns), on=key, how="left")

    add(latest, {c: c for c in ("period_label", "value", "lower_95", "upper_95", "value_note",
                                "source")})  # fmt: skip
    add(england, {"england_value": "england_value", "vs_england": "vs_england"})
    add(comparator_ranks, {"comparator_rank_text": "comparator_rank"})
    add(national_ranks, {"rank_text": "national_rank"})
    add(funnel, {"funnel_position": "funnel_position"})
    add(recent, {"recent_trend": "trend"})
    add(change, {"change": "change_since_baseline"})
    add(_one_target_per_measure(targets), {"target_text": "target_text", "reason": "reason",
                                            "target_status": "target_status"})  # fmt: skip
    add(synthetic, {"synthetic": "synthetic"})
    no_data = df["period_label"].isna()
    text_cols = ["period_label", "value_note", "source", "vs_england", "comparator_rank",
                 "national_rank", "funnel_position", "trend", "change_since_baseline",
                 "target_text", "reason"]  # fmt: skip
    df[text_cols] = df[text_cols].fillna("")
    df["target_status"] = df["target_status"].fillna(tg.NO_TARGET)
    df.loc[no_data, "reason"] = NO_DATA
    df["rag"] = rag_of(df["target_status"])
    df.loc[no_data, "rag"] = GREY
    df["value_display"] = values_text(df["value"], df["unit"])
    df["england_display"] = values_text(df["england_value"], df["unit"])
    df["interval_display"] = [
        range_text(lo, hi, u)
        for lo, hi, u in zip(df["lower_95"], df["upper_95"], df["unit"], strict=True)
    ]
    df["synthetic"] = df["synthetic"].astype("boolean").fillna(False).astype(bool)
    df = df.sort_values(["area_code", "priority", "order"]).reset_index(drop=True)
    return df[["area_code", *SUMMARY_COLUMNS]]


def counts(summary_table: pd.DataFrame) -> pd.Series:
    """Number of measures of each RAG colour (red, amber, green, grey), zeros included."""
    return summary_table["rag"].value_counts().reindex([RED, AMBER, GREEN, GREY], fill_value=0)
