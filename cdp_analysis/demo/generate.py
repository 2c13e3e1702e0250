"""Deterministic synthetic demo data, labelled as such on every row.

The bundled demo set lets the reports run end to end where real local data cannot be shipped
(record-level episodes, local partners' returns) and where no stored extract of a Fingertips
indicator exists (the completion indicators need the Fingertips API on a connected machine).
``cdp-analysis demo-data [--out DIR]`` (or :func:`generate`) writes into ``data/demo/``:

``fingertips_completions_demo.csv``
    Successful completion of treatment in the Fingertips "all data" export format (the 27
    columns, by name, UTF-8 with a byte-order mark, CRLF line ends) for 90244 (opiate), 90245
    (non-opiate) and 92447 (alcohol): every upper-tier local authority in
    ``data/lookups/areas.csv``, its region and England, rolling 12 months ending each quarter
    from 2018/19 Q1 to 2025/26 Q4 (``Time period`` ``2025/26 Q4``, range ``12m``), with count,
    denominator, percentage and Wilson 95% and 99.8% limits. Region and England rows are the
    sums of their authorities' counts and denominators. Levels start near the published
    England figures (non-opiate 34.4% in 2018, opiate about 6%, alcohol about 36%);
    Portsmouth's non-opiate and alcohol completions fall until 2022/23, as its plan describes,
    then recover. Every row's ``Value note`` is "Synthetic demo data" and every indicator
    name ends "(synthetic demo data)". The "non-opiate and alcohol" group has no Fingertips
    indicator, so it is not here: it comes from the record-level episodes.
``local_measures_E06000044_demo.csv``
    Every local measure of ``data/indicators.yaml`` for Portsmouth in the local measures
    template format, each quarter from 2021/22 Q1 to 2025/26 Q4 (financial years 2021/22 to
    2025/26 for annual measures), ``source`` "synthetic demo data" on every row. Some counts
    are small (1-4) so that disclosure control is exercised.
``episodes_E06000044_demo.csv``
    Record-level treatment episodes for Portsmouth, written by
    :func:`cdp_analysis.demo.episodes.write_demo_episodes`.

Every number is drawn from ``numpy.random.default_rng`` with fixed seeds (one stream per
indicator or measure, keyed by a CRC of its id, so adding a measure does not change the
others), and files are written with fixed formatting (fixed decimals, fixed line ends): the
output is byte-identical on every run with the same numpy version (numpy does not promise
identical random streams across its releases).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .. import areas, tidy
from ..paths import default_data_dir
from ..periods import Quarter, financial_year, quarter_range
from ..plan.catalogue import INDICATORS_FILE, Catalogue, load_indicators

DEMO_AREA = "E06000044"
SEED = 20230401
DEMO_NOTE = "Synthetic demo data"

FINGERTIPS_FILE = "fingertips_completions_demo.csv"
LOCAL_FILE = "local_measures_{area}_demo.csv"
EPISODES_FILE = "episodes_{area}_demo.csv"

FIRST_QUARTER, LAST_QUARTER = Quarter(2018, 1), Quarter(2025, 4)
LOCAL_FIRST, LOCAL_LAST = Quarter(2021, 1), Quarter(2025, 4)

#: The 27 columns of a Fingertips "all data" CSV export, in the published order.
FINGERTIPS_COLUMNS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Column not used", "Time period Sortable",
    "New data", "Compared to goal", "Time period range",
]  # fmt: skip

#: England path of each completion indicator: (percent at 2018/19 Q1, 2022/23 Q4, 2025/26 Q4),
#: England's mean caseload (the denominator) at 2018/19 Q1 and its yearly growth, the spread of
#: local authorities' levels (sd on the logit scale), and the demo area's own path and caseload
#: (Portsmouth's story: non-opiate and alcohol completions falling to 2022/23, then recovering).
COMPLETIONS = {
    "90244": dict(
        name="Successful completion of drug treatment: opiate users",
        england=(5.9, 5.0, 5.4), caseload=140_000, growth=0.01, spread=0.30,
        area=(6.2, 5.0, 6.0), area_caseload=850,
    ),
    "90245": dict(
        name="Successful completion of drug treatment: non-opiate users",
        england=(34.4, 31.5, 32.5), caseload=33_000, growth=0.04, spread=0.25,
        area=(38.0, 24.0, 36.0), area_caseload=170,
    ),
    "92447": dict(
        name="Successful completion of alcohol treatment",
        england=(36.5, 35.0, 36.0), caseload=75_000, growth=0.03, spread=0.25,
        area=(40.0, 26.0, 38.0), area_caseload=380,
    ),
}  # fmt: skip

#: Demo local measures for the partnership area: mean per quarter (or per year) in 2021/22 and
#: in 2025/26 (geometric path between), and for proportions the mean denominator.
#: ``season`` multiplies Q1-Q4 (school terms for education sessions). kg are amounts.
LOCAL_MEASURES = {
    "county_lines_closed": dict(start=2.0, end=3.5),
    "drug_seizures": dict(start=55, end=75),
    "drug_seizure_amount": dict(start=2.5, end=3.5),
    "cpi_drug_reports": dict(start=35, end=60),
    "cawn_notices": dict(start=2.5, end=5),
    "cawn_enforcement": dict(start=1.0, end=2.5),
    "asb_survey_drug_related": dict(start=0.32, end=0.26, denominator=1050),
    "residential_rehab": dict(start=0.0025, end=0.005, denominator=1250),
    "offenders_engaged_police_cells": dict(start=40, end=70),
    "prison_continuity": dict(start=0.45, end=0.62, denominator=30),
    "drr_orders": dict(start=8, end=12),
    "atr_orders": dict(start=2.5, end=4.5),
    "ips_paid_employment": dict(start=3, end=7),
    "yp_education_sessions": dict(start=300, end=650, season=(1.1, 0.4, 1.3, 1.2)),
    "staff_awareness_training": dict(start=20, end=40),
    "staff_screening_training": dict(start=6, end=18),
    "yp_criminally_exploited": dict(start=12, end=8),
}


def _rng(seed: int, key: str) -> np.random.Generator:
    """An independent, reproducible stream for one indicator or measure."""
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def _logit(p):
    return np.log(p / (1 - p))


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _calibrate(logit_p, weight, target, free) -> np.ndarray:
    """Probabilities whose caseload-weighted mean over all areas equals ``target`` in each
    quarter, by shifting the ``free`` rows' logits by one amount per quarter (Newton's method)."""
    shift = np.zeros(logit_p.shape[1])
    fixed = (weight[~free] * _expit(logit_p[~free])).sum(axis=0)
    goal = target * weight.sum(axis=0) - fixed
    for _ in range(20):
        p = _expit(logit_p[free] + shift)
        f = (weight[free] * p).sum(axis=0) - goal
        shift -= f / (weight[free] * p * (1 - p)).sum(axis=0)
    out = _expit(logit_p)
    out[free] = _expit(logit_p[free] + shift)
    return out


def _path(start: float, mid: float, end: float, n: int, knot: int) -> np.ndarray:
    """Piecewise-linear path: ``start`` at 0, ``mid`` at index ``knot``, ``end`` at n - 1."""
    return np.interp(np.arange(n), [0, knot, n - 1], [start, mid, end])


# --------------------------------------------------------------------------------- Fingertips


def fingertips_completions(
    *, seed: int = SEED, area_code: str = DEMO_AREA, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """The demo completions as a Fingertips-format table (the 27 columns, as text-ready values)."""
    lookup = areas.lookup(data_dir)
    # the demo covers the 152 authorities of May 2022 (areas created later have no demo data)
    created = areas.created_codes(data_dir)
    la = lookup[
        (lookup["area_type"] == tidy.UTLA) & ~lookup["area_code"].isin(created)
    ].reset_index(drop=True)
    quarters = quarter_range(FIRST_QUARTER, LAST_QUARTER)
    is_demo_area = (la["area_code"] == area_code).to_numpy()
    frames = [
        _completions_rows(ind_id, spec, la, is_demo_area, len(quarters), seed)
        for ind_id, spec in COMPLETIONS.items()
    ]
    return _fingertips_table(pd.concat(frames, ignore_index=True), lookup, quarters)


def _completions_rows(
    ind_id: str, spec: dict, la: pd.DataFrame, is_demo_area: np.ndarray, nq: int, seed: int
) -> pd.DataFrame:
    """One indicator's rolling 12-month counts and denominators for every authority, region
    and England (columns area_code, parent_code, q, count, denominator)."""
    quarters = quarter_range(FIRST_QUARTER, LAST_QUARTER)
    # three quarters before the first so every period has 12 months of events
    n_latent = nq + 3
    knot = quarters.index(Quarter(2022, 4)) + 3
    years = np.arange(n_latent) / 4.0
    rng = _rng(seed, f"fingertips:{ind_id}")
    n_la = len(la)
    # authority sizes: lognormal shares of England's caseload
    share = rng.lognormal(0.0, 0.7, n_la)
    share /= share.sum()
    caseload0 = spec["caseload"] * share
    caseload0[is_demo_area] = spec["area_caseload"]
    trend = np.exp(spec["growth"] * years)
    noise = np.exp(rng.normal(0.0, 0.04, (n_la, n_latent)))
    caseload = caseload0[:, None] * trend[None, :] * noise
    # completion probability: England's path + a level and a slope per authority
    target = _path(*spec["england"], n_latent, knot) / 100
    level = rng.normal(0.0, spec["spread"], n_la)
    slope = rng.normal(0.0, 0.04, n_la)
    wobble = rng.normal(0.0, 0.06, (n_la, n_latent))
    logit_p = _logit(target)[None, :] + level[:, None] + slope[:, None] * years[None, :]
    logit_p += wobble
    logit_p[is_demo_area] = _logit(_path(*spec["area"], n_latent, knot) / 100)
    p = _calibrate(logit_p, caseload, target, ~is_demo_area)
    # quarterly exits completing successfully, then rolling 12-month sums
    exits = rng.binomial(np.round(caseload / 4).astype(np.int64), p)
    count = sliding_window_view(exits, 4, axis=1).sum(axis=2)
    den = np.round(sliding_window_view(caseload, 4, axis=1).mean(axis=2)).astype(np.int64)
    count = np.minimum(count, den)

    long = pd.DataFrame(
        {
            "area_code": np.repeat(la["area_code"].to_numpy(), nq),
            "parent_code": np.repeat(la["parent_code"].to_numpy(), nq),
            "q": np.tile(np.arange(nq), n_la),
            "count": count.ravel(),
            "denominator": den.ravel(),
        }
    )
    reg = long.groupby(["parent_code", "q"], as_index=False)[["count", "denominator"]].sum()
    reg = reg.rename(columns={"parent_code": "area_code"}).assign(parent_code=tidy.ENGLAND_CODE)
    eng_rows = long.groupby("q", as_index=False)[["count", "denominator"]].sum()
    eng_rows = eng_rows.assign(area_code=tidy.ENGLAND_CODE, parent_code="")
    df = pd.concat([eng_rows, reg, long], ignore_index=True)
    df["indicator_id"] = ind_id
    df["indicator_name"] = f"{spec['name']} (synthetic demo data)"
    return df


def _fingertips_table(df: pd.DataFrame, lookup: pd.DataFrame, quarters: list) -> pd.DataFrame:
    """The rows of :func:`_completions_rows` as a Fingertips export: names, types, period
    labels, Wilson intervals and the comparison with England."""
    from ..stats import wilson_ci  # the published method; imported when needed

    regions = lookup[lookup["area_type"] == tidy.REGION].set_index("area_code")
    names = lookup.set_index("area_code")["area_name"]
    is_region = df["area_code"].isin(regions.index)
    is_england = df["area_code"] == tidy.ENGLAND_CODE
    area_name = df["area_code"].map(names)
    area_name = area_name.where(~is_region, area_name + " region")
    parent_name = df["parent_code"].map(names).fillna("")
    parent_name = parent_name.where(~df["parent_code"].isin(regions.index), parent_name + " region")
    area_type = np.select(
        [is_england, is_region, df["area_code"].str.startswith("E10")],
        ["England", "Region", "County"],
        "UA",
    )
    labels = np.array([q.fingertips_label for q in quarters])[df["q"].to_numpy()]
    sortable = np.array([q.fy_start * 10000 + q.q * 100 for q in quarters])[df["q"].to_numpy()]

    count = df["count"].to_numpy(dtype=float)
    den = df["denominator"].to_numpy(dtype=float)
    limits = wilson_ci(count, den, confidence=[0.95, 0.998])
    lo95, hi95 = (100 * np.asarray(x, dtype=float) for x in limits[0.95])
    lo998, hi998 = (100 * np.asarray(x, dtype=float) for x in limits[0.998])
    value = 100 * count / den

    # Compared with England: the area's 95% interval against England's value (as Fingertips).
    eng_value = df.loc[is_england, ["indicator_id", "q"]].assign(ref=value[is_england.to_numpy()])
    ref = df[["indicator_id", "q"]].merge(eng_value, how="left")["ref"].to_numpy()
    compared = np.select([lo95 > ref, hi95 < ref], ["Better", "Worse"], "Similar")
    compared = np.where(is_england, "Not compared", compared)

    out = pd.DataFrame(
        {
            "Indicator ID": df["indicator_id"].astype(int),
            "Indicator Name": df["indicator_name"],
            "Parent Code": df["parent_code"],
            "Parent Name": parent_name,
            "Area Code": df["area_code"],
            "Area Name": area_name,
            "Area Type": area_type,
            "Sex": tidy.PERSONS,
            "Age": "18+ yrs",
            "Category Type": "",
            "Category": "",
            "Time period": labels,
            "Value": value,
            "Lower CI 95.0 limit": lo95,
            "Upper CI 95.0 limit": hi95,
            "Lower CI 99.8 limit": lo998,
            "Upper CI 99.8 limit": hi998,
            "Count": df["count"].astype(np.int64),
            "Denominator": df["denominator"].astype(np.int64),
            "Value note": DEMO_NOTE,
            "Recent Trend": "",
            "Compared to England value or percentiles": compared,
            "Column not used": "Not compared",
            "Time period Sortable": sortable,
            "New data": "",
            "Compared to goal": "",
            "Time period range": "12m",
        }
    )
    return out[FINGERTIPS_COLUMNS]


# --------------------------------------------------------------------------------- local


def local_measures_demo(
    catalogue: Catalogue, *, area_code: str = DEMO_AREA, seed: int = SEED
) -> pd.DataFrame:
    """Demo rows in the local measures template layout for every local measure."""
    from ..sources.local_measures import COLUMNS

    quarters = quarter_range(LOCAL_FIRST, LOCAL_LAST)
    years = sorted({q.fy_start for q in quarters})
    frames = []
    for m in catalogue.by_source("local"):
        spec = LOCAL_MEASURES.get(m.source_id)
        if spec is None:
            raise KeyError(
                f"no demo settings for local measure '{m.source_id}': add it to "
                "cdp_analysis.demo.generate.LOCAL_MEASURES"
            )
        rng = _rng(seed, f"local:{m.source_id}")
        if m.frequency == "annual":
            labels = [f"{y}/{(y + 1) % 100:02d}" for y in years]
            bounds = [financial_year(label) for label in labels]
            season = np.ones(len(labels))
        else:
            labels = [q.fingertips_label for q in quarters]
            bounds = [(q.start, q.end) for q in quarters]
            season = np.array(spec.get("season", (1, 1, 1, 1)))[[q.q - 1 for q in quarters]]
        n = len(labels)
        t = np.linspace(0.0, 1.0, n)
        mean = spec["start"] * (spec["end"] / spec["start"]) ** t * season
        denominator = np.full(n, "", dtype=object)
        if m.unit == "percent":
            den = rng.poisson(spec["denominator"], n)
            count = rng.binomial(den, np.clip(mean, 0, 1))
            denominator = den.astype(str).astype(object)
            count_text = count.astype(str)
        elif m.unit == "kg":
            amount = rng.gamma(4.0, mean / 4.0)
            count_text = np.char.mod("%.2f", amount)
        else:
            count_text = rng.poisson(mean).astype(str)
        frames.append(
            pd.DataFrame(
                {
                    "measure_id": m.source_id,
                    "area_code": area_code,
                    "period_label": labels,
                    "period_start": [f"{b[0]:%Y-%m-%d}" for b in bounds],
                    "period_end": [f"{b[1]:%Y-%m-%d}" for b in bounds],
                    "count": count_text,
                    "denominator": denominator,
                    "value_note": "",
                    "source": tidy.SYNTHETIC,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[COLUMNS]


# --------------------------------------------------------------------------------- writing


def _write_fingertips(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n", float_format="%.6f")


def _write_local(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def generate(
    out_dir: str | Path | None = None,
    *,
    area_code: str = DEMO_AREA,
    seed: int = SEED,
    data_dir: str | Path | None = None,
) -> list[Path]:
    """Write the demo set into ``out_dir`` (default ``data/demo/``); return the files written.

    ``data_dir`` (default: the bundled ``data/``) supplies the area lookup and the catalogue.
    Record-level episodes are written only when :mod:`cdp_analysis.demo.episodes` is installed.
    """
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    out = Path(out_dir) if out_dir is not None else base / "demo"
    areas.area(area_code, data_dir)  # a clear error for an unknown area
    catalogue = load_indicators(base / INDICATORS_FILE)
    written = []

    path = out / FINGERTIPS_FILE
    _write_fingertips(
        fingertips_completions(seed=seed, area_code=area_code, data_dir=data_dir), path
    )
    written.append(path)

    path = out / LOCAL_FILE.format(area=area_code)
    _write_local(local_measures_demo(catalogue, area_code=area_code, seed=seed), path)
    written.append(path)

    try:
        from .episodes import write_demo_episodes
    except ImportError:  # written by another module; the rest of the demo set stands alone
        write_demo_episodes = None
    if write_demo_episodes is not None:
        path = out / EPISODES_FILE.format(area=area_code)
        write_demo_episodes(path, area_code=area_code, seed=seed)
        written.append(path)
    return written
