"""The pack's CSV downloads (issue 15): a file beside every chart and table, one tidy CSV of
the whole pack, all in the manifest and checked by ``cdp-analysis verify``; and the CSV files
keep the page's disclosure control (a security boundary: suppressed counts stay suppressed,
no record-level data)."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cdp_analysis.disclosure import THRESHOLD
from cdp_analysis.figures.figure import csv_download_html, table_html
from cdp_analysis.report import downloads, workbook

QUARTER = "2025-26Q4"
AREA = "E06000044"


def _link(df: pd.DataFrame, title: str) -> str:
    return csv_download_html(df, title)


# --------------------------------------------------------------------------- unit


def test_page_csvs_are_written_beside_the_page_and_linked(tmp_path):
    df = pd.DataFrame({"area_name": ["Portsmouth", "England"], "value": [4.5, 5.25]})
    page = "<p>x</p>" + _link(df, "Opiate completions: Portsmouth") + "<p>y</p>"
    page += table_html(df, "Deaths & more", download=True)
    new, files = downloads.write_page_csvs(page, "01_treatment", tmp_path)
    assert [f["file"] for f in files] == [
        "data/01-treatment-01-opiate-completions-portsmouth.csv",
        "data/01-treatment-02-deaths-more.csv",
    ]
    assert files[1]["title"] == "Deaths & more" and files[0]["rows"] == 2
    assert "data:text/csv" not in new
    assert 'href="data/01-treatment-01-opiate-completions-portsmouth.csv"' in new
    text = (tmp_path / files[0]["file"]).read_text(encoding="utf-8")
    assert text == "area_name,value\nPortsmouth,4.5\nEngland,5.25\n"


def test_links_reordered_by_the_html_export_are_found(tmp_path):
    """nbconvert's export sorts a tag's attributes by name; the link is found either way."""
    payload = base64.b64encode(b"a,b\n1,2\n").decode()
    page = (
        f'<a data-cdp-csv="T" download="t.csv" href="data:text/csv;charset=utf-8;base64,'
        f'{payload}" type="text/csv">Download</a>'
    )
    new, files = downloads.write_page_csvs(page, "p", tmp_path)
    assert len(files) == 1 and 'href="data/p-01-t.csv"' in new


def test_links_not_made_by_the_package_are_left_alone(tmp_path):
    page = (
        '<a href="data:text/csv;charset=utf-8;base64,YSxi" download="x.csv">x</a>'
        '<a data-cdp-csv="T" href="data:text/csv;charset=utf-8;base64,!!!">y</a>'
        '<a data-cdp-csv="T" href="https://example.org/a.csv">z</a>'
    )
    new, files = downloads.write_page_csvs(page, "p", tmp_path)
    assert new == page and files == [] and not (tmp_path / "data").exists()


def test_file_names_come_from_letters_and_digits_only(tmp_path):
    df = pd.DataFrame({"a": [1]})
    page = _link(df, "../../etc/passwd <b>&amp;</b>")
    _, files = downloads.write_page_csvs(page, "../x", tmp_path)
    assert files[0]["file"] == "data/x-01-etc-passwd-b-amp-b.csv"
    assert (tmp_path / files[0]["file"]).is_file()


def test_pack_csv_stacks_every_file(tmp_path):
    a = pd.DataFrame({"area_name": ["P"], "value": [1.5]})
    b = pd.DataFrame({"Year": ["2021"], "Deaths": ["12"]})
    _, files = downloads.write_page_csvs(_link(a, "A") + _link(b, "B"), "p", tmp_path)
    entry = downloads.write_pack_csv(tmp_path, files)
    assert entry == {
        "file": "data/pack.csv", "page": "", "title": "Every chart and table of the pack",
        "rows": 2,
    }  # fmt: skip
    rows = list(csv.DictReader((tmp_path / "data/pack.csv").open(encoding="utf-8")))
    assert rows[0] == {"file": "data/p-01-a.csv", "page": "p.html", "title": "A", "row": "1",
                       "area_name": "P", "value": "1.5", "Year": "", "Deaths": ""}  # fmt: skip
    assert rows[1]["Deaths"] == "12" and rows[1]["area_name"] == ""
    assert downloads.write_pack_csv(tmp_path, []) is None


# --------------------------------------------------------------------------- a real pack


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("downloads") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", "run", "--area", AREA, "--quarter", QUARTER,
         "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out / AREA / QUARTER


def _links(pack: Path) -> dict[str, list[str]]:
    return {
        p.name: re.findall(
            r'<a data-cdp-csv="[^"]*" download="[^"]*" href="([^"]*)"', p.read_text()
        )
        for p in sorted(pack.glob("*.html"))
    }


@pytest.mark.slow
def test_every_csv_link_is_a_file_and_every_file_is_linked(pack):
    links = _links(pack)
    linked = {h for hs in links.values() for h in hs}
    assert len(linked) >= 30 and all(h.startswith("data/") for h in linked)
    for page, hrefs in links.items():
        for h in hrefs:
            assert (pack / h).is_file(), (page, h)
    files = {p.relative_to(pack).as_posix() for p in (pack / "data").glob("*")}
    assert files == linked | {"data/pack.csv", "data/pack.xlsx"}
    index = (pack / "index.html").read_text()
    assert 'href="data/pack.csv"' in index and 'href="data/pack.xlsx"' in index
    for page in links:
        assert "data:text/csv" not in (pack / page).read_text()


@pytest.mark.slow
def test_manifest_lists_and_hashes_every_csv(pack):
    man = json.loads((pack / "manifest.json").read_text())
    listed = {d["file"] for d in man["downloads"]}
    for p in (pack / "data").glob("*"):
        rel = p.relative_to(pack).as_posix()
        assert rel in listed
        assert man["outputs"][rel]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    whole = next(d for d in man["downloads"] if d["file"] == "data/pack.csv")
    parts = [d for d in man["downloads"] if d["page"]]
    assert whole["rows"] == sum(d["rows"] for d in parts)
    assert "data/pack.xlsx" in man["outputs"]


def _verify(pack: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", "verify", str(pack)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("how", ["edit", "delete", "add", "xlsx"])
def test_verify_fails_when_a_csv_is_changed(pack, tmp_path, how):
    copy = tmp_path / "pack"
    shutil.copytree(pack, copy)
    assert _verify(copy).returncode == 0
    target = (
        sorted((copy / "data").glob("01-*.csv"))[0] if how != "xlsx" else copy / "data/pack.xlsx"
    )
    if how == "xlsx":
        target.write_bytes(target.read_bytes()[:-10])
    elif how == "edit":
        target.write_text(target.read_text().replace("Portsmouth", "Portsmuth", 1))
    elif how == "delete":
        target.unlink()
    else:
        (copy / "data" / "extra.csv").write_text("a\n1\n")
    proc = _verify(copy)
    assert proc.returncode == 1
    word = {"edit": "changed", "delete": "missing", "add": "added", "xlsx": "changed"}[how]
    assert f"{word}: " in proc.stdout and "the pack was changed after it was built" in proc.stdout


NUMBERS = ("count", "denominator", "value", "lower_95", "upper_95")


@pytest.mark.slow
def test_csv_files_keep_the_disclosure_control(pack):
    """Security boundary: a row the page shows as suppressed has no figures in its CSV; no
    count from local data is from 1 to THRESHOLD-1; and no record-level column (client ids,
    dates of birth, notes) or pseudonymised id reaches any CSV."""
    suppressed = 0
    for p in sorted((pack / "data").glob("*.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        lowered = {c.lower() for c in df.columns}
        assert not lowered & {"client_id", "date_of_birth", "dob", "notes", "postcode"}, p.name
        assert not df.apply(lambda s: s.str.contains(r"PC\d{8}", regex=True)).any().any(), p.name
        if "value_note" in df:
            hidden = df["value_note"].str.startswith("Suppressed")
            suppressed += int(hidden.sum())
            for c in NUMBERS:
                if c in df:
                    assert (df.loc[hidden, c] == "").all(), (p.name, c)
            if "count" in df:
                local = df["value_note"].str.contains("ynthetic|local", regex=True)
                n = pd.to_numeric(df.loc[local, "count"], errors="coerce")
                assert not ((n >= 1) & (n < THRESHOLD)).any(), p.name
    assert suppressed >= 1  # the demo data has suppressed rows: the check is not vacuous


# --------------------------------------------------------------------------- the workbook


def _sheet_tables(path: Path) -> dict[str, list[list]]:
    """Each table sheet's rows from its header row on (openpyxl), by sheet name."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        out[ws.title] = rows
    return out


