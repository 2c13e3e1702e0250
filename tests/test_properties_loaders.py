"""Property tests (hypothesis): random tables and documents fed to every loader and to the stats.

Each loader is given tables with the right header whose cells are mostly plausible and
partly junk (unicode, empty, huge, negative, NaN/inf strings, thousands separators), random
bytes after a valid header, and random or mutated YAML documents. Every outcome must be one
of two:

* success, with a result that keeps the loader's promises: the tidy columns, one output row
  per input row (nothing silently dropped), counts and denominators not negative, count not
  above its denominator, the value within its limits where limits are given, every period
  ended by ``today``; and the statistics accept what the loader returned;
* the project's own error, :class:`cdp_analysis.errors.CdpError`.

Anything else (a KeyError, a pandas parser error, a UnicodeDecodeError...) is a bug. The
statistics functions are fed random mixed inputs and must return consistent limits or raise
:class:`~cdp_analysis.stats.StatsInputError` (a ValueError; a plain ValueError is accepted
from stats only). Known loader weaknesses are strict xfails with the failing input pinned as an
``@example``, so they fail the same way on every run.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from corpus.cases import DATA, base_ons
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from cdp_analysis import areas, tidy
from cdp_analysis.errors import CdpError
from cdp_analysis.plan import catalogue
from cdp_analysis.sources import episodes, fingertips, local_measures, ons
from cdp_analysis.stats import (
    StatsInputError,
    byar_ci,
    compare,
    dsr,
    funnel_limits_proportion,
    rate_ci,
    recent_trend,
    wilson_ci,
)

#: "Today" for the loaders' future-period checks, fixed so examples replay identically.
TODAY = date(2026, 6, 30)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW_SETTINGS = settings(SETTINGS, max_examples=20)

CATALOGUE = catalogue.load_indicators(DATA / "indicators.yaml")
KNOWN_AREAS = fingertips.known_area_codes(DATA)
_files = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


def _new_file(folder: Path, name: str) -> Path:
    """A fresh path per example (some readers cache by path)."""
    path = folder / f"{next(_files)}" / name
    path.parent.mkdir(parents=True)
    return path


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


# ------------------------------------------------------------------------------ junk cells

JUNK = st.one_of(
    st.just(""),
    st.sampled_from(["NaN", "nan", "NA", "n/a", "inf", "-inf", "1e400", "-0", "1,234", " 12 ",
                     "0x10", "TRUE", "None", "١٢", "½", "−5", ":", "u", "2024/25 Q5", "😀"]),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def mutated(draw, rows: list[list[str]], max_changes: int = 3) -> list[list[str]]:
    """``rows`` (data rows, header excluded) with 0..max_changes cells replaced by junk."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, max_changes))):
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(JUNK)
    return rows


def _num(x: float) -> str:
    return repr(float(x))


# ------------------------------------------------------------------------------ Fingertips

FT_HEADER = next(csv.reader(io.StringIO((DATA / "demo/fingertips_completions_demo.csv")
                                        .read_text(encoding="utf-8-sig"))))  # fmt: skip
FT_AREAS = [
    ("E92000001", "England", "England"),
    ("E12000008", "South East region", "Region"),
    ("E06000044", "Portsmouth", "UA"),
    ("E10000014", "Hampshire", "County"),
    ("E07000086", "Eastleigh", "District"),
]
FT_PERIODS = [("2019/20 Q4", "12m"), ("2021/22 Q1", "12m"), ("2022", "1y"), ("2017 - 19", "3y"),
              ("2023/24", "1y"), ("2024/25 Q2", "")]  # fmt: skip


