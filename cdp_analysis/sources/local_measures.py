"""Local measures: the CSV template for figures no national source publishes -> tidy table.

Partners (police, probation, the treatment provider, children's services, the council's
survey team) send figures such as county lines closed, drug seizures, CPI reports, CAWN
notices, residential rehab placements, prison leavers engaged, DRRs/ATRs, IPS jobs, young
people's education sessions, staff trained and young people criminally exploited. They go
into one CSV in the layout of ``data/templates/local_measures_template.csv``; the measures
are those in ``data/indicators.yaml`` with ``source: local`` (their ``source_id`` is the
``measure_id`` to use). ``docs/local_measures.md`` lists them for the people filling it in.

The template (UTF-8 CSV with a header row; one row per measure x area x period)
===============================================================================

==============  ========  ========================================================================
column          required  meaning
==============  ========  ========================================================================
measure_id      yes       a local measure's id from indicators.yaml, e.g. ``county_lines_closed``
area_code       yes       the area the figure is for, a code in ``data/lookups/areas.csv``
                          (``E06000044`` = Portsmouth)
period_label    yes       a financial-year quarter on its own, ``2023/24 Q1`` (April-June 2023;
                          ``2023-24Q1`` is accepted), for measures with frequency
                          ``single_quarter``; or a financial year, ``2023/24``, for measures with
                          frequency ``annual``. Quarters are NOT rolling 12 months here.
period_start    yes       first day of the period, ``YYYY-MM-DD`` (or ``DD/MM/YYYY``)
period_end      yes       last day of the period; both dates must match the label
count           yes       the number: people, events or items, a whole number (kilograms may
                          have decimals for ``drug_seizure_amount``); 0 when there were none
denominator     see note  only for proportion measures (unit ``percent``: residential rehab,
                          prison leavers engaged, the ASB survey): the number the count is out
                          of. Leave it empty for every other measure.
value_note      no        free text shown with the figure, e.g. "provisional"
source          yes       who supplied the figure, e.g. "Hampshire Constabulary"; demo rows
                          say "synthetic demo data"
==============  ========  ========================================================================

Checks (all problems are collected, then raised together as one
:class:`~cdp_analysis.errors.InputError` with CSV line numbers, the header being line 1):
the file exists, is UTF-8 and not empty; the columns are exactly those above (a misspelt
column is named with the likely intended one); every row has as many fields as the header;
required fields are filled; the measure id is a local measure of the catalogue; the area
code is known; dates are real dates, the end is not before the start, and both match the
period label; the label's kind (quarter or year) suits the measure's frequency; the period
has ended (no future periods); count and denominator are numbers (no text, no thousands
separators), not negative, whole (except kilograms); a denominator is given exactly for
proportion measures, is above 0 and not below the count; no two rows share measure, area and
period. Rows that are entirely blank (as spreadsheets leave at the end) are not data and are
skipped.

Output: the tidy indicator table (:mod:`cdp_analysis.tidy`) with ``indicator_id`` = the
measure id, sex ``Persons``, the measure's age band and category, ``value`` = the count (or
the percentage ``100 * count / denominator`` with Wilson 95% and 99.8% limits for
proportion measures; other limits are left empty), ``value_note`` as given, and ``source``
= the row's source followed by the file name in brackets.
"""

from __future__ import annotations

import csv
import difflib
import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import areas, schemas, tidy
from ..errors import InputError, Problem
from ..paths import default_data_dir
from ..periods import Quarter, financial_year
from ..plan.catalogue import INDICATORS_FILE, Catalogue, load_indicators
from ..text_files import decode_utf8

KIND = "local measures CSV"

#: Template columns, in order.
COLUMNS = [
    "measure_id",
    "area_code",
    "period_label",
    "period_start",
    "period_end",
    "count",
    "denominator",
    "value_note",
    "source",
]
#: Columns that must be filled on every row.
REQUIRED = [
    "measure_id",
    "area_code",
    "period_label",
    "period_start",
    "period_end",
    "count",
    "source",
]

