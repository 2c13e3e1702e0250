"""Broken inputs for every loader, each built in code from the bundled data files.

A :class:`Case` names the loader it feeds, says in words how the file is broken, builds the
file's bytes from a cut-down copy of the bundled file (so the corpus follows the real formats
as they change), and lists what the error message must say: words describing the problem, the
row reference (CSV line, sheet row or YAML line, as :class:`cdp_analysis.errors.Problem`
prints it) and the column. ``loads=True`` marks a robustness case: a file that looks different
from the bundled one but is valid, which must load.

Cut-down bases (built once per process, see :func:`base_text` and :func:`base_ons`): the first
:data:`CSV_ROWS` data rows of the Fingertips demo export and of the episodes demo extract; the
other CSV and YAML files whole (they are small); for the ONS workbook, a new workbook holding
the contents sheet and the first :data:`ONS_ROWS` rows of each of Tables 1-8 followed by the
footnotes marker, instead of the full 1.4 MB file.

Builders raise ``AssertionError`` when the text they edit is no longer in the bundled file, so
a change to the data shows up as a corpus failure to update, not as a silently valid case.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import openpyxl

#: The bundled data folder.
DATA = Path(__file__).resolve().parents[2] / "data"
#: Data rows kept in the cut-down copies of the large CSV files.
CSV_ROWS = 200
#: Sheet rows kept from each table of the ONS workbook (title, header and about 12 areas).
ONS_ROWS = 20

#: Where each loader's file lives in a data folder (the corpus writes its case there too).
FILES: dict[str, str] = {
    "fingertips": "demo/fingertips_completions_demo.csv",
    "compiled": "fingertips/fingertips_psychty_walkthrough_2020_extract.csv",
    "ons": "ons/2021localauthorities.xlsx",
    "local": "demo/local_measures_E06000044_demo.csv",
    "episodes": "demo/episodes_E06000044_demo.csv",
    "indicators": "indicators.yaml",
    "targets": "targets.yaml",
    "areas": "lookups/areas.csv",
}
#: Loaders whose bundled file is cut to its first CSV_ROWS data rows.
_CUT = {"fingertips", "episodes"}


@dataclass(frozen=True)
class Case:
    """One broken (or robustly different) input file and what its error must say."""

    name: str
    loader: str  # a key of FILES
    broken: str  # how the file differs from the bundled one, in words
    build: Callable[[], bytes]
    words: tuple[str, ...] = ()  # each must appear in the message
    rows: str | None = None  # e.g. "row 5", "rows 3, 4" (None when no row applies)
    column: str | None = None  # e.g. "column 'Count'" (None when no column applies)
    loads: bool = False  # a robustness case: valid, must load
    xfail_load: str | None = None  # known loader weakness (strict xfail)
    xfail_validate: str | None = None  # known weakness of `cdp-analysis validate`

    @property
    def file(self) -> str:
        """The file's path inside a data folder."""
        return FILES[self.loader]

    def write(self, root: Path) -> Path:
        """Write the case as ``root/<name>/<file>`` and return the path."""
        path = root / self.name / self.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.build())
        return path


# ------------------------------------------------------------------------------ bases


@cache
def base_text(loader: str) -> str:
    """The bundled file as text (BOM kept), cut to CSV_ROWS data rows for the large CSVs."""
    text = (DATA / FILES[loader]).read_bytes().decode("utf-8")
    if loader in _CUT:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[: CSV_ROWS + 1])
    return text


def base_bytes(loader: str) -> bytes:
    """The valid cut-down file as written to disk."""
    return base_ons() if loader == "ons" else base_text(loader).encode("utf-8")