@st.composite
def fingertips_row(draw) -> list[str]:
    code, name, area_type = draw(st.sampled_from(FT_AREAS))
    period, rng = draw(st.sampled_from(FT_PERIODS))
    den = draw(st.integers(0, 10**6))
    count = draw(st.integers(0, den))
    value = 100 * count / den if den else float("nan")
    limits = draw(st.booleans()) and den > 0
    fields = {
        "Indicator ID": draw(st.sampled_from(["90244", "90245", "92447"])),
        "Area Code": code,
        "Area Name": name,
        "Area Type": area_type,
        "Sex": draw(st.sampled_from(["Persons", "Male", "Female"])),
        "Age": "18+ yrs",
        "Category Type": "",
        "Category": "",
        "Time period": period,
        "Time period range": rng,
        "Value": _num(value) if den else "",
        "Lower CI 95.0 limit": _num(value * 0.9) if limits else "",
        "Upper CI 95.0 limit": _num(value * 1.1) if limits else "",
        "Lower CI 99.8 limit": _num(value * 0.8) if limits else "",
        "Upper CI 99.8 limit": _num(value * 1.2) if limits else "",
        "Count": str(count),
        "Denominator": str(den),
        "Value note": draw(st.sampled_from(["", "synthetic demo data", "Value is modelled"])),
    }
    return [fields.get(col, "") for col in FT_HEADER]


def check_tidy(df: pd.DataFrame, n_rows: int) -> None:
    """What every loader promises about the tidy table it returns."""
    assert list(df.columns) == tidy.COLUMNS
    assert len(df) == n_rows, "rows were dropped or added"
    for col in ("count", "denominator"):
        assert not (df[col] < 0).any(), f"negative {col}"
    assert not (df["count"] > df["denominator"]).any()
    for lo, hi in (("lower_95", "upper_95"), ("lower_99_8", "upper_99_8")):
        has = df[[lo, "value", hi]].notna().all(axis=1)
        assert (df.loc[has, lo] <= df.loc[has, "value"]).all(), f"value below {lo}"
        assert (df.loc[has, "value"] <= df.loc[has, hi]).all(), f"value above {hi}"
    assert (df["period_start"] <= df["period_end"]).all()
    assert (df["period_end"] <= pd.Timestamp(TODAY)).all()
    assert not df.duplicated(tidy.KEY).any()


def check_stats_accept(df: pd.DataFrame) -> None:
    """What a loader accepted, the statistics accept (no StatsInputError downstream)."""
    both = df[["count", "denominator"]].notna().all(axis=1)
    lo, hi = wilson_ci(df.loc[both, "count"], df.loc[both, "denominator"])
    assert ((lo <= hi) | lo.isna()).all()
    byar_ci(df["count"])


@SETTINGS
@given(st.lists(fingertips_row(), min_size=1, max_size=8).flatmap(mutated), st.booleans())
def test_fingertips_random_tables(rows, bom):
    text = ("\ufeff" if bom else "") + _csv([FT_HEADER, *rows])
    try:
        df = fingertips.read_fingertips_csv(
            text.encode("utf-8"), name="random.csv", data_dir=DATA, today=TODAY
        )
    except CdpError as exc:
        event("refused")
        assert "random.csv" in str(exc)
        return
    check_tidy(df, len(rows))
    checked = df["area_type"].isin([tidy.ENGLAND, tidy.REGION, tidy.UTLA])
    assert df.loc[checked, "area_code"].isin(KNOWN_AREAS.index).all()
    check_stats_accept(df)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["bytes", "binary stream", "text stream"]))
def test_fingertips_random_bytes_after_the_header(tail, how):
    raw = (",".join(FT_HEADER) + "\r\n").encode("utf-8") + tail
    if how == "bytes":
        src = raw
    elif how == "binary stream":
        src = io.BytesIO(raw)
    else:
        src = io.StringIO(raw.decode("utf-8", errors="replace"))
    try:
        df = fingertips.read_fingertips_csv(src, name="random.csv", data_dir=DATA, today=TODAY)
    except CdpError:
        event("refused")
        return
    assert list(df.columns) == tidy.COLUMNS


@SETTINGS
@given(st.lists(fingertips_row(), min_size=1, max_size=4), st.data())
def test_fingertips_columns_shuffled_still_read_by_name(rows, data):
    """Columns are read by name: any order gives the same table."""
    order = data.draw(st.permutations(range(len(FT_HEADER))))
    table = [FT_HEADER, *rows]
    shuffled = [[r[i] for i in order] for r in table]
    kwargs = {"name": "random.csv", "data_dir": DATA, "today": TODAY}
    try:
        want = fingertips.read_fingertips_csv(_csv(table).encode(), **kwargs)
    except CdpError:
        event("refused")
        with pytest.raises(CdpError):
            fingertips.read_fingertips_csv(_csv(shuffled).encode(), **kwargs)
        return
    got = fingertips.read_fingertips_csv(_csv(shuffled).encode(), **kwargs)
    pd.testing.assert_frame_equal(got, want)