TEMPLATE = Path("templates") / "local_measures_template.csv"

_UTF8_FIX = (
    "save the file as UTF-8: in Excel use File > Save As > 'CSV UTF-8 (Comma delimited) "
    "(*.csv)'; in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'"
)


_TEMPLATE_NAME = "data/templates/local_measures_template.csv"
_EMPTY_FIX = (
    "restore the file from the copy the partners sent (an empty file usually means a failed save "
    f"or copy), or start again from {_TEMPLATE_NAME}: its header row, then one row per "
    "measure x area x period; `cdp-analysis demo-data` writes the bundled demo file "
    "(data/demo/local_measures_E06000044_demo.csv) again"
)


def template_path(data_dir: str | Path | None = None) -> Path:
    """The bundled template, ``data/templates/local_measures_template.csv``."""
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return base / TEMPLATE


def looks_like_local_measures(path: str | Path) -> bool:
    """True when the file's first line holds the template's key columns."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            first = fh.readline()
    except OSError:
        return False
    header = {c.strip().lower() for c in next(csv.reader([first]), [])}
    return {"measure_id", "area_code", "period_label", "count"} <= header


def read_local_measures(
    path: str | Path,
    *,
    catalogue: Catalogue | None = None,
    data_dir: str | Path | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Read and validate a local measures CSV and return it as a tidy table.

    ``catalogue`` defaults to ``indicators.yaml`` in ``data_dir`` (default: the bundled
    ``data/``), which also holds the area lookup. ``today`` is the date after which a period
    counts as in the future (default: today). Raises :class:`InputError` listing every
    problem found, with CSV line numbers.
    """
    path = Path(path)
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    if catalogue is None:
        catalogue = load_indicators(base / INDICATORS_FILE)
    today = today or date.today()
    df = _parse(path)
    measures = {m.source_id: m for m in catalogue.by_source("local")}
    lookup = areas.lookup(data_dir)
    problems, parsed = _validate(df, measures, catalogue, lookup, today)
    if problems:
        raise InputError(
            path,
            problems,
            kind=KIND,
            fix="correct the rows named above; the layout is in "
            "data/templates/local_measures_template.csv and docs/local_measures.md",
        )
    return _to_tidy(parsed, measures, lookup, path.name)


# ------------------------------------------------------------------------------ reading


def _parse(path: Path) -> pd.DataFrame:
    """The CSV as text columns plus ``line`` (the CSV line each row starts on)."""
    if not path.is_file():
        raise InputError(
            path,
            "the file does not exist",
            kind=KIND,
            fix="check the file name; a new file starts from " + _TEMPLATE_NAME,
        )
    text = decode_utf8(path.read_bytes(), path, KIND, empty_fix=_EMPTY_FIX, utf8_fix=_UTF8_FIX)

    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines, short = [], [], []
    header: list[str] | None = None
    prev_end = 0
    for fields in reader:
        start, prev_end = prev_end + 1, reader.line_num
        if header is None:
            header = [h.strip() for h in fields]
            continue
        if not any(f.strip() for f in fields):
            continue  # a blank line or a row of empty cells: not data
        if len(fields) != len(header):
            short.append((start, len(fields)))
            continue
        rows.append(fields)
        lines.append(start)

    _check_header(header or [], path)
    if short:
        raise InputError(
            path,
            Problem(
                f"rows have a different number of fields from the header ({len(header)})",
                rows=[s for s, _ in short],
                expected=f"{len(header)} comma-separated fields per row",
            ),
            kind=KIND,
            fix="check for stray or missing commas; quote text that contains commas",
        )
    if not rows:
        raise InputError(
            path,
            Problem(
                "the file has a header but no data rows",
                expected="one row per measure x area x period after the header",
            ),
            kind=KIND,
            fix="add one row per measure x area x period under the header, as in "
            f"{_TEMPLATE_NAME} (docs/local_measures.md lists the measures); or, if the rows "
            "were lost, restore the file from the copy the partners sent",
        )
    df = pd.DataFrame(rows, columns=header, dtype=str)
    df = df.apply(lambda s: s.str.strip())
    df["line"] = lines
    return df


