"""End to end: `cdp-analysis run` on the real notebooks and bundled data, read as a reader
and as an auditor would — what the HTML says, what the manifest records, that a second run
gives the same bytes, and that no record-level identifier reaches any output (canaries)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cdp_analysis.plan.catalogue import load_indicators

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
QUARTER = "2025-26Q4"
AREAS = ["E06000044", "E08000025"]  # Portsmouth, and Birmingham (no local data bundled)
PAGES = [
    "00_overview",
    "01_treatment_completions",
    "02_drug_related_deaths",
    "03_young_people",
    "04_supply_and_crime",
]

pytestmark = pytest.mark.slow


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def copy_data(dest: Path) -> Path:
    shutil.copytree(DATA, dest, ignore=shutil.ignore_patterns("cache"))
    return dest


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "out"
    proc = run_cli("run", "--area", *AREAS, "--quarter", QUARTER, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return out


def html(packs: Path, area: str, page: str) -> str:
    return (packs / area / QUARTER / f"{page}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("area", AREAS)
def test_pack_layout(packs, area):
    pack = packs / area / QUARTER
    assert (pack / "index.html").is_file() and (pack / "manifest.json").is_file()
    for page in PAGES:
        assert (pack / f"{page}.html").is_file()
        assert (pack / "notebooks" / f"{page}.ipynb").is_file()


@pytest.mark.parametrize("area", AREAS)
def test_overview_has_a_rag_row_for_every_measure(packs, area):
    """Every measure with figures has a row in the one full table, on the overview, its name
    linking to its chart (issue 15: the index carries the board summary, not the table again);
    the rest are listed once, on the overview, as waiting for local data (issue 14): together
    they are the whole catalogue."""
    index = html(packs, area, "index")
    assert '<table class="cdp-rag-table"' not in index and "Summary for the board" in index
    catalogue = load_indicators(DATA / "indicators.yaml")
    overview = html(packs, area, "00_overview")
    table = overview.split('<div id="every-measure">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row"><a href="[^"#]+#measure-[^"]+">(.*?)</a>', table)
    assert len(rows) == table.count('<th scope="row">')
    section = overview.split("Measures waiting for local data</h2>")[1:]
    block = section[0].split("</ul>")[0] if section else ""
    waiting = re.findall(r"<li>(.*?)</li>", block)
    names = sorted(m.short_name.replace("&", "&amp;") for m in catalogue)
    assert sorted(rows + waiting) == names
    ratings = re.findall(r'font-weight:bold">(Red|Amber|Green|Grey \(not rated\))</td>', table)
    # an area with no plan (Birmingham) has no rating column: nothing is rated (issue 14)
    assert len(ratings) == (len(rows) if area == "E06000044" else 0)


def test_headings_say_what_each_page_is(packs):
    assert "<h1>Plan overview: Portsmouth</h1>" in html(packs, "E06000044", "00_overview")
    deaths = html(packs, "E06000044", "02_drug_related_deaths")
    assert "<h1>Drug-related deaths: Portsmouth</h1>" in deaths
    # the real ONS figures, in words (46 deaths in 2019-21: 7.7 per 100,000, 5.6-10.3)
    assert "7.7 per 100,000" in deaths and "5.6–10.3" in deaths
    assert "significantly worse than England (5.1 per 100,000)" in deaths
    assert "<h1>Young people: Birmingham</h1>" in html(packs, "E08000025", "03_young_people")


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("page", ["index", *PAGES])
def test_pages_are_for_readers(packs, area, page):
    text = html(packs, area, page)
    assert text.startswith("<!DOCTYPE html>") and '<html lang="en">' in text
    assert "Traceback" not in text
    assert "cdp_analysis" not in text.replace("cdp-analysis", "")  # no code
    assert "load_report(" not in text and "import " not in text
    assert not re.search(r"""(?:src|href)=["']https?://""", text)
    imgs = re.findall(r"<img\b[^>]*>", text)
    for img in imgs:
        assert re.search(r'alt="[^"]{20,}"', img), img[:200]