# ------------------------------------------------------------------------------ local measures

LM_HEADER = local_measures.COLUMNS
LOCAL = {m.source_id: m for m in CATALOGUE.by_source("local")}
QUARTERS = [("2022/23 Q1", "2022-04-01", "2022-06-30"), ("2023/24 Q3", "2023-10-01", "2023-12-31"),
            ("2025/26 Q4", "2026-01-01", "2026-03-31")]  # fmt: skip
YEARS = [("2022/23", "2022-04-01", "2023-03-31"), ("2024/25", "2024-04-01", "2025-03-31")]


@st.composite
def local_row(draw) -> list[str]:
    measure = draw(st.sampled_from(sorted(LOCAL)))
    m = LOCAL[measure]
    label, start, end = draw(st.sampled_from(YEARS if m.frequency == "annual" else QUARTERS))
    den = draw(st.integers(1, 10**7)) if m.unit == "percent" else None
    count = draw(st.integers(0, den if den is not None else 10**7))
    return [measure, draw(st.sampled_from(["E06000044", "E10000014"])), label, start, end,
            str(count), "" if den is None else str(den), "", "a partner"]  # fmt: skip


@SETTINGS
@given(st.lists(local_row(), min_size=1, max_size=8).flatmap(mutated))
def test_local_measures_random_tables(scratch, rows):
    path = _new_file(scratch, "local.csv")
    path.write_text(_csv([LM_HEADER, *rows]), encoding="utf-8")
    try:
        df = local_measures.read_local_measures(
            path, catalogue=CATALOGUE, data_dir=DATA, today=TODAY
        )
    except CdpError as exc:
        event("refused")
        assert "local.csv" in str(exc)
        return
    blank = sum(not any(c.strip() for c in r) for r in rows)  # blank rows are not data
    check_tidy(df, len(rows) - blank)
    percent = df["indicator_id"].map({k: m.unit == "percent" for k, m in LOCAL.items()})
    assert df.loc[percent, "value"].between(0, 100).all()
    assert df.loc[~percent, "denominator"].isna().all()
    check_stats_accept(df)


@SETTINGS
@given(st.binary(max_size=300))
def test_local_measures_random_bytes_after_the_header(scratch, tail):
    path = _new_file(scratch, "local.csv")
    path.write_bytes((",".join(LM_HEADER) + "\n").encode() + tail)
    try:
        df = local_measures.read_local_measures(
            path, catalogue=CATALOGUE, data_dir=DATA, today=TODAY
        )
    except CdpError:
        event("refused")
        return
    assert list(df.columns) == tidy.COLUMNS


# ------------------------------------------------------------------------------ episodes

EP_HEADER = episodes.REQUIRED_COLUMNS
DAY0 = date(2015, 1, 1)


@st.composite
def episode_row(draw) -> list[str]:
    start = DAY0 + timedelta(days=draw(st.integers(0, 4000)))
    exit_ = rep = reason = ""
    if draw(st.booleans()):
        e = start + timedelta(days=draw(st.integers(0, 900)))
        exit_ = e.isoformat()
        reason = draw(st.sampled_from(episodes.EXIT_REASONS))
        if draw(st.booleans()):
            rep = (e + timedelta(days=draw(st.integers(0, 400)))).isoformat()
    return [
        draw(st.sampled_from(["C1", "C2", "C3", "C4", "C5", "C6"])),
        draw(st.sampled_from(["E06000044", "E10000014"])),
        str(draw(st.integers(0, 120))),
        draw(st.sampled_from(episodes.SEXES)),
        draw(st.sampled_from(episodes.SUBSTANCE_GROUPS)),
        draw(st.sampled_from(episodes.REFERRAL_SOURCES)),
        start.isoformat(),
        exit_,
        reason,
        rep,
    ]


