"""The pack's data log: every input file the build used, as an HTML fragment.

For each file that gives figures (from ``table.attrs["file_log"]`` of
:func:`cdp_analysis.indicator_table.load`): its publisher, the editions and periods it
gives, the download date where ``cdp-analysis fetch`` recorded one (the ``.json`` it writes
beside its CSV), whether it is real published data or synthetic demo data, how many of its
figures the build kept, and its SHA-256. Then every other input (the plan files, lookups,
notes, the targets file and the report notebooks) with its SHA-256. The fingerprints are
taken from the ``inputs`` section of the pack's manifest, so the page and ``manifest.json``
always agree and ``cdp-analysis verify`` checks the same hashes.

Only file names, kinds, periods, counts of figures and hashes are shown: no value and no
record of any file reaches the page (record-level treatment episodes included).
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path

#: Who publishes each kind of source (the catalogue's source names).
PUBLISHERS = {
    "ons": "Office for National Statistics (ONS)",
    "fingertips": "Office for Health Improvement and Disparities (OHID), Fingertips",
    "local": "The partnership's own local data",
    "episodes": "Local treatment records (record-level: only counts made from them reach "
    "this report)",
}
SYNTHETIC_PUBLISHER = "No publisher: made up by cdp-analysis"
#: A ``fetch`` record larger than this is not read (it is a few kilobytes).
MAX_RECORD_BYTES = 1_000_000

#: The first table's columns: (key of :func:`source_rows`' rows, heading).
SOURCE_COLUMNS = (
    ("file", "File"),
    ("publisher", "Publisher"),
    ("edition", "Edition"),
    ("periods", "Periods"),
    ("downloaded", "Downloaded"),
    ("kind", "Real or synthetic"),
    ("figures", "Figures used"),
    ("sha256", "SHA-256"),
)
_PLAN_FILES = {
    "indicators.yaml": "The plan's measures (indicators.yaml): which source each measure reads",
    "lookups/areas.csv": "Area lookup: names, types, regions and default comparators",
    "lookups/area_changes.csv": "Area changes of April 2023: old codes and their successors",
}


def _download(data_dir: Path, rel: str, sha256: str | None) -> str:
    """When the file was downloaded, from the ``fetch`` record beside it, else where to look."""
    path = data_dir / rel
    record = path.with_suffix(".json")
    if record.is_file() and record.stat().st_size <= MAX_RECORD_BYTES:
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        if isinstance(meta, dict) and isinstance(meta.get("retrieved_at"), str):
            if meta.get("csv_sha256") not in (None, sha256):
                return f"Not known: the fetch record {record.name} beside it is for another file"
            service = " from FingertipsNext" if meta.get("service") == "fingertipsnext" else ""
            return f"{meta['retrieved_at'][:10]}{service} (fetch record {record.name})"
    provenance = path.parent / "PROVENANCE.md"
    if provenance.is_file():
        return "Not recorded in the file (see the PROVENANCE.md beside it)"
    return "Not recorded"


def _publisher(entry: dict, data_dir: Path) -> str:
    if entry["synthetic"] and not entry["real"]:
        return f"{SYNTHETIC_PUBLISHER} in the format of a {entry['kind']}"
    words = PUBLISHERS.get(entry["publisher"], entry["publisher"])
    record = (data_dir / entry["file"]).with_suffix(".json")
    if entry["publisher"] == "fingertips" and record.is_file():
        try:
            if json.loads(record.read_text(encoding="utf-8")).get("service") == "fingertipsnext":
                words = "Office for Health Improvement and Disparities (OHID), FingertipsNext"
        except (OSError, ValueError, AttributeError):
            pass
    return words


def _kind_words(entry: dict) -> str:
    if entry["real"] and entry["synthetic"]:
        return "Real published data and synthetic demo data"
    return "Synthetic demo data" if entry["synthetic"] else "Real published data"


def _figures_words(entry: dict) -> str:
    if not entry["rows"]:
        return "None: no measure of the plan reads this file's indicators"
    if entry["kept"] == entry["rows"]:
        return f"All {entry['rows']:,} of its figures"
    words = f"{entry['kept']:,} of its {entry['rows']:,} figures"
    if entry["kept"] < entry["rows"]:
        words += " (the rest gave way to newer publications or to real data)"
    return words


def source_rows(inputs: dict, file_log: list[dict]) -> list[dict]:
    """One row per file that gives figures: the columns of the page's first table."""
    data_dir = Path(inputs["data_dir"])
    rows = []
    for entry in file_log:
        sha = inputs["files"].get(entry["file"], {}).get("sha256")
        periods = (
            f"{entry['first_period']} to {entry['last_period']}"
            if entry["first_period"] and entry["first_period"] != entry["last_period"]
            else entry["first_period"] or "None"
        )
        rows.append(
            {
                "file": entry["file"],
                "publisher": _publisher(entry, data_dir),
                "edition": "; ".join(entry["editions"]) or "None",
                "periods": periods,
                "downloaded": _download(data_dir, entry["file"], sha),
                "kind": _kind_words(entry),
                "figures": _figures_words(entry),
                "synthetic": entry["synthetic"],
                "sha256": sha or "not in the manifest",
            }
        )
    return rows