def _check_header(header: list[str], path: Path) -> None:
    problems = []
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        problems.append(Problem(f"columns given twice: {', '.join(dupes)}", rows=[1]))
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h not in COLUMNS]
    for col in missing:
        close = difflib.get_close_matches(col, extra, n=1, cutoff=0.6)
        hint = f" (is '{close[0]}' meant to be '{col}'?)" if close else ""
        problems.append(Problem(f"missing column '{col}'{hint}", rows=[1], column=col))
    for col in extra:
        if not difflib.get_close_matches(col, missing, n=1, cutoff=0.6):
            problems.append(
                Problem(
                    f"unknown column '{col}'",
                    rows=[1],
                    column=col,
                    expected=f"the columns {', '.join(COLUMNS)}",
                )
            )
    if problems:
        raise InputError(
            path, problems, kind=KIND, fix="use the header row of the template, unchanged"
        )


# ------------------------------------------------------------------------------ checking


def _parse_dates(s: pd.Series) -> pd.Series:
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def _label_dates(labels: pd.Series) -> pd.DataFrame:
    """Per label: kind (quarter/year), canonical label and expected dates (NaT if unknown)."""
    out = {}
    for label in labels.unique():  # a handful of distinct labels, not one per row
        try:
            q = Quarter.parse(label)
            out[label] = ("quarter", q.fingertips_label, q.start, q.end)
            continue
        except ValueError:
            pass
        try:
            start, end = financial_year(label)
            out[label] = ("year", label.replace(" ", ""), start, end)
        except ValueError:
            out[label] = ("", "", None, None)
    table = pd.DataFrame.from_dict(
        out, orient="index", columns=["kind", "canonical", "exp_start", "exp_end"]
    )
    res = table.reindex(labels.to_numpy())
    res.index = labels.index
    res["exp_start"] = pd.to_datetime(res["exp_start"])
    res["exp_end"] = pd.to_datetime(res["exp_end"])
    return res


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.where(s != ""), errors="coerce")


def _rules(
    frame: pd.DataFrame, measures, catalogue, area_codes: list[str], today: date
) -> list[schemas.Rule]:
    """The row checks of a local measures file, in the order they are reported. ``frame``
    holds the cells as text plus the parsed helper columns ``_start``, ``_end``, ``_kind``,
    ``_exp_start``, ``_exp_end``, ``_canon``, ``_freq``, ``_unit``, ``_count``, ``_den``."""
    return (
        _identity_rules(frame, measures, catalogue, area_codes)
        + _period_rules(frame, today)
        + _number_rules()
    )


def _identity_rules(
    frame: pd.DataFrame, measures, catalogue, area_codes: list[str]
) -> list[schemas.Rule]:
    """Required cells, measure ids and area codes."""
    rule = schemas.Rule
    rules = [
        rule("empty", lambda s: s != "", col, expected="a value on every row") for col in REQUIRED
    ]
    mid = frame["measure_id"]
    known_other = {m.id: m.source for m in catalogue if m.source != "local"}
    for name in sorted(set(mid[mid.isin(list(known_other))])):
        rules.append(
            rule(f"'{name}' is not a local measure: it comes from {known_other[name]}",
                 lambda s, name=name: s != name, "measure_id",
                 expected="a local measure id (see docs/local_measures.md)")
        )  # fmt: skip
    rules += [
        rule("unknown measure id",
             lambda s: (s == "") | s.isin(list(measures)) | s.isin(list(known_other)),
             "measure_id", expected=f"one of {', '.join(measures)}"),
        rule("unknown area code", lambda s: (s == "") | s.isin(area_codes),
             "area_code", expected="a code in data/lookups/areas.csv, e.g. E06000044 (Portsmouth)"),
    ]  # fmt: skip
    return rules