@SETTINGS
@given(st.lists(episode_row(), min_size=1, max_size=10).flatmap(mutated))
def test_episodes_random_tables(scratch, rows):
    path = _new_file(scratch, "episodes.csv")
    path.write_text(_csv([EP_HEADER, *rows]), encoding="utf-8")
    try:
        ep = episodes.load_episodes(path, today=TODAY, data_dir=DATA)
    except CdpError as exc:
        event("refused")
        assert "episodes.csv" in str(exc)
        return
    assert list(ep.columns) == episodes.FIELDS
    assert len(ep) == len(rows)
    assert ep["age_at_start"].between(0, episodes.MAX_AGE).all()
    assert not (ep["exit_date"] < ep["start_date"]).any()
    assert not (ep["representation_date"] < ep["exit_date"]).any()
    for col in episodes.DATE_COLUMNS:
        assert not (ep[col] > pd.Timestamp(TODAY)).any(), f"{col} in the future"
    assert not ep.duplicated(["client_id", "start_date"]).any()
    table = episodes.derive_indicators(ep, data_dir=DATA)
    assert list(table.columns) == tidy.COLUMNS
    assert (table["count"] >= 0).all()
    assert not (table["count"] > table["denominator"]).any()
    check_stats_accept(table)


# ------------------------------------------------------------------------------ ONS workbook

#: Cells that hold numbers in the cut-down workbook: (sheet, first row, last row, columns).
ONS_TABLES = [f"Table {i}" for i in range(1, 9)]
ONS_VALUES = st.one_of(
    st.none(),
    st.integers(-50, 10**9),
    st.floats(-1e6, 1e9, allow_nan=False),
    st.booleans(),
    st.sampled_from([":", "u", "U", "12", " 7 ", "x", "", "—", "1,234", "n/a"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6),  # xlsx-safe text
)


@pytest.fixture(scope="module")
def ons_base() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(base_ons()))


def _ons_changes():
    """Cell edits in the area rows (7-20) and period columns (E-Q) of a table sheet."""
    cell = st.tuples(st.sampled_from(ONS_TABLES), st.integers(7, 20), st.integers(5, 17))
    return st.lists(st.tuples(cell, ONS_VALUES), min_size=1, max_size=4)


def _save_changed(wb: openpyxl.Workbook, changes, path: Path) -> None:
    """Save ``wb`` with ``changes`` applied, then put the cells back."""
    old = {}
    for (sheet, row, col), value in changes:
        ws = wb[sheet]
        old.setdefault((sheet, row, col), ws.cell(row, col).value)
        ws.cell(row, col).value = value
    try:
        wb.save(path)
    finally:
        for (sheet, row, col), value in old.items():
            wb[sheet].cell(row, col).value = value


@SLOW_SETTINGS
@given(_ons_changes())
def test_ons_random_cells(scratch, ons_base, changes):
    """Random cells in the tables: loads with whole, non-negative deaths and rates, or
    refuses. (Whether the limits bracket the rate is pinned in the next test.)"""
    path = _new_file(scratch, "ons.xlsx")
    _save_changed(ons_base, changes, path)
    try:
        df = ons.load_workbook(path)
    except CdpError as exc:
        event("refused")
        assert "ons.xlsx" in str(exc)
        return
    assert list(df.columns) == tidy.COLUMNS
    assert len(df) > 0
    assert (df["count"] >= 0).all() and (df["count"] == df["count"].round()).all()
    for col in ("value", "lower_95", "upper_95"):
        assert not (df[col] < 0).any(), col
    assert (df["period_start"] <= df["period_end"]).all()


def test_ons_limits_must_bracket_the_rate(scratch, ons_base):
    """Table 3, England (sheet row 7), 2019-21: rate 7.9 (column F), lower limit 7.8 (H)."""
    assert ons_base["Table 3"].cell(7, 6).value == 7.9
    path = _new_file(scratch, "ons.xlsx")
    _save_changed(ons_base, [(("Table 3", 7, 8), 99.0)], path)
    with pytest.raises(CdpError, match="Table 3"):
        ons.load_workbook(path)


# ------------------------------------------------------------------------------ YAML

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True),
    st.text(max_size=10), st.dates(date(1990, 1, 1), date(2100, 1, 1)),
)  # fmt: skip
DOCS = st.recursive(
    SCALARS,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 5)), kids, max_size=4),
    ),
    max_leaves=20,
)
INDICATORS = yaml.safe_load((DATA / "indicators.yaml").read_text(encoding="utf-8"))
TARGETS = yaml.safe_load((DATA / "targets.yaml").read_text(encoding="utf-8"))


