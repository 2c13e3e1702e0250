"""Each measure's assessed series: its headline rows of the tidy table, for every area.

A measure's *headline rows* are the rows of its ``indicator_id`` with

- ``category`` equal to the measure's catalogue ``category`` (or empty),
- ``sex`` Persons where the measure has Persons rows (else the single sex published),
- ``age`` equal to the catalogue's ``age`` when it gives one, else the age band with most rows.

Rows with no value, no count and no note carry nothing and are left out. Measures published
for single quarters (``frequency: single_quarter``: local returns) are assessed over rolling
12 months, as the plan's baseline is a financial year: four consecutive quarters are added
together (counts, denominators and, for amounts, values), labelled ``12 months to 2025/26 Q4``.
A 12-month total needs all four quarters; without them there is no total for that period.
A measure whose catalogue says ``count_12_months: reported`` or ``denominator_12_months:
reported`` takes that figure from the last quarter's row instead (it reports the people in
the 12 months to its end, each counted once): the proportion in residential rehabilitation
is placements started in the 12 months over the *people* in treatment in those 12 months,
not over four quarterly treatment populations added together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..periods import fingertips_quarter_labels
from ..tidy import COLUMNS, KEY, PERSONS, conform, is_synthetic

#: Columns added to the tidy columns in a series table.
EXTRA = ["measure_id", "months", "synthetic"]


def check_table(table: pd.DataFrame) -> pd.DataFrame:
    """The tidy table with tidy dtypes; InputError when columns are missing."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            None,
            Problem(f"missing columns {missing}", expected=f"the tidy columns {COLUMNS}"),
            kind="tidy indicator table",
            fix="build the table with cdp_analysis.indicator_table or tidy.conform",
        )
    dates_ok = all(
        pd.api.types.is_datetime64_any_dtype(table[c]) for c in ("period_start", "period_end")
    )
    return table if dates_ok else conform(table)


