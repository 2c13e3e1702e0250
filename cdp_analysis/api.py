"""The public API for analysts: tables in, tables and charts out, no page objects.

Everything here takes and returns pandas DataFrames (or matplotlib figures), reads the
data folder through the same validated loaders as the report, and applies the same
disclosure control (small counts from local and record-level data are suppressed before
you see them). The names are also top-level names of the package:

```python
import cdp_analysis as cdp
table = cdp.load_table(areas="E06000044")
```

| function | what it gives |
|---|---|
| `list_measures` | the plan's measures (catalogue), one row each |
| `list_areas` | England, the regions and the upper-tier councils |
| `load_table` | the tidy indicator table for a data folder and area(s) |
| `series` | one measure's headline series with 95% and 99.8% intervals, with England's and the regions' values |
| `compare_areas` | an area beside chosen others (and England), period by period |
| `assess` | the assessment of the plan's measures for an area: latest value, England comparison, ranks, trend, target status and its reason |
| `trend_chart` | an area over time (95% band, England, optionally one other area) |
| `funnel_chart` | every upper-tier council against its size, with control limits |
| `wilson_ci`, `byar_ci`, `exact_poisson_ci`, `rate_ci`, `dsr`, `dsr_grouped`, `compare`, `funnel_limits_proportion`, `funnel_limits_rate`, `funnel_limits_ratio`, `funnel_significance`, `recent_trend` | the statistics, from `cdp_analysis.stats` |

`data_dir` defaults to the bundled `data/` folder (or `$CDP_DATA_DIR`) and `quarter` to
`"latest"`, the latest quarter with quarterly data. Rows of synthetic demo data have
`source` starting `synthetic demo data` and `synthetic` True in series and assessments:
say so wherever you show them.

Example (the bundled data):

```pycon
>>> import cdp_analysis as cdp
>>> cdp.series("completions_alcohol", ["E06000044"], england=False, region=False).shape[0] > 0
True

```
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure as MplFigure

from . import areas as _areas
from . import disclosure
from . import indicator_table as _table
from .assessment.measures import measure_table
from .errors import CdpError
from .figures import Figure
from .figures import trend_chart as _trend_chart
from .pages import sections as _sections
from .pages.report_data import Report, load_report
from .paths import default_data_dir
from .plan.catalogue import load_indicators
from .stats import (
    byar_ci,
    compare,
    dsr,
    dsr_grouped,
    exact_poisson_ci,
    funnel_limits_proportion,
    funnel_limits_rate,
    funnel_limits_ratio,
    funnel_significance,
    rate_ci,
    recent_trend,
    wilson_ci,
)
from .tidy import ENGLAND_CODE

__all__ = [
    "assess",
    "byar_ci",
    "compare",
    "compare_areas",
    "dsr",
    "dsr_grouped",
    "exact_poisson_ci",
    "funnel_chart",
    "funnel_limits_proportion",
    "funnel_limits_rate",
    "funnel_limits_ratio",
    "funnel_significance",
    "list_areas",
    "list_measures",
    "load_table",
    "rate_ci",
    "recent_trend",
    "series",
    "trend_chart",
    "wilson_ci",
]

#: Columns of `list_measures`.
MEASURE_COLUMNS = [
    "measure_id", "short_name", "name", "unit", "polarity", "method", "source",
    "frequency", "priority", "objectives", "definition",
]  # fmt: skip


def _data_dir(data_dir: str | Path | None) -> Path:
    return Path(data_dir or default_data_dir()).resolve()


def _codes(areas: str | Iterable[str] | None) -> list[str] | None:
    """Area codes from one code, a string of codes separated by spaces or commas, or a list."""
    if areas is None:
        return None
    if isinstance(areas, str):
        areas = areas.replace(",", " ").split()
    codes = list(dict.fromkeys(str(a).strip() for a in areas))
    if not codes:
        raise CdpError("No area code given: pass one code such as 'E06000044', or a list.")
    return codes


def list_measures(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The measures of the plan's catalogue (`indicators.yaml`), in catalogue order.

    Columns: `measure_id` (the id every other function takes), `short_name`, `name`,
    `unit` (`percent`, `per_100k`, `count`, `kg`), `polarity`, `method` (the
    interval method), `source`, `frequency`, `priority`, `objectives`, `definition`.

    ```pycon
    >>> m = list_measures()
    >>> m.loc[m["measure_id"] == "completions_alcohol", ["short_name", "unit", "method"]]  # doctest: +NORMALIZE_WHITESPACE
                     short_name     unit  method
    16  Alcohol completions  percent  wilson

    ```
    """
    d = _data_dir(data_dir)
    table = measure_table(load_indicators(d / "indicators.yaml"))
    return table[MEASURE_COLUMNS].reset_index(drop=True)