@st.composite
def mutation_of(draw, doc):
    """A deep copy of ``doc`` with 1-3 random changes: a value replaced (by a random
    document, often a scalar), a key deleted or added, a list item dropped or repeated."""
    doc = yaml.safe_load(yaml.safe_dump(doc))  # a deep copy
    for _ in range(draw(st.integers(1, 3))):
        node = doc
        while isinstance(node, dict | list) and node and draw(st.integers(0, 3)):
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else
                                        range(len(node))))  # fmt: skip
            if not isinstance(node[key], dict | list) or not node[key]:
                break
            node = node[key]
        if not isinstance(node, dict | list) or not node:
            continue
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        action = draw(st.sampled_from(["replace", "delete", "add", "repeat"]))
        if action == "replace":
            node[key] = draw(st.one_of(SCALARS, DOCS))
        elif action == "delete":
            del node[key]
        elif action == "add" and isinstance(node, dict):
            node[draw(st.text(max_size=8))] = draw(SCALARS)
        elif action == "repeat" and isinstance(node, list):
            node.append(node[key])
    return doc


def _dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def check_catalogue(cat: catalogue.Catalogue) -> None:
    ids = [m.id for m in cat.measures]
    assert len(set(ids)) == len(ids)
    for m in cat.measures:
        assert m.unit in catalogue.UNITS and m.method in catalogue.METHODS_FOR_UNIT[m.unit]
        assert m.source in catalogue.SOURCES and m.polarity in catalogue.POLARITIES


def check_plans(plans, cat: catalogue.Catalogue) -> None:
    for plan in plans:
        measures = [t.measure for t in plan.targets]
        assert sorted(measures) == sorted(cat.ids), "one target per measure"
        assert plan.end > plan.start


@SETTINGS
@given(
    st.one_of(DOCS.map(_dump), st.text(max_size=200)), st.sampled_from(["indicators", "targets"])
)
def test_yaml_random_documents(scratch, text, which):
    path = _new_file(scratch, f"{which}.yaml")
    path.write_text(text, encoding="utf-8")
    try:
        if which == "indicators":
            check_catalogue(catalogue.load_indicators(path))
        else:
            check_plans(catalogue.load_targets(path, CATALOGUE), CATALOGUE)
    except CdpError as exc:
        event("refused")
        assert f"{which}.yaml" in str(exc)


@SETTINGS
@given(mutation_of(INDICATORS))
def test_indicators_yaml_mutated(scratch, doc):
    path = _new_file(scratch, "indicators.yaml")
    path.write_text(_dump(doc), encoding="utf-8")
    try:
        cat = catalogue.load_indicators(path)
    except CdpError:
        event("refused")
        return
    check_catalogue(cat)


def _null_targets(doc) -> bool:
    plans = doc.get("plans") if isinstance(doc, dict) else None
    return isinstance(plans, list) and any(
        isinstance(p, dict) and "targets" in p and p["targets"] is None for p in plans
    )


@SETTINGS
@given(mutation_of(TARGETS))
def test_targets_yaml_mutated(scratch, doc):
    # a plan with 'targets:' left empty loads with no targets: the known weakness pinned by
    # the corpus case tgt_targets_null (tests/corpus), so it is not rediscovered here
    assume(not _null_targets(doc))
    path = _new_file(scratch, "targets.yaml")
    path.write_text(_dump(doc), encoding="utf-8")
    try:
        plans = catalogue.load_targets(path, CATALOGUE)
    except CdpError:
        event("refused")
        return
    check_plans(plans, CATALOGUE)


# ------------------------------------------------------------------------------ area lookup

AREA_HEADER = areas.LOOKUP_COLUMNS


@st.composite
def area_row(draw) -> list[str]:
    return [
        draw(st.sampled_from(["E06000044", "E10000014", "E12000008", "E92000001"])),
        draw(st.sampled_from(["Portsmouth", "Hampshire", "Ynys Môn", "Brighton, and Hove"])),
        draw(st.sampled_from([tidy.ENGLAND, tidy.REGION, tidy.UTLA])),
        draw(st.sampled_from(["E12000008", ""])),
        draw(st.sampled_from(["South East", ""])),
    ]


