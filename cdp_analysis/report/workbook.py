"""The pack's Excel workbook, ``data/pack.xlsx``, built with ``gptables`` (the Government
Statistical Service's package for accessible statistical spreadsheets): a cover sheet, a
contents sheet, a notes sheet and one table per sheet, one sheet for each chart's or table's
CSV file (:mod:`.downloads`), in page order, holding the same rows and numbers.

Numbers stay numbers (a column whose every filled cell reads as a number is written as
numbers); an empty cell is written as ``[x]`` with note 1 (not available or suppressed), as
the GSS guidance on spreadsheets asks, so no cell is blank.

gptables unpickles its own bundled theme when imported (a file inside the installed package,
not the data folder); nothing read from the data folder is unpickled or executed.
"""

from __future__ import annotations

import os
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ReportError

#: The workbook (inside the pack's data folder).
WORKBOOK = "pack.xlsx"
#: What an empty cell says (GSS guidance: a short code with a note, never a blank).
MISSING = "[x]"

NOTES = [
    ("note 1", "[x]: no value. The figure is not available for this period or area, or was "
     "suppressed to protect confidentiality (counts from 1 to 4 from local data, and any "
     "figure that would reveal one)."),
    ("note 2", "Rows whose value note or source says 'synthetic demo data' are made up to show "
     "how the report works. They are not real statistics and must not be quoted."),
    ("note 3", "Each table is the data behind one chart or table of the report, with the same "
     "rows and columns as the CSV file named in its description."),
]  # fmt: skip


def _sheet_name(i: int, title: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique (numbered)."""
    words = re.sub(r"[\[\]:*?/\\']", " ", title).split()
    return f"{i:02d} " + " ".join(words)[:27].rstrip() if words else f"{i:02d}"


def _table_name(i: int) -> str:
    return f"table_{i:02d}"


def _frame(path: Path):
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for c in df.columns:
        filled = df[c][df[c] != ""]
        numbers = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numbers.notna().all():
            df[c] = pd.to_numeric(df[c].replace("", None), errors="coerce").astype(object)
            df[c] = df[c].where(df[c].notna(), MISSING)
        else:
            df[c] = df[c].replace("", MISSING)
    return df


def _build_time() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), else the zip
    format's first date, 1 January 1980: a workbook's time stamp must not depend on when it
    was built."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime(1980, 1, 1, tzinfo=UTC)


def write_workbook(
    folder: Path, files: list[dict], *, area_name: str, quarter_text: str
) -> dict | None:
    """Write ``data/pack.xlsx`` for the chart and table ``files`` (entries of
    :func:`.downloads.write_page_csvs`) and return its entry for the manifest's downloads, or
    None when there are no files."""
    files = [f for f in files if f.get("page")]
    if not files:
        return None
    import gptables as gpt

    sheets, empty = {}, []
    for f in files:
        df = _frame(Path(folder) / f["file"])
        if df.empty:  # a table with no rows (e.g. an area with no figures yet): no sheet
            empty.append(f["title"])
            continue
        i = len(sheets) + 1
        sheets[_sheet_name(i, f["title"])] = gpt.GPTable(
            table=df,
            table_name=_table_name(i),
            title=f"{f['title']} $$note 3$$",
            subtitles=[
                f"From the page {f['page']}; the same data as the file {f['file']}.",
                f"Empty cells are shown as {MISSING}. $$note 1$$",
            ],
            source="Source: the report's data folder (ONS, OHID Fingertips and local data, as "
            "each chart's caption says) $$note 2$$",
            scope=f"{area_name}, {quarter_text}",
        )
    if not sheets:
        return None
    cover = gpt.Cover(
        title=f"{area_name}: Combating Drugs Partnership report, data tables, {quarter_text}",
        intro=[
            "This workbook holds the data behind every chart and table of the report, one "
            "table per sheet, in the order of the report's pages.",
            "The same figures are in the report's data folder as CSV files, one per table, "
            "and stacked in one file, pack.csv.",
            *(
                [
                    f"{len(empty)} {'table' if len(empty) == 1 else 'tables'} of the report "
                    f"{'has' if len(empty) == 1 else 'have'} no rows, so no sheet here: "
                    + "; ".join(empty)
                    + "."
                ]
                if empty
                else []
            ),
        ],
        about=[
            "Small counts from local data are suppressed, as on the report's pages; no "
            "record-level data is included.",
            "Some tables hold synthetic demo data; those rows say so in their value note or "
            "source. See the notes sheet.",
        ],
    )
    import pandas as pd

    notes = pd.DataFrame({"Note number": [n for n, _ in NOTES], "Note text": [t for _, t in NOTES]})
    rel = f"data/{WORKBOOK}"
    path = Path(folder) / rel
    try:
        with warnings.catch_warnings():
            # gptables 2.0 uses pandas calls that pandas 3 deprecates (removed in pandas 4,
            # which pyproject's pandas<4 keeps out): not the reader's concern
            warnings.filterwarnings("ignore", module=r"gptables\.")
            wb = gpt.produce_workbook(
                filename=str(path),
                sheets=sheets,
                cover=cover,
                contentsheet_label="Contents",
                notes_table=notes,
                auto_width=True,
            )
            # the same bytes from the same inputs: a fixed "created"/"modified" time (else
            # xlsxwriter writes the clock's), as for reproducible builds
            wb.set_properties({"created": _build_time()})
            wb.close()
    except (ValueError, TypeError) as exc:  # a table gptables refuses: say which, plainly
        raise ReportError(f"{path}: the Excel workbook could not be written ({exc}).") from exc
    return {
        "file": rel,
        "page": "",
        "title": "Every chart and table of the pack, one table per sheet",
        "rows": sum(f["rows"] for f in files),
    }
