"""The rendered Portsmouth pack as a reader sees it (issue 13): no real figure set among
synthetic ones, and every target names the baseline period it is judged against.

tests/test_real_vs_synthetic.py checks the assessment tables behind the pack; this module
walks the rendered HTML of the bundled Portsmouth pack, built once per quarter with the real
command line: at ``latest`` (2025/26 Q4) and at 2018/19 Q3, whose 12 months to December
2018 have real non-opiate completions for 35 areas (the January 2020 Fingertips snapshot)
beside demo figures for the other 117.

Every chart carries its data as a CSV download (area, period, value). Each row is looked up
in the indicator table the pack was built from (measure, area, period and value) to learn
whether it is real or synthetic demo data, and then:

* a comparator chart (horizontal bars: the area, its comparators, England) and a funnel plot
  hold only figures of the area's own kind;
* each spine row's England value is of the area's kind, and its lowest and highest values are
  the extremes of the area's kind only;
* a trend chart that compares the area with England in words compares figures of one kind;
* each row of the overview's table shows England only when England's figure is of the
  area's kind.

Baseline wording: for every measure whose target is judged against a baseline (direction
and multiple targets), each chart's alt text that mentions the baseline, the overview's
target cell and its "why this rating" sentence name the period the assessment actually used
(``report.assessment.targets["baseline_period"]``, e.g. "2019-21" for deaths, "12 months to
2022/23 Q4" for local counts), not the plan's baseline year alone.

The data log's disclosure rule (no record of the record-level episodes) is checked here too.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from cdp_analysis import cli, indicator_table, tidy
from cdp_analysis.pages.report_data import load_report
from cdp_analysis.paths import default_data_dir
from cdp_analysis.plan.catalogue import load_indicators

pytestmark = pytest.mark.slow

DATA = default_data_dir()
AREA, AREA_NAME = "E06000044", "Portsmouth"
QUARTERS = {"latest": "2025-26Q4", "2018-19Q3": "2018-19Q3"}
#: How far a CSV or page value may be from the table's (CSVs keep full precision; pages
#: round to one decimal place or to whole numbers).
TOLERANCE = 0.051


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    t = indicator_table.load(DATA)
    return t.assign(synthetic=tidy.is_synthetic(t["source"]))


@pytest.fixture(scope="module")
def catalogue():
    return load_indicators(DATA / "indicators.yaml")


@pytest.fixture(scope="module", params=list(QUARTERS))
def quarter(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def pack(quarter, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(
            ["run", "--area", AREA, "--quarter", quarter, "--data", str(DATA),
             "--out", str(out)]
        )  # fmt: skip
    assert code == 0, err.getvalue()
    return out / AREA / QUARTERS[quarter]


def figures(pack: Path) -> list[tuple[str, str, list[dict]]]:
    """(page, alt text, CSV rows) of every chart of the pack."""
    out = []
    for page in sorted(pack.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for fig in re.findall(r'<figure class="cdp-figure">(.*?)</figure>', text, re.S):
            alt = html.unescape(re.search(r'<img alt="([^"]*)"', fig).group(1))
            data = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', fig)
            linked = re.search(
                r'data-cdp-csv="[^"]*" download="[^"]*" href="(data/[^"]+\.csv)"', fig
            )
            assert data or linked, f"{page.name}: a chart without its CSV: {alt[:80]}"
            if data:
                body = base64.b64decode(data.group(1)).decode("utf-8")
            else:  # a published pack links each CSV as a file in its data/ folder (issue 15)
                body = (pack / linked.group(1)).read_text(encoding="utf-8")
            out.append((page.name, alt, list(csv.DictReader(io.StringIO(body)))))
    return out


def measure_of(alt: str, catalogue) -> str:
    """The measure a chart shows: the longest catalogue name its alt text starts with."""
    names = [
        m for m in catalogue if re.match(r"[\w -]+ (?:chart|plot) of " + re.escape(m.name), alt)
    ]
    assert names, f"no measure named in: {alt[:100]}"
    return max(names, key=lambda m: len(m.name)).id


def kind(table, measure_id: str, area: str, period: str, value: float) -> bool:
    """Whether the figure shown (``area`` by name or code) is synthetic demo data: the one
    row of the table with that measure, area, value and period (by its end, so that a row
    shown under another source's label for the same period is found too)."""
    measure = table[table["indicator_id"] == measure_id]
    ends = measure.loc[measure["period_label"] == period, "period_end"].unique()
    rows = measure[
        ((measure["area_name"].str.upper() == area.upper()) | (measure["area_code"] == area))
        & measure["period_end"].isin(ends)
        & ((measure["value"] - value).abs() <= TOLERANCE)
    ]
    assert len(rows) == 1, f"{measure_id} {area} {period} {value}: {len(rows)} rows match"
    return bool(rows["synthetic"].iloc[0])


def pools(pack: Path, table, catalogue) -> list[tuple[str, str, str, set[bool]]]:
    """(page, chart, what, kinds) of every comparison a chart or table of the pack makes,
    ``kinds`` holding the area's kind and every kind it is set among."""
    found = []
    for page, alt, rows in figures(pack):
        if alt.startswith(("Horizontal bar chart of", "Funnel plot of")):
            mid = measure_of(alt, catalogue)
            kinds = {kind(table, mid, r["area_name"], r["period_label"], float(r["value"]))
                     for r in rows if r["value"]}  # fmt: skip
            assert any(r["area_name"] == AREA_NAME for r in rows), alt[:80]
            found.append((page, f"{mid}: {alt[:60]}", "areas plotted", kinds))
        elif alt.startswith("Spine chart of"):
            found += _spine(page, rows, table, catalogue)
        elif alt.startswith("Line chart of") and re.search(r" and England [^:]*: ", alt):
            found += _trend(page, alt, rows, table, catalogue)
    found += _overview(pack, table)
    return found


def _spine(page, rows, table, catalogue):
    by_short = {m.short_name: m.id for m in catalogue}
    out = []
    for r in rows:
        mid, period = by_short[r["short_name"]], r["period_label"]
        mine = kind(table, mid, AREA, period, float(r["value"]))
        eng = kind(table, mid, tidy.ENGLAND_CODE, period, float(r["england_value"]))
        measure = table[table["indicator_id"] == mid]
        ends = measure.loc[measure["period_label"] == period, "period_end"].unique()
        pool = measure[measure["period_end"].isin(ends) & (measure["area_type"] == tidy.UTLA)]
        same = pool[pool["synthetic"] == mine]["value"]
        lowest, highest = float(r["lowest_area_value"]), float(r["highest_area_value"])
        # a range taken over both kinds would reach beyond the same-kind extremes
        ok = abs(same.min() - lowest) <= TOLERANCE and abs(same.max() - highest) <= TOLERANCE
        out.append((page, f"spine row {r['short_name']}", "England", {mine, eng}))
        out.append((page, f"spine row {r['short_name']}", "range", {mine} if ok else {True, False}))
    return out


def _trend(page, alt, rows, table, catalogue):
    m = re.search(r"In (.+?), Portsmouth was .*? and England [^:]*: ", alt)
    if not m:
        return []
    mid, period = measure_of(alt, catalogue), m.group(1)
    shown = {r["area_name"].title(): float(r["value"]) for r in rows
             if r["period_label"] == period and r["value"]}  # fmt: skip
    kinds = {kind(table, mid, name, period, shown[name]) for name in (AREA_NAME, "England")}
    return [(page, f"{mid}: {alt[:60]}", f"England in {period}", kinds)]


def _overview(pack: Path, table):
    """Each overview row with an England figure: the area's and England's figure of one kind."""
    text = (pack / "00_overview.html").read_text(encoding="utf-8")
    block = text.split('<div id="every-measure">', 1)[1].split("</table>", 1)[0]
    out = []
    for row in re.findall(r'<tr><th scope="row">(.*?)</tr>', block, re.S):
        mid = re.search(r"#measure-([\w]+)", row).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        latest, england = cells[0], cells[1]
        number = re.compile(r"^(-?[\d,]+(?:\.\d+)?)")
        v, e = number.search(html.unescape(latest)), number.search(html.unescape(england))
        if not (v and e):
            continue  # no figure, or no England comparison shown
        period = re.findall(r"<small>([^<]*)</small>", latest)[-1].removeprefix("12 months to ")
        mine = kind(table, mid, AREA, period, float(v.group(1).replace(",", "")))
        eng = kind(table, mid, tidy.ENGLAND_CODE, period, float(e.group(1).replace(",", "")))
        out.append(("00_overview.html", f"overview row {mid}", "England", {mine, eng}))
    return out


def test_every_comparison_on_the_pages_sets_like_with_like(pack, table, catalogue):
    found = pools(pack, table, catalogue)
    mixed = [f for f in found if len(f[3]) > 1]
    assert not mixed, mixed
    kinds = {k for f in found for k in f[3]}
    assert len(found) >= 10
    if pack.name == "2018-19Q3":
        # the walk reached the real non-opiate completions among the demo ones
        real = [
            f
            for f in found
            if f[1].startswith("completions_non_opiate:") and f[2] == "areas plotted"
        ]
        assert all(f[3] == {False} for f in real), real
        assert len(real) == 2, found  # comparator chart and funnel plot
        assert kinds == {True, False}


def test_the_real_non_opiate_funnel_holds_only_real_areas(pack, table, catalogue):
    """2018/19 Q3: 35 areas have real figures; the funnel plots those 35, not all 152."""
    if pack.name != "2018-19Q3":
        pytest.skip("only 2018/19 Q3 has real and demo figures for one measure and period")
    funnels = [f for f in figures(pack) if f[1].startswith("Funnel plot of Successful "
               "completion of drug treatment - non-opiate")]  # fmt: skip
    assert len(funnels) == 1
    assert len(funnels[0][2]) == 35


def test_data_log_shows_no_record(pack):
    """The data log names the record-level episodes file but none of its records."""
    log = (pack / "data_log.html").read_text(encoding="utf-8")
    assert "episodes_E06000044_demo.csv" in log.replace("<wbr>", "")
    lines = (DATA / "demo" / "episodes_E06000044_demo.csv").read_text().splitlines()[1:]
    ids = {line.split(",", 1)[0] for line in lines}
    assert ids and not any(i in log for i in ids)


@pytest.fixture(scope="module")
def baselines(quarter) -> dict[str, str]:
    """The baseline period each baseline-judged target of Portsmouth's plan used."""
    t = load_report(AREA, quarter).assessment.targets
    t = t[(t["area_code"] == AREA) & t["target_type"].isin(["direction", "multiple_of_baseline"])]
    return {
        r.measure_id: r.baseline_period
        for r in t.itertuples()
        if isinstance(r.baseline_period, str)
    }


def test_chart_alt_texts_name_the_baseline_period_used(pack, catalogue, baselines):
    checked = 0
    for page, alt, _ in figures(pack):
        if "baseline" not in alt or not alt.startswith("Line chart of"):
            continue
        mid = measure_of(alt, catalogue)
        assert mid in baselines, f"{page}: a baseline in the alt text of a measure without one"
        assert f"the {baselines[mid]} baseline" in alt, (page, mid, baselines[mid], alt)
        checked += 1
    assert checked >= 10


def test_overview_target_wording_names_the_baseline_period_used(pack, baselines):
    text = (pack / "00_overview.html").read_text(encoding="utf-8")
    block = text.split('<div id="every-measure">', 1)[1].split("</table>", 1)[0]
    checked = 0
    for row in re.findall(r'<tr><th scope="row">(.*?)</tr>', block, re.S):
        mid = re.search(r"#measure-([\w]+)", row).group(1)
        if mid not in baselines:
            continue
        cells = [html.unescape(re.sub(r"<[^>]+>", " ", c))
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]  # fmt: skip
        target, why = cells[3], cells[5]
        assert baselines[mid] in target, (mid, baselines[mid], target)
        if "baseline" in why:
            assert baselines[mid] in why, (mid, baselines[mid], why)
        checked += 1
    assert checked >= 10


def test_the_index_lists_every_objective_of_the_plan(pack, catalogue):
    """Issue 13: the index lists all 24 objectives of Portsmouth's plan, and names the 8 that
    no measure in the pack evidences (the overview says why, with a template row)."""
    index = (pack / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r"<li><strong>(\d+\.\d+)</strong>", index)
    assert listed == list(catalogue.objectives) and len(listed) == 24
    assert "8 have none (1.2, 2.4, 2.5, 2.8, 2.9, 2.11, 2.12, 3.6)" in index
    assert index.count("<em>no measure in this pack</em>") == 8