def _period_rules(frame: pd.DataFrame, today: date) -> list[schemas.Rule]:
    """Dates, period labels, their agreement, the measure's frequency and periods not ended."""
    rule = schemas.Rule
    rules = [
        rule("not a date", lambda d: ~((d["period_start"] != "") & d["_start"].isna()),
             name="period_start", expected="YYYY-MM-DD"),
        rule("not a date", lambda d: ~((d["period_end"] != "") & d["_end"].isna()),
             name="period_end", expected="YYYY-MM-DD"),
        rule("period_end is before period_start", lambda d: ~(d["_end"] < d["_start"]),
             name="period_end"),
        rule("not a financial-year quarter or year",
             lambda d: ~((d["period_label"] != "") & (d["_kind"] == "")), name="period_label",
             expected="like 2023/24 Q1 (a quarter on its own) or 2023/24 (a financial year)"),
    ]  # fmt: skip
    mismatch = _mismatch(frame)
    for label in sorted(set(frame.loc[mismatch, "period_label"])):
        r = frame[frame["period_label"] == label].iloc[0]
        rules.append(
            rule(f"the dates do not match the period label '{label}'",
                 lambda d, label=label: ~(_mismatch(d) & (d["period_label"] == label)),
                 name="period_start/period_end",
                 expected=f"{r['_exp_start']:%Y-%m-%d} to {r['_exp_end']:%Y-%m-%d}")
        )  # fmt: skip
    rules += [
        rule("this measure is reported for each quarter on its own, not for a year",
             lambda d: ~((d["_freq"] == "single_quarter") & (d["_kind"] == "year")),
             name="period_label", expected="a quarter like 2023/24 Q1"),
        rule("this measure is reported for financial years, not quarters",
             lambda d: ~((d["_freq"] == "annual") & (d["_kind"] == "quarter")),
             name="period_label", expected="a financial year like 2023/24"),
        rule(f"the period has not ended yet (today is {today:%Y-%m-%d})",
             lambda d: ~(d["_end"] > pd.Timestamp(today)), name="period_end",
             expected="periods that have ended"),
    ]  # fmt: skip
    return rules


def _number_rules() -> list[schemas.Rule]:
    """Counts and denominators: numbers, whole, in range, and one row per measure/area/period."""
    rule = schemas.Rule
    rules = []
    for col, num in (("count", "_count"), ("denominator", "_den")):
        text = lambda d, col=col, num=num: (d[col] != "") & d[num].isna()  # noqa: E731
        comma = lambda d, col=col: d[col].str.contains(",", regex=False)  # noqa: E731
        rules += [
            rule("not a number (thousands separator?)", lambda d, t=text, c=comma: ~(t(d) & c(d)),
                 name=col, expected="digits only, e.g. 1234"),
            rule("not a number", lambda d, t=text, c=comma: ~(t(d) & ~c(d)), name=col,
                 expected="a number, e.g. 12"),
            rule("negative", lambda d, num=num: ~(d[num] < 0), name=col, expected="0 or more"),
            rule("not a whole number",
                 lambda d, num=num: d[num].isna() | (d[num] == np.floor(d[num])) | (d["_unit"] == "kg"),
                 name=col, expected="a whole number"),
        ]  # fmt: skip
    proportion = lambda d: d["_unit"] == "percent"  # noqa: E731
    rules += [
        rule("a proportion measure needs its denominator",
             lambda d: ~(proportion(d) & (d["denominator"] == "")), name="denominator",
             expected="the number the count is out of"),
        rule("this measure is a number, not a proportion: leave the denominator empty",
             lambda d: ~(~proportion(d) & d["_unit"].notna() & (d["denominator"] != "")),
             name="denominator", expected="empty"),
        rule("the denominator is 0", lambda d: ~(proportion(d) & (d["_den"] == 0)),
             name="denominator", expected="above 0"),
        rule("count is above the denominator", lambda d: ~(d["_count"] > d["_den"]),
             name="count", expected="count <= denominator"),
        rule("the same measure, area and period appear on more than one row",
             lambda d: ~(d[["measure_id", "area_code", "_canon"]].duplicated(keep=False)
                         & (d["measure_id"] != "")), expected="one row each"),
    ]  # fmt: skip
    return rules