def list_areas(data_dir: str | Path | None = None) -> pd.DataFrame:
    """England, the regions and the upper-tier councils of the area lookup
    (`lookups/areas.csv`): `area_code`, `area_name`, `area_type`, `parent_code`,
    `parent_name`.

    ```pycon
    >>> a = list_areas()
    >>> a.loc[a["area_name"].isin(["Portsmouth", "Southampton"]), ["area_code", "parent_name"]]  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
         area_code parent_name
    ...  E06000044  South East
    ...  E06000045  South East

    ```
    """
    return _areas.lookup(_data_dir(data_dir)).reset_index(drop=True)


def load_table(
    data_dir: str | Path | None = None,
    areas: str | Iterable[str] | None = None,
    measures: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """The tidy indicator table of a data folder: one row per measure, area, breakdown and
    period, as published (the columns of `cdp_analysis.tidy.COLUMNS`).

    `areas`: one area code, several (a list, or one string separated by spaces or
    commas), or None for every area (England, regions, upper-tier councils). `measures`:
    measure ids to keep (see `list_measures`), or None for all.

    Every source file is validated as it is read (a bad file raises one error naming the
    file, row and column). Small counts from local and record-level data are suppressed
    (`value_note` says `Suppressed: fewer than 5`), as in the report.

    ```pycon
    >>> t = load_table(areas="E06000044", measures="completions_alcohol")
    >>> sorted(t["area_name"].unique()), t["period_label"].iloc[-1]
    (['Portsmouth'], '2025/26 Q4')
    >>> bool(t["source"].str.startswith("synthetic demo data").all())
    True

    ```
    """
    d = _data_dir(data_dir)
    table = _table.load(d)
    catalogue = measure_table(load_indicators(d / "indicators.yaml"))
    codes = _codes(areas)
    if codes is not None:
        for code in codes:
            _areas.area(code, d)  # an unknown code stops here, naming close matches
        table = table[table["area_code"].isin(codes)]
    ids = _codes(measures)
    if ids is not None:
        unknown = sorted(set(ids) - set(catalogue["measure_id"]))
        if unknown:
            raise CdpError(f"Unknown measure id {unknown}: see cdp_analysis.list_measures().")
        table = table[table["indicator_id"].isin(ids)]
    rows = table.assign(measure_id=table["indicator_id"])
    rows = disclosure.apply_to_series(rows, catalogue).drop(columns="measure_id")
    return rows.reset_index(drop=True)


def _report(
    area_code: str,
    data_dir: str | Path | None,
    quarter: str,
    targets_file: str | Path | None,
    comparators: str | Iterable[str] | None = None,
) -> Report:
    comp = _codes(comparators)
    return load_report(area_code, quarter, _data_dir(data_dir), targets_file, comp)


def series(
    measure_id: str,
    areas: str | Iterable[str],
    *,
    england: bool = True,
    region: bool = True,
    years: float | None = None,
    data_dir: str | Path | None = None,
    quarter: str = "latest",
    targets_file: str | Path | None = None,
) -> pd.DataFrame:
    """One measure's headline series for `areas`, with England's and each area's region's
    values, up to the end of `quarter`.

    The headline rows are the measure's main breakdown (Persons, all ages; see
    docs/assessment.md), with `lower_95`/`upper_95` and `lower_99_8`/`upper_99_8`
    by the measure's method (Wilson for proportions, Byar or exact Poisson for counts,
    Dobson for rates). Measures published for single quarters are 12-month rolling totals.
    `years`: keep only periods ending within that many years of the quarter's end.

    Columns: the tidy columns plus `measure_id`, `months` (period length) and
    `synthetic`; sorted by area type (England, region, areas), area and period end.

    ```pycon
    >>> s = series("completions_alcohol", ["E06000044", "E06000045"], years=5)
    >>> s.groupby("area_name")["period_label"].count().to_dict()
    {'England': 20, 'Portsmouth': 20, 'South East region': 20, 'Southampton': 20}
    >>> row = s[s["area_code"].eq("E06000044")].iloc[-1]
    >>> row["period_label"], round(float(row["value"]), 1), round(float(row["lower_95"]), 1)
    ('2025/26 Q4', 33.9, 29.8)

    ```
    """
    codes = _codes(areas)
    report = _report(codes[0], data_dir, quarter, targets_file)
    report.measure(measure_id)  # an unknown id raises, naming the catalogue
    d = report.data_dir
    wanted = list(codes)
    for code in codes:
        _areas.area(code, d)
    if region:
        wanted += [_areas.area(c, d)["parent_code"] for c in codes]
    if england:
        wanted.append(ENGLAND_CODE)
    s = report.context.series
    out = s[(s["measure_id"] == measure_id) & s["area_code"].isin(wanted)]
    if years is not None:
        start = pd.Timestamp(report.quarter.end) - pd.DateOffset(days=round(365.25 * years))
        out = out[out["period_end"] > start]
    order = {ENGLAND_CODE: 0, **{c: 2 + i for i, c in enumerate(codes)}}
    key = out["area_code"].map(order).fillna(1)
    out = out.assign(_k=key).sort_values(["_k", "area_code", "period_end"])
    return out.drop(columns="_k").reset_index(drop=True)


def compare_areas(
    measure_id: str,
    area_code: str,
    others: str | Iterable[str],
    *,
    england: bool = True,
    years: float | None = None,
    data_dir: str | Path | None = None,
    quarter: str = "latest",
    targets_file: str | Path | None = None,
) -> pd.DataFrame:
    """One row per period: `area_code`'s value with its 95% interval beside the values of
    `others` (and England's), and for each of them whether the area is `Better`,
    `Similar` or `Worse` (`Higher`/`Lower` for measures without a polarity).

    The comparison is the Fingertips benchmark method (`compare`): the area's 95%
    interval wholly above or below the other's value. It does not allow for the other
    area's own uncertainty, so look at both intervals (`series`) before calling a
    difference between two councils of similar size real. Periods, `years` and the rest
    as in `series`; `synthetic` is True where any value in the row is synthetic.

    ```pycon
    >>> c = compare_areas("completions_alcohol", "E06000044", "E06000045", years=5)
    >>> list(c.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['period_label', 'period_end', 'Portsmouth', 'Portsmouth lower 95%',
     'Portsmouth upper 95%', 'Southampton', 'Portsmouth vs Southampton', 'England',
     'Portsmouth vs England', 'synthetic']
    >>> len(c), c["Portsmouth vs Southampton"].iloc[-1]
    (20, 'Worse')

    ```
    """
    codes = [area_code, *(c for c in _codes(others) or [] if c != area_code)]
    s = series(
        measure_id, codes, england=england, region=False, years=years, data_dir=data_dir,
        quarter=quarter, targets_file=targets_file,
    )  # fmt: skip
    me = s[s["area_code"] == area_code]
    if me.empty:
        raise CdpError(f"No {measure_id} figures for {area_code} in the data folder.")
    polarity = list_measures(data_dir).set_index("measure_id").loc[measure_id, "polarity"]
    name = str(me["area_name"].iloc[0])
    out = me[["period_label", "period_end", "value", "lower_95", "upper_95", "synthetic"]]
    out = out.rename(
        columns={"value": name, "lower_95": f"{name} lower 95%", "upper_95": f"{name} upper 95%"}
    )
    others_in_order = codes[1:] + ([ENGLAND_CODE] if england else [])
    for code in others_in_order:
        theirs = s[s["area_code"] == code]
        if theirs.empty:
            continue
        other = str(theirs["area_name"].iloc[0])
        theirs = theirs[["period_end", "value", "synthetic"]].rename(
            columns={"value": other, "synthetic": "_syn"}
        )
        out = out.merge(theirs, on="period_end", how="left")
        out["synthetic"] = out["synthetic"] | out["_syn"].fillna(False).astype(bool)
        label = compare(out[f"{name} lower 95%"], out[f"{name} upper 95%"], out[other], polarity)
        out[f"{name} vs {other}"] = pd.Series(label, index=out.index).fillna("")
        out = out.drop(columns="_syn")
    cols = [c for c in out.columns if c != "synthetic"] + ["synthetic"]
    return out[cols].reset_index(drop=True)


def assess(
    area_code: str,
    measure_id: str | None = None,
    *,
    comparators: str | Iterable[str] | None = None,
    data_dir: str | Path | None = None,
    quarter: str = "latest",
    targets_file: str | Path | None = None,
) -> pd.DataFrame:
    """The assessment of the plan's measures for one area in `quarter` (one row per
    measure; only `measure_id`'s row when given), as on the report's pages.

    Columns (`cdp_analysis.assessment.rag.SUMMARY_COLUMNS`): the latest `value`
    with `lower_95`/`upper_95` and `period_label`; `england_value` and
    `vs_england` (Better / Similar / Worse, or Higher / Lower, from the 95% interval);
    `comparator_rank` among `comparators` (default: the other councils of the region),
    `national_rank` and `funnel_position` among all upper-tier councils; `trend` (the
    Fingertips recent-trend test); `change_since_baseline`; `target_text`,
    `target_status`, `rag` and `reason`, the target's status in plain words;
    `synthetic` and `source`. Decision rules: docs/assessment.md.

    ```pycon
    >>> a = assess("E06000044", "completions_alcohol")
    >>> a[["value_display", "vs_england", "target_status", "rag"]].iloc[0].tolist()
    ['33.9%', 'Similar', 'achieved', 'green']

    ```
    """
    report = _report(area_code, data_dir, quarter, targets_file, comparators)
    s = report.summary
    if measure_id is not None:
        report.measure(measure_id)
        s = s[s["measure_id"] == measure_id]
    return s.reset_index(drop=True)


def _figure(fig: Figure, accessible: bool) -> MplFigure | Figure:
    return fig if accessible else fig.fig


def trend_chart(
    measure_id: str,
    area_code: str,
    *,
    compare_with: str | None = None,
    years: float | None = None,
    accessible: bool = False,
    data_dir: str | Path | None = None,
    quarter: str = "latest",
    targets_file: str | Path | None = None,
) -> MplFigure | Figure:
    """A line chart of the measure in `area_code` over time, with its 95% confidence band,
    England's line and, with `compare_with`, another area's (e.g. a neighbour or the
    region). `years` limits it to the last so many years, as in `series`.

    Returns a matplotlib `matplotlib.figure.Figure` (`fig.savefig("trend.png")`);
    with `accessible=True` the report's `cdp_analysis.figures.Figure` instead, which
    also carries the alt text, caption and the data drawn (`.fig` is the matplotlib
    figure), and shows in a notebook as an accessible `<figure>`. Charts of synthetic
    rows carry the words "Synthetic demo data".

    ```pycon
    >>> fig = trend_chart("completions_alcohol", "E06000044", compare_with="E06000045")
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['Portsmouth: 95% confidence interval', 'Portsmouth', 'Hollow markers: synthetic demo data', 'England', 'Southampton']

    ```
    """
    codes = [area_code] + ([compare_with] if compare_with else [])
    data = series(
        measure_id, codes, region=False, years=years, data_dir=data_dir, quarter=quarter,
        targets_file=targets_file,
    )  # fmt: skip
    if data[data["area_code"] == area_code].empty:
        raise CdpError(f"No {measure_id} figures for {area_code} in the data folder.")
    report = _report(area_code, data_dir, quarter, targets_file)
    fig = _trend_chart(
        data, area_code, measure=report.measure(measure_id), comparator_code=compare_with
    )
    return _figure(fig, accessible)


def funnel_chart(
    measure_id: str,
    area_code: str,
    *,
    accessible: bool = False,
    data_dir: str | Path | None = None,
    quarter: str = "latest",
    targets_file: str | Path | None = None,
) -> MplFigure | Figure:
    """Every upper-tier council's latest value of the measure against its size, with the
    95% and 99.8% control limits around England's value, `area_code` highlighted (as in
    the report). For proportions (Wilson) and directly standardised rates only, and only
    where at least ten councils have figures; otherwise a `CdpError` says why.

    Returns a matplotlib figure, or with `accessible=True` the report's
    `cdp_analysis.figures.Figure` (see `trend_chart`).

    ```pycon
    >>> fig = funnel_chart("completions_alcohol", "E06000044")
    >>> type(fig).__name__, fig.axes[0].get_xlabel()
    ('Figure', 'People in treatment (denominator)')

    ```
    """
    report = _report(area_code, data_dir, quarter, targets_file)
    m = report.measure(measure_id)
    fig = _sections.funnel_figure(report, measure_id) if report.has_england(measure_id) else None
    if fig is None:
        raise CdpError(
            f"No funnel chart for {m.short_name} in {report.area_name}: a funnel needs "
            "England's value and at least ten upper-tier councils' figures for the latest "
            f"period, and a proportion or directly standardised rate (this is {m.method})."
        )
    return _figure(fig, accessible)