@SETTINGS
@given(st.lists(area_row(), min_size=1, max_size=6).flatmap(mutated))
def test_area_lookup_random_tables(scratch, rows):
    path = _new_file(scratch / "x", "lookups/areas.csv")
    path.write_text(_csv([AREA_HEADER, *rows]), encoding="utf-8")
    try:
        df = areas.lookup(path.parent.parent)
    except CdpError:
        event("refused")
        return
    assert list(df.columns) == AREA_HEADER
    assert len(df) == len(rows)
    assert df["area_type"].isin([tidy.ENGLAND, tidy.REGION, tidy.UTLA]).all()
    assert not df["area_code"].duplicated().any()


@SETTINGS
@given(st.binary(max_size=200))
@example(b"E06000044,Ynys M\xf4n,UTLA,E12000008,South East\n")
@example(b"E06000044,Ynys\rMon,UTLA,E12000008,South East\n")
def test_area_lookup_random_bytes_after_the_header(scratch, tail):
    path = _new_file(scratch / "x", "lookups/areas.csv")
    path.write_bytes((",".join(AREA_HEADER) + "\n").encode() + tail)
    try:
        df = areas.lookup(path.parent.parent)
    except CdpError:
        event("refused")
        return
    assert list(df.columns) == AREA_HEADER


# ------------------------------------------------------------------------------ statistics

ANY = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.text(max_size=5),
    st.sampled_from(["12", "NaN", "", "1e3", "-1"]),
)
VECTORS = st.one_of(ANY, st.lists(ANY, min_size=0, max_size=8))
NUMBERS = st.lists(st.one_of(st.floats(-10, 1e7), st.just(float("nan"))), min_size=1, max_size=8)


def _ordered(lo, hi) -> None:
    lo, hi = np.atleast_1d(np.asarray(lo, dtype=float)), np.atleast_1d(np.asarray(hi, dtype=float))
    both = ~np.isnan(lo) & ~np.isnan(hi)
    assert (lo[both] <= hi[both]).all()


@SETTINGS
@given(VECTORS, VECTORS, st.sampled_from([0.95, 0.998]))
def test_stats_random_inputs_give_limits_or_stats_errors(count, denominator, level):
    calls = {
        "wilson_ci": lambda: wilson_ci(count, denominator, level),
        "byar_ci": lambda: byar_ci(count, level),
        "rate_ci": lambda: rate_ci(count, denominator, level),
    }
    for name, call in calls.items():
        try:
            lo, hi = call()
        except ValueError:  # StatsInputError is a ValueError
            continue
        _ordered(lo, hi)
        if name == "wilson_ci":
            vals = np.concatenate([np.atleast_1d(lo), np.atleast_1d(hi)]).astype(float)
            assert ((vals[~np.isnan(vals)] >= 0) & (vals[~np.isnan(vals)] <= 1)).all(), name


@SETTINGS
@given(NUMBERS, NUMBERS, NUMBERS, st.sampled_from(["higher_is_better", "lower_is_better",
                                                   "not_applicable", "sideways"]))  # fmt: skip
def test_stats_compare_and_trend(lower, upper, values, polarity):
    n = min(len(lower), len(upper))
    try:
        labels = compare(lower[:n], upper[:n], values[0], polarity)
    except ValueError:
        pass
    else:
        assert len(labels) == n
    try:
        recent_trend(value=values, lower=[v - 1 for v in values], upper=[v + 1 for v in values],
                     polarity=polarity)  # fmt: skip
    except ValueError:
        pass


@SETTINGS
@given(NUMBERS, NUMBERS)
def test_stats_funnel_and_dsr(numerators, denominators):
    try:
        funnel = funnel_limits_proportion(numerators, denominators)
    except ValueError:
        pass
    else:
        _ordered(funnel["lower_99_8"], funnel["lower_95"])
        _ordered(funnel["upper_95"], funnel["upper_99_8"])
    try:
        value, lo, hi = dsr(numerators, denominators)
    except (StatsInputError, ValueError):
        pass
    else:
        _ordered(lo, hi)