def _mismatch(d: pd.DataFrame) -> pd.Series:
    """Rows whose dates differ from the dates their (recognised) period label implies."""
    both = (d["_kind"] != "") & d["_start"].notna() & d["_end"].notna()
    return both & ((d["_start"] != d["_exp_start"]) | (d["_end"] != d["_exp_end"]))


def _validate(df, measures, catalogue, lookup, today):
    """Check the rows against the file's schema (:mod:`cdp_analysis.schemas`); return the problems and
    the rows with parsed dates, canonical labels and numbers."""
    lab = _label_dates(df["period_label"])
    known_label = lab["kind"] != ""
    parsed = df.assign(
        start=_parse_dates(df["period_start"]),
        end=_parse_dates(df["period_end"]),
        label=lab["canonical"],
        count_n=_numbers(df["count"]),
        den_n=_numbers(df["denominator"]),
    )
    frame = df.assign(
        _start=parsed["start"], _end=parsed["end"], _kind=lab["kind"],
        _exp_start=lab["exp_start"], _exp_end=lab["exp_end"],
        _canon=lab["canonical"].where(known_label, df["period_label"]),
        _freq=df["measure_id"].map({k: m.frequency for k, m in measures.items()}),
        _unit=df["measure_id"].map({k: m.unit for k, m in measures.items()}),
        _count=parsed["count_n"], _den=parsed["den_n"],
    ).set_index("line")  # fmt: skip
    rules = _rules(frame, measures, catalogue, list(lookup["area_code"]), today)
    return schemas.problems(frame, rules), parsed


# ------------------------------------------------------------------------------ output


def _to_tidy(df: pd.DataFrame, measures, lookup: pd.DataFrame, file_name: str) -> pd.DataFrame:
    names = lookup.set_index("area_code")
    m = {k: v for k, v in measures.items()}
    proportion = df["measure_id"].map({k: v.unit == "percent" for k, v in m.items()}).astype(bool)
    count = df["count_n"].astype(float)
    den = df["den_n"].where(proportion).astype(float)
    value = np.where(proportion, 100 * count / den, count)
    out = pd.DataFrame(
        {
            "indicator_id": df["measure_id"],
            "area_code": df["area_code"],
            "area_name": df["area_code"].map(names["area_name"]),
            "area_type": df["area_code"].map(names["area_type"]),
            "sex": tidy.PERSONS,
            "age": df["measure_id"].map({k: v.age or "All ages" for k, v in m.items()}),
            "category": df["measure_id"].map({k: v.category for k, v in m.items()}),
            "period_label": df["label"],
            "period_start": df["start"],
            "period_end": df["end"],
            "count": count,
            "denominator": den,
            "value": value,
            "value_note": df["value_note"],
            "source": df["source"] + f" ({file_name})",
        }
    )
    if proportion.any():
        from ..stats import wilson_ci  # imported when needed: stats is heavier than this module

        limits = wilson_ci(count[proportion], den[proportion], confidence=[0.95, 0.998])
        for level, (lo, hi) in (
            (0.95, ("lower_95", "upper_95")),
            (0.998, ("lower_99_8", "upper_99_8")),
        ):
            low, up = limits[level]
            out.loc[proportion, lo] = 100 * np.asarray(low, dtype=float)
            out.loc[proportion, hi] = 100 * np.asarray(up, dtype=float)
    out = out.sort_values(["indicator_id", "area_code", "period_start", "period_end"])
    return tidy.conform(out)