def _same(cell, text: str) -> bool:
    if text == "":
        return cell == workbook.MISSING
    try:
        return math.isclose(float(cell), float(text), rel_tol=1e-12)  # Excel keeps 15 digits
    except (TypeError, ValueError):
        return str(cell) == text


@pytest.mark.slow
def test_workbook_has_cover_contents_notes_and_the_numbers_of_the_tidy_csv(pack):
    sheets = _sheet_tables(pack / "data" / workbook.WORKBOOK)
    names = list(sheets)
    assert names[:3] == ["Cover", "Contents", "Notes"]
    man = json.loads((pack / "manifest.json").read_text())
    parts = [d for d in man["downloads"] if d["page"]]
    assert len(names) - 3 == len(parts)
    assert "Combating Drugs Partnership" in sheets["Cover"][0][0]
    assert sum(1 for r in sheets["Notes"] if r and isinstance(r[0], int)) == len(workbook.NOTES)
    tidy = pd.read_csv(pack / "data" / "pack.csv", dtype=str, keep_default_na=False)
    compared = 0
    for name, entry in zip(names[3:], parts, strict=True):
        rows = sheets[name]
        rows = [r for r in rows if any(c is not None for c in r)]
        mine = tidy[tidy["file"] == entry["file"]]
        header_at = next(
            i for i, r in enumerate(rows)
            if [c for c in r if c is not None] == list(pd.read_csv(pack / entry["file"], nrows=0).columns)
        )  # fmt: skip
        header, body = rows[header_at], rows[header_at + 1 :]
        assert len(body) == len(mine) == entry["rows"], name
        for cells, (_, want) in zip(body, mine.iterrows(), strict=True):
            for col, cell in zip(header, cells, strict=False):
                if col is None:
                    continue
                assert _same(cell, want[col]), (name, col, cell, want[col])
                compared += 1
    assert compared > 5000