def _other_what(rel: str, targets: str | None, sources: set[str]) -> str:
    name = rel.rsplit("/", 1)[-1]
    if rel == targets:
        return "The plan's targets (the targets file of this run)"
    if rel in _PLAN_FILES:
        return _PLAN_FILES[rel]
    if rel.startswith("lookups/"):
        return "A lookup table"
    stem = rel.rsplit(".", 1)[0]
    if name.endswith(".json") and any(s.rsplit(".", 1)[0] == stem for s in sources):
        return f"Record of the download of {stem.rsplit('/', 1)[-1]}.csv (where, when, licence)"
    if name.startswith("fingertips_api_") and name.endswith(".csv"):
        return "An older fetch download: not read (the build reads the newest one)"
    if name.lower().endswith((".md", ".txt")):
        return "Notes on the data (not read by the build)"
    return "Not read by the build"


def other_rows(inputs: dict, file_log: list[dict]) -> list[dict]:
    """Every other input of the manifest: plan files, lookups, notes, the targets file when
    it lies outside the data folder, and the report notebooks."""
    data_dir = Path(inputs["data_dir"])
    sources = {e["file"] for e in file_log}
    target_path = Path(inputs["targets_file"]["path"])
    try:
        targets = target_path.relative_to(data_dir).as_posix()
    except ValueError:
        targets = None
    rows = [
        {"file": rel, "what": _other_what(rel, targets, sources), "sha256": info["sha256"]}
        for rel, info in inputs["files"].items()
        if rel not in sources
    ]
    if targets is None:
        rows.append(
            {
                "file": target_path.name,
                "what": "The plan's targets (the targets file of this run, outside the data folder)",
                "sha256": inputs["targets_file"]["sha256"],
            }
        )
    rows += [
        {"file": name, "what": "Report notebook: one page of this report", "sha256": info["sha256"]}
        for name, info in inputs.get("notebooks", {}).items()
    ]
    return rows


def _table(caption: str, header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{_file_name(r[0])}</th>'
        + "".join(f"<td>{c}</td>" for c in r[1:])
        + "</tr>"
        for r in rows
    )
    table = (
        f'<table class="cdp-data-log"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
    # a box that scrolls sideways on a narrow screen, focusable and named (as WCAG asks)
    return (
        f'<div class="cdp-scroll" role="region" tabindex="0" '
        f'aria-label="{escape(caption, quote=True)}">{table}</div>'
    )


def _sha(value: str) -> str:
    """A SHA-256 in full, allowed to break into two halves on a narrow column."""
    half = len(value) // 2 if len(value) == 64 else len(value)
    return f'<code class="cdp-sha">{escape(value[:half])}<wbr>{escape(value[half:])}</code>'


def _file_name(rel: str) -> str:
    """A file's path, allowed to break after each ``/`` and ``_`` (long names)."""
    return "".join(escape(c) + ("<wbr>" if c in "/_" else "") for c in rel)


def _synthetic_count(n_syn: int, n: int) -> str:
    if n == 1:
        return "The one data file is synthetic demo data."
    if n_syn == n:
        return f"All {n} data files are synthetic demo data."
    return f"{n_syn} of the {n} data files are synthetic demo data."


def data_log_html(inputs: dict, file_log: list[dict]) -> str:
    """The data log's HTML (headings, notes and two tables) for the manifest's ``inputs``
    and the indicator table's ``file_log``."""
    sources = source_rows(inputs, file_log)
    others = other_rows(inputs, file_log)
    n_syn = sum(1 for r in sources if r["synthetic"])
    parts = [
        "<h1>Data log</h1>",
        '<p class="cdp-lead">Every file this report was built from. The fingerprints '
        '(SHA-256) are those recorded in <a href="manifest.json">manifest.json</a>: '
        "<code>cdp-analysis verify</code> checks each file against them, so anyone can "
        "confirm that the figures came from these exact files.</p>",
    ]
    if n_syn:
        parts.append(
            '<div class="notice" role="note"><p><strong>'
            f"{_synthetic_count(n_syn, len(sources))}</strong> "
            "They are made up to show how the report works, not real statistics; every page "
            "that uses them says so.</p></div>"
        )
    parts.append("<h2>Data files that give the figures</h2>")
    if sources:
        parts.append(
            _table(
                "Data files that give the figures",
                [label for _, label in SOURCE_COLUMNS],
                [
                    [r["file"], *(escape(r[key]) for key, _ in SOURCE_COLUMNS[1:-1])]
                    + [_sha(r["sha256"])]
                    for r in sources
                ],
            )
        )
    else:
        parts.append("<p>No data file gave figures to this report.</p>")
    parts += [
        "<h2>Plan, lookups, notes and notebooks</h2>",
        _table(
            "Other input files",
            ["File", "What it is", "SHA-256"],
            [[r["file"], escape(r["what"]), _sha(r["sha256"])] for r in others],
        ),
        '<p class="cdp-note">Figures: how many rows of the file feed the plan\'s measures, and '
        "how many of them this report uses. Where two files give the same figure, the newest "
        "publication wins and real data wins over synthetic demo data. Only counts of figures "
        "are shown here: no value or record of any file.</p>",
    ]
    return "\n".join(parts)


@cache
def _for(inputs_json: str) -> str:
    from .. import indicator_table

    inputs = json.loads(inputs_json)
    file_log = indicator_table.load(inputs["data_dir"]).attrs.get("file_log", [])
    return data_log_html(inputs, file_log)


def data_log_for(inputs: dict) -> str:
    """:func:`data_log_html` for a run's manifest ``inputs`` (the data folder's indicator
    table is read from its cache; the page is made once per run)."""
    return _for(json.dumps(inputs, sort_keys=True))
