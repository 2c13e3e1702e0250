"""The pack's data downloads: a CSV file beside every chart and table, and one tidy CSV of the
whole pack.

Each chart and table of a page carries a download link whose CSV is embedded in the link
(written by :func:`cdp_analysis.figures.figure.csv_download_html` from exactly the rows and
columns the page shows, so with the page's disclosure control). When a page is published,
:func:`write_page_csvs` writes each of those CSVs to ``data/<page>-<nn>-<title>.csv`` in the
pack folder and points the link at the file, so readers get real files (in the zip too) and
the pages stay small. :func:`write_pack_csv` then stacks every file into ``data/pack.csv``:
one row per row of a chart or table, the file, page and title it came from first. Every file
lands in the pack folder before the manifest is written, so the manifest records its
SHA-256 and ``cdp-analysis verify`` checks it.

Only text is decoded here (base64 of UTF-8 CSV); nothing is executed or evaluated. File names
are made here from the page name, a number and the title's letters and digits only.
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import io
import re
from pathlib import Path

#: Folder of the pack holding the CSV files.
DATA_DIR = "data"
#: The tidy CSV of the whole pack (inside :data:`DATA_DIR`).
PACK_CSV = "pack.csv"
#: Columns :func:`write_pack_csv` puts before each file's own columns.
PACK_COLUMNS = ("file", "page", "title", "row")

#: A link's opening tag and its attributes (the HTML export sorts attributes by name).
_TAG = re.compile(r"<a\s([^<>]*)>")
_ATTR = re.compile(r'([A-Za-z][A-Za-z0-9_:-]*)="([^"]*)"')
_PREFIX = "data:text/csv;charset=utf-8;base64,"
_MARK = "data-cdp-csv"


def _slug(text: str, limit: int = 60) -> str:
    words = "".join(ch.lower() if ch.isascii() and ch.isalnum() else " " for ch in text).split()
    return "-".join(words)[:limit].strip("-") or "data"


def write_page_csvs(page_html: str, page_name: str, folder: Path) -> tuple[str, list[dict]]:
    """Write every embedded CSV of ``page_html`` to ``folder/data/`` and point its link at
    the file. Returns the new HTML and, per file, ``{"file", "page", "title", "rows"}``."""
    out: list[dict] = []
    pieces: list[str] = []
    last = 0
    for m in _TAG.finditer(page_html):
        attrs = dict(_ATTR.findall(m.group(1)))
        href = attrs.get("href", "")
        if _MARK not in attrs or not href.startswith(_PREFIX):
            continue
        try:
            data = base64.b64decode(href[len(_PREFIX) :], validate=True)
            text = data.decode("utf-8")
        except (binascii.Error, ValueError):  # not a CSV we wrote: leave the link as it is
            continue
        title = html.unescape(attrs[_MARK])
        rel = f"{DATA_DIR}/{_slug(page_name, 30)}-{len(out) + 1:02d}-{_slug(title)}.csv"
        path = Path(folder) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows = max(0, len(list(csv.reader(io.StringIO(text)))) - 1)
        out.append({"file": rel, "page": f"{page_name}.html", "title": title, "rows": rows})
        attrs["href"] = rel
        tag = "<a " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">"
        pieces += [page_html[last : m.start()], tag]
        last = m.end()
    pieces.append(page_html[last:])
    return "".join(pieces), out


def write_pack_csv(folder: Path, files: list[dict]) -> dict | None:
    """``data/pack.csv``: every row of every file in ``files`` (as returned by
    :func:`write_page_csvs`, in page order), with the file, page, title and row number first
    and the union of the files' columns after (blank where a file has no such column).
    Returns its entry, or None when there are no files."""
    if not files:
        return None
    tables, columns = [], []
    for f in files:
        with open(Path(folder) / f["file"], encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        columns += [c for c in header if c not in columns and c not in PACK_COLUMNS]
        tables.append((f, header, body))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*PACK_COLUMNS, *columns])
    n = 0
    for f, header, body in tables:
        for j, row in enumerate(body, start=1):
            cells = dict(zip(header, row, strict=False))
            writer.writerow(
                [f["file"], f["page"], f["title"], j, *(cells.get(c, "") for c in columns)]
            )
            n += 1
    rel = f"{DATA_DIR}/{PACK_CSV}"
    (Path(folder) / rel).write_text(buf.getvalue(), encoding="utf-8", newline="")
    return {"file": rel, "page": "", "title": "Every chart and table of the pack", "rows": n}