def test_workbook_unit(tmp_path):
    """A two-table workbook: sheets named within Excel's 31 characters, numbers as numbers,
    empty cells as [x]; python-calamine reads it too."""
    a = pd.DataFrame({"area_name": ["P", "E"], "value": [1.5, None], "count": [10, 20]})
    b = pd.DataFrame({"Year": ["2021"], "Deaths: [misuse]?": ["12"]})
    title = "A very long title for a chart: more than thirty-one characters / slash"
    _, files = downloads.write_page_csvs(_link(a, title) + _link(b, "B"), "p", tmp_path)
    entry = workbook.write_workbook(tmp_path, files, area_name="Portsmouth", quarter_text="Q4")
    assert entry["file"] == "data/pack.xlsx" and entry["rows"] == 3
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(tmp_path / "data" / "pack.xlsx"))
    assert wb.sheet_names[:3] == ["Cover", "Contents", "Notes"]
    assert all(len(n) <= 31 for n in wb.sheet_names) and len(wb.sheet_names) == 5
    rows = wb.get_sheet_by_index(3).to_python()
    header = rows.index(["area_name", "value", "count"])
    assert rows[header + 1] == ["P", 1.5, 10.0] and rows[header + 2] == ["E", "[x]", 20.0]
    assert downloads.write_pack_csv(tmp_path, []) is None
    assert workbook.write_workbook(tmp_path, [], area_name="P", quarter_text="Q4") is None


def test_workbook_bytes_do_not_depend_on_when_it_was_built(tmp_path, monkeypatch):
    """The same tables give the same workbook bytes (xlsxwriter would stamp the clock's time
    as created/modified); SOURCE_DATE_EPOCH sets the stamp when given."""
    import time

    a = pd.DataFrame({"area_name": ["P"], "value": [1.5]})
    built = []
    for i, epoch in enumerate(["", "", "1767225600"]):
        folder = tmp_path / str(i)
        _, files = downloads.write_page_csvs(_link(a, "A"), "p", folder)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        workbook.write_workbook(folder, files, area_name="P", quarter_text="Q4")
        built.append((folder / "data" / "pack.xlsx").read_bytes())
        time.sleep(1.1)  # a clock stamp would differ by now
    assert built[0] == built[1]
    assert built[2] != built[0]
    import zipfile

    with zipfile.ZipFile(tmp_path / "2" / "data" / "pack.xlsx") as z:
        assert b"2026-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_workbook_leaves_out_tables_with_no_rows(tmp_path):
    """A table with no rows (an area created in 2023 has no figures before it) gets no
    sheet, and the cover says which; with no rows at all there is no workbook. gptables
    refuses an empty table, which had stopped the whole pack (Cumberland, E06000063)."""
    a = pd.DataFrame({"area_name": ["P"], "value": [1.5]})
    none = pd.DataFrame({"area_name": [], "value": []})
    _, files = downloads.write_page_csvs(_link(a, "A") + _link(none, "Nothing yet"), "p", tmp_path)
    entry = workbook.write_workbook(tmp_path, files, area_name="P", quarter_text="Q4")
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(tmp_path / "data" / "pack.xlsx"))
    assert entry is not None and len(wb.sheet_names) == 4  # cover, contents, notes, A
    cover = " ".join(str(c) for row in wb.get_sheet_by_index(0).to_python() for c in row)
    assert "1 table of the report has no rows, so no sheet here: Nothing yet." in cover
    empty_only = tmp_path / "empty"
    _, files = downloads.write_page_csvs(_link(none, "Nothing yet"), "p", empty_only)
    assert workbook.write_workbook(empty_only, files, area_name="P", quarter_text="Q4") is None