def test_synthetic_data_is_said_where_shown(packs):
    for page in ("00_overview", "01_treatment_completions", "03_young_people"):
        assert "synthetic demo data" in html(packs, "E06000044", page).lower()


def test_area_without_local_data_says_so(packs):
    """Said once, in readers' words: no developer instructions on a board page (issue 14)."""
    supply = html(packs, "E08000025", "04_supply_and_crime")
    assert "Measures waiting for local data" in supply and "<li>County lines closed</li>" in supply
    assert "local measures file" not in supply and "No data for Birmingham" not in supply


@pytest.mark.parametrize("area", AREAS)
def test_manifest_records_parameters_version_and_input_hashes(packs, area):
    m = json.loads((packs / area / QUARTER / "manifest.json").read_text())
    assert m["status"] == "ok"
    assert m["parameters"]["area_code"] == area and m["parameters"]["quarter"] == QUARTER
    assert m["producer"]["version"]
    files = m["inputs"]["files"]
    ons = files["ons/2021localauthorities.xlsx"]["sha256"]
    assert ons == "c342ed0c6eb9731bb4651839964f488af29bd1c9aaad6ce0991af337dded0951"
    for rel, info in files.items():
        assert hashlib.sha256((DATA / rel).read_bytes()).hexdigest() == info["sha256"], rel


def test_verify_accepts_the_pack(packs):
    proc = run_cli("verify", str(packs / "E06000044" / QUARTER))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_second_run_gives_identical_html(packs, tmp_path):
    out = tmp_path / "again"
    proc = run_cli("run", "--area", "E06000044", "--quarter", QUARTER, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for page in ["index", *PAGES]:
        first = (packs / "E06000044" / QUARTER / f"{page}.html").read_bytes()
        second = (out / "E06000044" / QUARTER / f"{page}.html").read_bytes()
        assert first == second, page


# --------------------------------------------------------------------------- canaries


def plant_canaries(data: Path) -> list[str]:
    """Give some episodes unique client ids and free-text notes that must never appear in
    any output, and return them."""
    path = data / "demo" / "episodes_E06000044_demo.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        rows = list(reader)
    canaries = []
    for i, row in enumerate(rows[:400]):
        token = hashlib.sha256(f"canary-{i}".encode()).hexdigest()[:12].upper()
        old = row["client_id"]
        for other in rows:  # keep the client's other episodes together
            if other["client_id"] == old:
                other["client_id"] = f"CANARYID{token}"
        row["notes"] = f"CANARYNOTE{token} lives at 1 Canary Street"
        canaries += [f"CANARYID{token}", f"CANARYNOTE{token}"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return canaries


def all_output_bytes(folder: Path) -> bytes:
    chunks = []
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            chunks.append(f.read_bytes())
            if f.suffix == ".zip":
                with zipfile.ZipFile(f) as z:
                    chunks += [z.read(n) for n in z.namelist()]
    return b"\n".join(chunks)


def test_no_record_level_identifier_reaches_any_output(tmp_path):
    data = copy_data(tmp_path / "data")
    canaries = plant_canaries(data)
    out = tmp_path / "out"
    proc = run_cli(
        "run", "--area", "E06000044", "--quarter", QUARTER, "--data", str(data),
        "--out", str(out), "--zip",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    everything = all_output_bytes(out) + proc.stdout.encode() + proc.stderr.encode()
    assert len(everything) > 100_000  # the pack really is there
    assert len(list(out.glob("*/*/data/*.csv"))) >= 30  # the CSV downloads are checked too
    leaked = [c for c in canaries if c.encode() in everything]
    assert leaked == []
    assert b"Canary Street" not in everything
    # nor any of the untouched pseudonymised ids of the demo episodes (PC + 8 digits)
    assert not re.search(rb"PC\d{8}", everything)