def headline(table: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Every catalogue measure's headline rows for every area (module docstring).

    Returns the tidy columns plus ``measure_id``, ``months`` (period length in whole months)
    and ``synthetic``, sorted by measure, area and period end. Raises :class:`InputError`
    when a headline row is repeated (two rows for one measure, area and period).
    """
    table = check_table(table)
    want = measures.set_index("measure_id")
    rows = table[table["indicator_id"].isin(want.index)]
    cat = rows["indicator_id"].map(want["category"]).fillna("")
    rows = rows[rows["category"].eq(cat) | rows["category"].eq("")]
    rows = rows[rows["value"].notna() | rows["count"].notna() | rows["value_note"].ne("")]
    # sex: the catalogue's when given, else Persons where the measure has Persons rows
    has_persons = rows["indicator_id"].isin(rows.loc[rows["sex"].eq(PERSONS), "indicator_id"])
    cat_sex = rows["indicator_id"].map(want["sex"]).fillna("")
    keep = np.where(cat_sex.ne(""), rows["sex"].eq(cat_sex), ~has_persons | rows["sex"].eq(PERSONS))
    rows = rows[keep]
    # age: the catalogue's when given, else the band with most rows for the measure
    cat_age = rows["indicator_id"].map(want["age"]).fillna("")
    sizes = rows.groupby(["indicator_id", "age"]).size().rename("n").reset_index()
    sizes = sizes.sort_values(["indicator_id", "n", "age"], ascending=[True, False, True])
    top_age = sizes.drop_duplicates("indicator_id").set_index("indicator_id")["age"]
    chosen = cat_age.where(cat_age.ne(""), rows["indicator_id"].map(top_age))
    rows = rows[rows["age"].eq(chosen)].copy()
    key = [k for k in KEY if k != "category"]
    dup = rows.duplicated(key, keep=False)
    if dup.any():
        shown = rows.loc[dup, ["indicator_id", "area_code", "sex", "age", "period_label"]]
        listed = "; ".join(" ".join(map(str, r)) for r in shown.head(5).itertuples(index=False))
        raise InputError(
            None,
            Problem(
                f"{int(dup.sum())} rows repeat a measure, area and period: {listed}",
                column="indicator_id",
                expected="one row per measure, area, sex, age and period",
            ),
            kind="tidy indicator table",
            fix="remove the repeated rows (are two sources mapped to one measure?)",
        )
    rows["measure_id"] = rows["indicator_id"]
    rows = _with_helpers(rows)
    single = rows["measure_id"].map(want["frequency"]).eq("single_quarter")
    if single.any():
        rows = pd.concat([rows[~single], _rolling_year(rows[single], want)], ignore_index=True)
    return rows.sort_values(["measure_id", "area_code", "period_end"]).reset_index(drop=True)


def _with_helpers(rows: pd.DataFrame) -> pd.DataFrame:
    days = (rows["period_end"] - rows["period_start"]).dt.days + 1
    rows["months"] = np.maximum(np.round(days / 30.4375), 1).astype(int)
    rows["synthetic"] = np.asarray(is_synthetic(rows["source"]), dtype=bool)
    return rows


def _rolling_year(rows: pd.DataFrame, want: pd.DataFrame) -> pd.DataFrame:
    """Rolling 12-month totals of single-quarter rows (all four quarters needed)."""
    if rows.empty:
        return rows
    rows = rows.sort_values(["measure_id", "area_code", "period_end"]).reset_index(drop=True)
    end = rows["period_end"]
    qidx = (end.dt.year * 12 + end.dt.month) // 3  # consecutive quarters differ by 1
    groups = rows.groupby(["measure_id", "area_code"], sort=False)
    three_back = groups["period_end"].shift(3)
    complete = (qidx - (three_back.dt.year * 12 + three_back.dt.month) // 3).eq(3)

    def total(col: str) -> pd.Series:
        # a total is missing when any quarter is missing (min_count=4 in a window of 4)
        return (
            groups[col]
            .rolling(4, min_periods=4)
            .sum()
            .reset_index(level=[0, 1], drop=True)
            .sort_index()
        )

    out = rows.copy()
    count, denominator, value = total("count"), total("denominator"), total("value")
    rule = want.reindex(columns=["count_12_months", "denominator_12_months"]).fillna("sum")
    count_reported = rows["measure_id"].map(rule["count_12_months"]).eq("reported").to_numpy()
    denom_reported = rows["measure_id"].map(rule["denominator_12_months"]).eq("reported")
    denom_reported = denom_reported.to_numpy()
    count = count.where(~count_reported, rows["count"])
    value = value.where(~count_reported, rows["value"])
    denominator = denominator.where(~denom_reported, rows["denominator"])
    unit = rows["measure_id"].map(want["unit"])
    mult = rows["measure_id"].map(want["multiplier"])
    ratio_unit = unit.isin(["percent", "per_100k"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = count / denominator * mult
    out["count"] = count
    out["denominator"] = denominator
    out["value"] = np.where(ratio_unit, ratio, np.where(unit.eq("count"), count, value))
    out.loc[unit.eq("count") & out["value"].isna(), "value"] = value  # counts given as values
    for col in ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]:
        out[col] = np.nan  # recomputed for the total by the measure's method
    notes = [groups["value_note"].shift(k).fillna("") for k in range(4)]
    out["value_note"] = _join_notes(notes)
    out["period_start"] = groups["period_start"].shift(3)
    twelve_back = rows["period_end"] + pd.Timedelta(days=1) - pd.DateOffset(months=12)
    out["period_start"] = out["period_start"].fillna(twelve_back)
    out["period_label"] = "12 months to " + fingertips_quarter_labels(rows["period_end"])
    synthetic = groups["synthetic"].rolling(4, min_periods=4).max()
    synthetic = synthetic.reset_index(level=[0, 1], drop=True).sort_index()
    out["synthetic"] = synthetic.fillna(0).astype(bool)
    out["months"] = 12
    # figures all reported for 12 months need only their own quarter's row
    has_denominator = rows["measure_id"].map(want["unit"]).eq("percent").to_numpy()
    own_row = count_reported & (denom_reported | ~has_denominator)
    return out[complete | own_row].reset_index(drop=True)


def _join_notes(notes: list[pd.Series]) -> pd.Series:
    """Distinct non-empty notes of the four quarters, oldest first, joined with '; '."""
    frame = pd.concat(notes[::-1], axis=1)
    out = pd.Series("", index=frame.index, dtype=object)
    noted = frame.ne("").any(axis=1)  # notes are rare: join only where there are some
    if noted.any():
        out[noted] = frame[noted].apply(
            lambda r: "; ".join(dict.fromkeys(v for v in r if v)), axis=1
        )
    return out


def series_columns() -> list[str]:
    """Columns of a series table."""
    return [*COLUMNS, *EXTRA]