@cache
def base_ons() -> bytes:
    """A small valid ONS workbook: the contents sheet and the top of every table sheet."""
    src = openpyxl.load_workbook(DATA / FILES["ons"], read_only=True, data_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    try:
        for ws in src.worksheets:
            if not (ws.title == "Contents" or ws.title.startswith("Table ")):
                continue
            new = out.create_sheet(ws.title)
            for row in ws.iter_rows(max_row=ONS_ROWS, values_only=True):
                new.append(list(row))
            if ws.title.startswith("Table "):
                new.append([])
                new.append(["Footnotes"])
                new.append(["Source: Office for National Statistics"])
    finally:
        src.close()
    return _save(out)


def _save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------ CSV edits


def _split(text: str) -> tuple[str, list[list[str]], str]:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    eol = "\r\n" if "\r\n" in text[:5000] else "\n"
    return bom, list(csv.reader(io.StringIO(text.removeprefix(bom), newline=""))), eol


def _join(bom: str, rows: list[list[str]], eol: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol).writerows(rows)
    return bom + buf.getvalue()


def edit(loader: str, *changes: tuple[int, str, str], encoding: str = "utf-8") -> Callable:
    """Builder: set cells, each given as (CSV line with header = 1, column name, new text)."""

    def build() -> bytes:
        bom, rows, eol = _split(base_text(loader))
        for line, column, value in changes:
            assert column in rows[0], f"{column!r} not in the header of {FILES[loader]}"
            rows[line - 1][rows[0].index(column)] = value
        # a file saved in another encoding has no UTF-8 byte-order mark
        return _join(bom if encoding == "utf-8" else "", rows, eol).encode(encoding)

    return build


def rename(loader: str, old: str, new: str) -> Callable:
    """Builder: rename a column in the header."""

    def build() -> bytes:
        bom, rows, eol = _split(base_text(loader))
        assert old in rows[0], f"{old!r} not in the header of {FILES[loader]}"
        rows[0][rows[0].index(old)] = new
        return _join(bom, rows, eol).encode("utf-8")

    return build


def drop(loader: str, column: str) -> Callable:
    """Builder: remove a column (header and every row)."""

    def build() -> bytes:
        bom, rows, eol = _split(base_text(loader))
        i = rows[0].index(column)
        return _join(bom, [r[:i] + r[i + 1 :] for r in rows], eol).encode("utf-8")

    return build


def repeat(loader: str, line: int) -> Callable:
    """Builder: the row on CSV line ``line`` appears again at the end of the file."""

    def build() -> bytes:
        bom, rows, eol = _split(base_text(loader))
        return _join(bom, [*rows, rows[line - 1]], eol).encode("utf-8")

    return build


def truncate(loader: str, lines: int) -> Callable:
    """Builder: the file stops part-way through CSV line ``lines`` (a broken download)."""

    def build() -> bytes:
        kept = base_text(loader).splitlines(keepends=True)
        assert len(kept) > lines
        last = kept[lines - 1]
        return ("".join(kept[: lines - 1]) + last[: len(last) // 3]).encode("utf-8")

    return build


def header_only(loader: str) -> Callable:
    """Builder: the header row and nothing else."""
    return lambda: base_text(loader).splitlines(keepends=True)[0].encode("utf-8")


def utf16(loader: str) -> Callable:
    """Builder: the whole file saved as UTF-16 (with its byte-order mark)."""
    return lambda: base_text(loader).removeprefix("\ufeff").encode("utf-16")


def empty() -> bytes:
    """Builder: a 0-byte file."""
    return b""


def replace(loader: str, *pairs: tuple[str, str], encoding: str = "utf-8") -> Callable:
    """Builder: replace text (first occurrence of each ``old``), for YAML and small edits."""

    def build() -> bytes:
        text = base_text(loader)
        for old, new in pairs:
            assert old in text, f"{old!r} not found in {FILES[loader]}"
            text = text.replace(old, new, 1)
        return (text if encoding == "utf-8" else text.removeprefix("\ufeff")).encode(encoding)

    return build


def cut_text(loader: str, fraction: float) -> Callable:
    """Builder: only the first ``fraction`` of the file's characters (a truncated copy)."""
    return lambda: base_text(loader)[: int(len(base_text(loader)) * fraction)].encode("utf-8")


def keep_until(loader: str, marker: str) -> Callable:
    """Builder: the file up to and including the first ``marker`` (the rest deleted)."""

    def build() -> bytes:
        text = base_text(loader)
        assert marker in text, f"{marker!r} not found in {FILES[loader]}"
        return text[: text.index(marker) + len(marker)].encode("utf-8")

    return build


def line_of(loader: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line holding ``needle`` in the bundled file."""
    hits = [i for i, t in enumerate(base_text(loader).splitlines(), 1) if needle in t]
    assert len(hits) >= nth, f"{needle!r} not found in {FILES[loader]}"
    return hits[nth - 1]


# ------------------------------------------------------------------------------ workbook edits


def workbook(change: Callable[[openpyxl.Workbook], None]) -> Callable:
    """Builder: the cut-down ONS workbook with ``change`` applied (via openpyxl)."""

    def build() -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(base_ons()))
        change(wb)
        return _save(wb)

    return build


def _set(sheet: str, cell: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        assert wb[sheet][cell].value is not None, f"{sheet}!{cell} is empty in the base"
        wb[sheet][cell] = value

    return change


def _move_table(wb: openpyxl.Workbook) -> None:
    """Table 3's header, data and footnotes moved 3 rows down and 2 columns right."""
    ws = wb["Table 3"]
    ws.move_range(f"A4:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", rows=3, cols=2)


def _drop_sheet(wb: openpyxl.Workbook) -> None:
    wb.remove(wb["Table 5"])


def _copy_row(wb: openpyxl.Workbook) -> None:
    """Table 2: the area on sheet row 12 written again on row 13 (code and numbers)."""
    ws = wb["Table 2"]
    for c in range(1, ws.max_column + 1):
        ws.cell(13, c).value = ws.cell(12, c).value


# ------------------------------------------------------------------------------ the cases
# Lines and cells below refer to the cut-down bases; a test checks each base loads cleanly.

_OBJ = 'objectives: ["1.1"]'
_REASON = 'reason: "Disruption of county lines"'

CASES: list[Case] = [
    # --- Fingertips CSV export -------------------------------------------------------------
    Case("ft_empty_0_bytes", "fingertips", "0-byte file", empty, ("empty",)),
    Case("ft_header_only", "fingertips", "header row, no data rows", header_only("fingertips"),
         ("no data rows",)),
    Case("ft_truncated", "fingertips", "download stopped a third of the way into line 120",
         truncate("fingertips", 120), ("fewer fields", "truncated"), rows="row 120"),
    Case("ft_latin1", "fingertips", "saved as Latin-1 with 'Région' in Area Name on line 7",
         edit("fingertips", (7, "Area Name", "Région"), encoding="latin-1"),
         ("not UTF-8", "0xE9"), rows="row 7"),
    Case("ft_utf16", "fingertips", "whole file saved as UTF-16", utf16("fingertips"),
         ("UTF-16",)),
    Case("ft_renamed_column", "fingertips", "'Area Code' renamed 'AreaCode'",
         rename("fingertips", "Area Code", "AreaCode"),
         ("'Area Code' is missing", "'AreaCode'"), rows="row 1"),
    Case("ft_missing_column", "fingertips", "the 'Denominator' column deleted",
         drop("fingertips", "Denominator"), ("'Denominator' is missing",), rows="row 1"),
    Case("ft_text_in_value", "fingertips", "'n/a' in Value on line 9",
         edit("fingertips", (9, "Value", "n/a")), ("not a number",), rows="row 9",
         column="column 'Value'"),
    Case("ft_negative_count", "fingertips", "Count -12 on line 10",
         edit("fingertips", (10, "Count", "-12")), ("negative",), rows="row 10",
         column="column 'Count'"),
    Case("ft_count_above_denominator", "fingertips", "Count 999999 above its Denominator, line 11",
         edit("fingertips", (11, "Count", "999999")), ("Count is larger than Denominator",),
         rows="row 11", column="column 'Count'"),
    Case("ft_duplicate_rows", "fingertips", "the row on line 12 repeated at the end",
         repeat("fingertips", 12), ("duplicate rows",), rows="rows 12, 202"),
    Case("ft_unknown_area", "fingertips", "Area Code E06999999 (no such area) on line 13",
         edit("fingertips", (13, "Area Code", "E06999999")),
         ("not in the area lookup", "E06999999"), rows="row 13", column="column 'Area Code'"),
    Case("ft_future_period", "fingertips", "Time period 2098/99 Q1 on line 14",
         edit("fingertips", (14, "Time period", "2098/99 Q1")), ("after today",), rows="row 14",
         column="column 'Time period'"),
    Case("ft_bad_period", "fingertips", "Time period '2019/20 Q5' on line 15",
         edit("fingertips", (15, "Time period", "2019/20 Q5")), ("not recognised",),
         rows="row 15", column="column 'Time period'"),
    Case("ft_value_outside_limits", "fingertips", "Value 99 above its upper limits, line 16",
         edit("fingertips", (16, "Value", "99")), ("outside its 95% confidence limits",),
         rows="row 16", column="column 'Value'"),
    # --- compiled Fingertips extract -------------------------------------------------------
    Case("ftx_text_in_count", "compiled", "'about 200' in count on line 3",
         edit("compiled", (3, "count", "about 200")), ("not a number",), rows="row 3",
         column="column 'count'"),
    Case("ftx_unknown_indicator", "compiled", "indicator_id 99999 on line 4",
         edit("compiled", (4, "indicator_id", "99999")), ("indicator not expected",),
         rows="row 4", column="column 'indicator_id'"),
    Case("ftx_unknown_area", "compiled", "area code E10999999 on line 5",
         edit("compiled", (5, "area_code_added_by_compiler", "E10999999")),
         ("not in the area lookup", "E10999999"), rows="row 5",
         column="column 'area_code_added_by_compiler'"),
    # --- ONS drug poisoning workbook -------------------------------------------------------
    Case("ons_table_moved", "ons", "Table 3 moved 3 rows down and 2 columns right (openpyxl)",
         workbook(_move_table), loads=True),
    Case("ons_header_renamed", "ons", "Table 4 header 'Area Names' renamed 'Area Name (2022)'",
         workbook(_set("Table 4", "B4", "Area Name (2022)")),
         ("sheet 'Table 4'", "Area Name (2022)"), rows="row 4", column="column 'B'"),
    Case("ons_subheader_renamed", "ons", "Table 6 sub-header 'Deaths' (2019–21) renamed 'Number'",
         workbook(_set("Table 6", "E5", "Number")), ("sheet 'Table 6'", "'Deaths'"),
         rows="row 5", column="column 'E'"),
    Case("ons_text_in_deaths", "ons", "'sixty' in Table 1's 2021 deaths for County Durham",
         workbook(_set("Table 1", "E12", "sixty")), ("sheet 'Table 1'", "'sixty'"),
         rows="row 12", column="column 'E (2021)'"),
    Case("ons_negative_deaths", "ons", "-4 deaths in Table 3 (2019–21, Darlington)",
         workbook(_set("Table 3", "E12", -4)), ("sheet 'Table 3'", "-4"), rows="row 12",
         column="column 'E (2019-21 Deaths)'"),
    Case("ons_duplicate_area", "ons", "Table 2's area on row 12 repeated on row 13",
         workbook(_copy_row), ("sheet 'Table 2'", "more than once"), rows="rows 12, 13",
         column="column 'A (Area Codes)'"),
    Case("ons_missing_table", "ons", "sheet 'Table 5' (poisoning, females) deleted",
         workbook(_drop_sheet), ("no sheet holds the table", "females")),
    Case("ons_bad_period", "ons", "Table 7 period header '2019–21' changed to '2019–2x'",
         workbook(_set("Table 7", "E4", "2019–2x")), ("sheet 'Table 7'", "2019–2x"),
         rows="row 4", column="column 'E'"),
    Case("ons_future_year", "ons", "Table 1 year header 2021 changed to 2098",
         workbook(_set("Table 1", "E4", 2098)), ("sheet 'Table 1'", "2098"), rows="row 4",
         column="column 'E'"),
    Case("ons_truncated", "ons", "the workbook's bytes cut in half (a broken download)",
         lambda: base_ons()[: len(base_ons()) // 2], ("not a readable Excel workbook",)),
    Case("ons_empty_0_bytes", "ons", "0-byte .xlsx file", empty, ("empty",)),
    # --- local measures CSV ----------------------------------------------------------------
    Case("lm_empty_0_bytes", "local", "0-byte file", empty, ("empty",)),
    Case("lm_header_only", "local", "header row, no data rows", header_only("local"),
         ("no data rows",)),
    Case("lm_truncated", "local", "file stops a third of the way into line 150",
         truncate("local", 150), ("different number of fields",), rows="row 150"),
    Case("lm_latin1", "local", "saved as Latin-1 with '£' in source on line 4",
         edit("local", (4, "source", "Hampshire Constabulary £"), encoding="latin-1"),
         ("not UTF-8", "0xA3"), rows="row 4"),
    Case("lm_utf16", "local", "whole file saved as UTF-16", utf16("local"), ("UTF-16",)),
    Case("lm_renamed_column", "local", "'measure_id' renamed 'measure'",
         rename("local", "measure_id", "measure"), ("missing column 'measure_id'", "'measure'"),
         rows="row 1", column="column 'measure_id'"),
    Case("lm_missing_column", "local", "the 'denominator' column deleted",
         drop("local", "denominator"), ("missing column 'denominator'",), rows="row 1",
         column="column 'denominator'"),
    Case("lm_text_in_count", "local", "'four' in count on line 5",
         edit("local", (5, "count", "four")), ("not a number",), rows="row 5",
         column="column 'count'"),
    Case("lm_thousands_separator", "local", "'1,234' in count on line 6",
         edit("local", (6, "count", "1,234")), ("thousands separator",), rows="row 6",
         column="column 'count'"),
    Case("lm_negative_count", "local", "count -3 on line 7",
         edit("local", (7, "count", "-3")), ("negative",), rows="row 7",
         column="column 'count'"),
    Case("lm_count_above_denominator", "local", "residential_rehab count 2000 of 1259, line 127",
         edit("local", (127, "count", "2000")), ("count is above the denominator",),
         rows="row 127", column="column 'count'"),
    Case("lm_duplicate_key", "local", "the row on line 8 repeated at the end",
         repeat("local", 8), ("more than one row",), rows="rows 8, 327"),
    Case("lm_unknown_area", "local", "area code E06999999 on line 9",
         edit("local", (9, "area_code", "E06999999")), ("unknown area code",), rows="row 9",
         column="column 'area_code'"),
    Case("lm_unknown_measure", "local", "measure id 'county_lines_shut' on line 10",
         edit("local", (10, "measure_id", "county_lines_shut")), ("unknown measure id",),
         rows="row 10", column="column 'measure_id'"),
    Case("lm_end_before_start", "local", "period_end 2021-03-31 before its start, line 2",
         edit("local", (2, "period_end", "2021-03-31")), ("before period_start",),
         rows="row 2", column="column 'period_end'"),
    Case("lm_future_period", "local", "a 2098/99 Q1 row (label and dates) on line 11",
         edit("local", (11, "period_label", "2098/99 Q1"), (11, "period_start", "2098-04-01"),
              (11, "period_end", "2098-06-30")),
         ("not ended",), rows="row 11", column="column 'period_end'"),
    Case("lm_not_a_date", "local", "period_start '31/06/2021' (no such day) on line 3",
         edit("local", (3, "period_start", "31/06/2021")), ("not a date",), rows="row 3",
         column="column 'period_start'"),
    # --- record-level episodes -------------------------------------------------------------
    Case("ep_empty_0_bytes", "episodes", "0-byte file", empty, ("empty",)),
    Case("ep_header_only", "episodes", "header row, no episodes", header_only("episodes"),
         ("no episodes",)),
    Case("ep_truncated", "episodes", "file stops a third of the way into line 150",
         truncate("episodes", 150), ("fields", "truncated"), rows="row 150"),
    Case("ep_latin1", "episodes", "saved as Latin-1 with 'café' in notes on line 6",
         edit("episodes", (6, "notes", "met at café"), encoding="latin-1"),
         ("not UTF-8",), rows="row 6"),
    Case("ep_utf16", "episodes", "whole file saved as UTF-16", utf16("episodes"),
         ("UTF-16",)),
    Case("ep_renamed_column", "episodes", "'start_date' renamed 'Start Date'",
         rename("episodes", "start_date", "Start Date"), ("rename 'Start Date'",),
         column="column 'start_date'"),
    Case("ep_missing_column", "episodes", "the 'exit_reason' column deleted",
         drop("episodes", "exit_reason"), ("missing column",), column="column 'exit_reason'"),
    Case("ep_text_in_age", "episodes", "age_at_start 'forty' on line 4",
         edit("episodes", (4, "age_at_start", "forty")), ("forty",), rows="row 4",
         column="column 'age_at_start'"),
    Case("ep_negative_age", "episodes", "age_at_start -3 on line 5",
         edit("episodes", (5, "age_at_start", "-3")), ("age outside 0-120",), rows="row 5",
         column="column 'age_at_start'"),
    Case("ep_impossible_age", "episodes", "age_at_start 130 on line 7",
         edit("episodes", (7, "age_at_start", "130")), ("age outside 0-120",), rows="row 7",
         column="column 'age_at_start'"),
    Case("ep_exit_before_start", "episodes", "exit_date 2001-01-01 before start, line 2",
         edit("episodes", (2, "exit_date", "2001-01-01")), ("exit before start",),
         rows="row 2", column="column 'exit_date'"),
    Case("ep_representation_before_exit", "episodes", "representation 2017-01-01, line 3",
         edit("episodes", (3, "representation_date", "2017-01-01")),
         ("re-presentation before exit",), rows="row 3", column="column 'representation_date'"),
    Case("ep_duplicate_episode", "episodes", "the episode on line 8 repeated at the end",
         repeat("episodes", 8), ("duplicate episode",), rows="rows 8, 202",
         column="column 'start_date'"),
    Case("ep_unknown_area", "episodes", "area code E06999999 on line 9",
         edit("episodes", (9, "area_code", "E06999999")), ("E06999999",), rows="row 9",
         column="column 'area_code'"),
    Case("ep_future_date", "episodes", "start_date 2098-05-01 on line 10",
         edit("episodes", (10, "start_date", "2098-05-01")), ("future",), rows="row 10",
         column="column 'start_date'"),
    Case("ep_unknown_substance", "episodes", "substance_group 'heroin' on line 11",
         edit("episodes", (11, "substance_group", "heroin")), ("unknown value 'heroin'",),
         rows="row 11", column="column 'substance_group'"),
    Case("ep_not_a_date", "episodes", "start_date '2003-02-30' (no such day) on line 12",
         edit("episodes", (12, "start_date", "2003-02-30")), ("not a real date",),
         rows="row 12", column="column 'start_date'"),
    # --- indicators.yaml -------------------------------------------------------------------
    Case("ind_empty_0_bytes", "indicators", "0-byte file", empty, ("empty",)),
    Case("ind_duplicate_id", "indicators", "measure id 'drug_seizures' given to two measures",
         replace("indicators", ("- id: drug_seizure_amount", "- id: drug_seizures")),
         ("drug_seizures",), rows=f"row {line_of('indicators', '- id: drug_seizure_amount')}",
         column="column 'id'"),
    Case("ind_malformed_yaml", "indicators", "a list left unclosed: objectives: [\"1.1\"",
         replace("indicators", ('objectives: ["1.1"]\n', 'objectives: ["1.1"\n')),
         ("malformed",), rows=f"rows {line_of('indicators', _OBJ)}, {line_of('indicators', _OBJ) + 1}"),
    Case("ind_unknown_unit", "indicators", "unit 'people' for county_lines_closed",
         replace("indicators", ("unit: count\n", "unit: people\n")), ("'people'",),
         rows=f"row {line_of('indicators', 'unit: count')}", column="column 'unit'"),
    Case("ind_truncated", "indicators", "file cut off after 45% of its text",
         cut_text("indicators", 0.45), ("measure",)),
    Case("ind_latin1", "indicators", "saved as Latin-1 with 'Défense' in a measure name",
         replace("indicators", ("name: Number of county lines closed",
                                "name: Défense county lines closed"), encoding="latin-1"),
         ("not UTF-8",), rows=f"row {line_of('indicators', 'name: Number of county lines')}"),
    # --- targets.yaml ----------------------------------------------------------------------
    Case("tgt_empty_0_bytes", "targets", "0-byte file", empty, ("empty",)),
    Case("tgt_unknown_measure", "targets", "a target for measure 'drug_seizurez' (no such id)",
         replace("targets", ("- measure: drug_seizures\n", "- measure: drug_seizurez\n")),
         ("no measure 'drug_seizurez'",),
         rows=f"row {line_of('targets', '- measure: drug_seizures')}",
         column="column 'measure'"),
    Case("tgt_malformed_yaml", "targets", "a quote left open in a reason",
         replace("targets", ('reason: "Disruption of county lines"',
                             'reason: "Disruption of county lines')), ("malformed",),
         rows=f"rows {line_of('targets', _REASON) - 2}, {line_of('targets', _REASON) + 1}"),
    Case("tgt_end_before_start", "targets", "plan end 2022-03-31 before its start",
         replace("targets", ("end: 2026-03-31", "end: 2022-03-31")), ("not after start",),
         rows=f"row {line_of('targets', 'end: 2026-03-31')}", column="column 'end'"),
    Case("tgt_unknown_area", "targets", "plan area code E06999999",
         replace("targets", ("area_code: E06000044", "area_code: E06999999")),
         ("unknown area code 'E06999999'",),
         rows=f"row {line_of('targets', 'area_code: E06000044')}",
         column="column 'area_code'"),
    Case("tgt_text_value", "targets", "a target type 'value' with value 'sixty'",
         replace("targets", ("type: none\n", "type: value\n        value: sixty\n"
                             "        comparison: at_least\n")),
         ("not a number",), rows=f"row {line_of('targets', 'type: none') + 1}",
         column="column 'value'"),
    Case("tgt_targets_null", "targets", "the plan's target list deleted, 'targets:' left empty",
         keep_until("targets", "    targets:\n"), ("'targets' must be a list",),
         rows=f"row {line_of('targets', '    targets:')}", column="column 'targets'"),
    # --- area lookup -----------------------------------------------------------------------
    Case("area_empty_0_bytes", "areas", "0-byte file", empty, ("empty",)),
    Case("area_header_only", "areas", "header row, no areas", header_only("areas"),
         ("no areas",)),
    Case("area_latin1", "areas", "saved as Latin-1 with 'Ynys Môn' as an area name, line 3",
         edit("areas", (3, "area_name", "Ynys Môn"), encoding="latin-1"),
         ("not UTF-8",), rows="row 3"),
    Case("area_utf16", "areas", "whole file saved as UTF-16", utf16("areas"), ("UTF-16",)),
    Case("area_truncated", "areas", "file stops a third of the way into line 100",
         truncate("areas", 100), ("fewer fields",), rows="row 100"),
    Case("area_missing_column", "areas", "the 'parent_code' column deleted",
         drop("areas", "parent_code"), ("parent_code",)),
    Case("area_renamed_column", "areas", "'area_type' renamed 'Area Type'",
         rename("areas", "area_type", "Area Type"), ("area_type", "'Area Type'")),
    Case("area_duplicate_code", "areas", "E06000044 (Portsmouth) listed twice",
         repeat("areas", line_of("areas", "E06000044")), ("duplicate area code",),
         rows=f"rows {line_of('areas', 'E06000044')}, 170", column="column 'area_code'"),
    Case("area_unknown_type", "areas", "area_type 'Unitary' on line 5",
         edit("areas", (5, "area_type", "Unitary")), ("unknown area type",), rows="row 5",
         column="column 'area_type'"),
    Case("area_blank_code", "areas", "area_code blank on line 6",
         edit("areas", (6, "area_code", "")), ("empty",), rows="row 6",
         column="column 'area_code'"),
]  # fmt: skip

#: Cases by name.
BY_NAME: dict[str, Case] = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"

#: One broken case per kind of file for the slow end-to-end `cdp-analysis run` tests.
RUN_CASES = [
    "ft_count_above_denominator",
    "ftx_text_in_count",
    "ons_header_renamed",
    "lm_unknown_measure",
    "ep_exit_before_start",
    "ind_duplicate_id",
    "tgt_unknown_measure",
    "area_unknown_type",
]


def readme_table() -> str:
    """The case list as a Markdown table (README.md holds a copy; a test compares them)."""
    lines = [
        "| case | file | how it is broken | the message must say | row | known weakness (xfail) |",
        "|---|---|---|---|---|---|",
    ]
    for c in CASES:
        says = (
            "must LOAD (robustness case)"
            if c.loads
            else "; ".join([*(f"`{w}`" for w in c.words), *([c.column] if c.column else [])])
        )
        weak = ", ".join(
            w for w, r in (("loader", c.xfail_load), ("validate", c.xfail_validate)) if r
        )
        # row numbers of YAML cases follow the bundled file, so they are not listed here
        row = "checked" if c.rows else ""
        lines.append(f"| `{c.name}` | `{c.file}` | {c.broken} | {says} | {row} | {weak} |")
    return "\n".join(lines) + "\n"
