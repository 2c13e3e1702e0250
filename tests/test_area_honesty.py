"""Any area, honestly (issue 14): packs for three areas of different types with no plan of
their own (Hampshire, a county; Westminster, a London borough; Birmingham, a metropolitan
district) and Portsmouth, whose plan is bundled, read as their readers would.

Each no-plan pack must carry no word of Portsmouth's plan: not its name, priorities,
objectives, the targets' quoted reasons or notes, nor "Portsmouth residents" or the police
force ("Hampshire Constabulary", allowed in Hampshire's own pack only), on any page, in any
alt text, link or data file of the pack. "Portsmouth" itself may appear only as an area's
name in a data table (a row of the all-England funnel plot data, or of the region's
comparators). Every no-plan page says at its top that no local plan was given, and no page
refers to a chart that is not drawn. Portsmouth's pack still shows its plan.

The packs are built once for the module (one ``cdp-analysis run`` for the four areas).
"""

from __future__ import annotations

import base64
import csv
import io
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from cdp_analysis.plan.catalogue import load_indicators, load_targets
from cdp_analysis.plan.plans import NO_PLAN_SENTENCE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
QUARTER = "2025-26Q4"
PORTSMOUTH = "E06000044"
NO_PLAN = {"E10000014": "Hampshire", "E09000033": "Westminster", "E08000025": "Birmingham"}
REGION_WORDS = {
    "E10000014": "other councils in the South East",
    "E09000033": "other London boroughs",
    "E08000025": "other councils in the West Midlands",
}
PAGES = [
    "index",
    "00_overview",
    "01_treatment_completions",
    "02_drug_related_deaths",
    "03_young_people",
    "04_supply_and_crime",
]

pytestmark = pytest.mark.slow


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def portsmouth_phrases() -> list[str]:
    """The words that are Portsmouth's, from its plan and from the catalogue written from
    it: the plan's name and id, its priorities and objectives, every target's quoted reason
    and note, and the plan's own words for each measure where they are not the measure's
    neutral name."""
    catalogue = load_indicators(DATA / "indicators.yaml")
    plans = [p for p in load_targets(DATA / "targets.yaml", catalogue) if p.area_code == PORTSMOUTH]
    assert plans, "Portsmouth's plan is bundled"
    phrases = {"Portsmouth residents", "Hampshire Constabulary"}
    for p in plans:
        phrases |= {p.name, p.id}
        phrases |= set(p.priorities.values()) | set(p.objectives.values())
        for t in p.targets:
            phrases |= {t.reason, t.note or ""}
    phrases |= set(catalogue.priorities.values()) | set(catalogue.objectives.values())
    for m in catalogue:
        if m.plan_measure not in (m.name, m.short_name) and m.plan_measure not in m.definition:
            phrases.add(m.plan_measure)
    return sorted({_norm(s) for s in phrases if s and len(_norm(s)) >= 12})


class _Page(HTMLParser):
    """A page as its readers meet it: the visible text (by block), and every alt text,
    title, aria-label and link; text that is an area's name in a data table is kept apart."""

    _BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "td", "th", "caption", "figcaption", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []  # visible text, one item per text node
        self.cells: list[str] = []  # text of table cells (th/td), one item per cell
        self.attrs: list[str] = []  # alt, title, aria-label, href, download
        self.images: list[str] = []  # alt text of every image
        self.csv_links: list[str] = []  # the text of every CSV download link (data: URI or file)
        self.folder: Path | None = None  # the page's folder, for CSV links to files
        self._skip = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag in ("td", "th"):
            self._cell = []
        for key in ("alt", "title", "aria-label", "href", "download"):
            if a.get(key) and not str(a[key]).startswith("data:"):
                self.attrs.append(str(a[key]))
        if tag == "img":
            self.images.append(str(a.get("alt") or ""))
        href = str(a.get("href") or "")
        if href.startswith("data:text/csv"):
            head, _, body = href.partition(",")
            raw = base64.b64decode(body) if head.endswith(";base64") else unquote(body).encode()
            self.csv_links.append(raw.decode("utf-8-sig"))
        elif "data-cdp-csv" in a and href.endswith(".csv") and self.folder is not None:
            # a published pack links each CSV as a file in its data/ folder (issue 15)
            self.csv_links.append((self.folder / href).read_text(encoding="utf-8-sig"))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(_norm(" ".join(self._cell)))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        if data.strip():
            self.texts.append(data)

    @property
    def text(self) -> str:
        return _norm(" ".join(self.texts))


def read_page(path: Path) -> _Page:
    page = _Page()
    page.folder = path.parent
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _without_area_cells(text: str, cells: list[str]) -> str:
    """The text with each table cell that is just "Portsmouth" (an area's name in a data
    table) taken out once."""
    for cell in cells:
        if cell == "Portsmouth":
            text = text.replace(cell, "", 1)
    return text


def pack_problems(pack: Path, area_code: str, phrases: list[str]) -> list[str]:
    """Every place in one pack where another area's words appear (empty when none)."""
    problems = []
    allowed = {"Hampshire Constabulary"} if area_code == "E10000014" else set()
    for path in sorted(pack.glob("*.html")):
        page = read_page(path)
        text = _without_area_cells(page.text, page.cells)
        where = {"text": text, "alt text or link": _norm(" | ".join(page.attrs))}
        for kind, words in where.items():
            for phrase in [*phrases, "Portsmouth"]:
                if phrase in allowed or phrase not in words:
                    continue
                i = words.index(phrase)
                problems.append(
                    f"{path.name} ({kind}): {phrase!r} in ...{words[max(0, i - 80) : i + 80]}..."
                )
    tables = [
        (str(p.relative_to(pack)), p.read_text(encoding="utf-8-sig"))
        for p in sorted(pack.rglob("*.csv"))
    ]
    for path in sorted(pack.glob("*.html")):
        page = read_page(path)
        tables += [(f"{path.name} CSV link {i}", text) for i, text in enumerate(page.csv_links, 1)]
    for where, text in tables:
        rows = list(csv.reader(io.StringIO(text)))
        for n, row in enumerate(rows, 1):
            for cell in row:
                for phrase in [*phrases, "Portsmouth"]:
                    if phrase in allowed or phrase not in cell:
                        continue
                    if phrase == "Portsmouth" and cell.strip() == "Portsmouth":
                        continue  # an area's name in a data row
                    problems.append(f"{where} row {n}: {phrase!r} in {cell[:120]!r}")
    return problems


def top_problems(pack: Path) -> list[str]:
    """Pages of a no-plan pack whose top does not say that no local plan was given: the
    sentence must come before any figure, any table and any section heading (the index's
    "Summary for the board" heading, which holds it, apart)."""
    problems = []
    for name in PAGES:
        html = (pack / f"{name}.html").read_text(encoding="utf-8")
        body = html.split("<h1", 1)[1]
        if name == "index":
            body = body.replace('<h2 id="summary-heading">', "", 1)
        at = body.find(NO_PLAN_SENTENCE)
        firsts = [i for i in (body.find("<img"), body.find("<table"), body.find("<h2")) if i >= 0]
        if at < 0 or (firsts and at > min(firsts)):
            problems.append(
                f"{name}: the no-plan sentence is {'missing' if at < 0 else 'not at the top'}"
            )
    return problems


#: Words that refer to a drawn chart, and what the page must hold for them to be true.
CHART_WORDS = ("target line on the chart", "on the chart", "the chart below", "see the chart")


def chart_problems(pack: Path) -> list[str]:
    """Pages that refer to a chart that is not drawn: "the chart" with no image on the
    page, or "the target line on the chart" with no chart whose alt text gives a target."""
    problems = []
    for path in sorted(pack.glob("*.html")):
        page = read_page(path)
        text = page.text.lower()
        if any(w in text for w in CHART_WORDS) and not page.images:
            problems.append(f"{path.name}: refers to a chart but draws none")
        if "target line on the chart" in text and not any(
            "the target is" in alt.lower() for alt in page.images
        ):
            problems.append(f"{path.name}: refers to the target line but no chart shows a target")
    return problems


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("honesty") / "out"
    proc = run_cli("run", "--area", *NO_PLAN, PORTSMOUTH, "--quarter", QUARTER, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def pack_dir(packs: Path, area_code: str) -> Path:
    return packs / area_code / QUARTER


def test_phrases_are_portsmouths():
    """The list is derived from the data and holds what a reader would recognise."""
    phrases = portsmouth_phrases()
    assert "Substance Misuse Plan for Portsmouth 2023-2026" in phrases
    assert "Disrupt local drug supply chains and drug related crime" in phrases
    assert "Reduce drug related deaths" in phrases  # objective 2.3's words
    assert len(phrases) > 30


@pytest.mark.parametrize("area_code", NO_PLAN)
def test_no_other_areas_words(packs, area_code):
    pack = pack_dir(packs, area_code)
    assert pack_problems(pack, area_code, portsmouth_phrases()) == []
    # nor the plan's objective numbers ("Objective 2.3") or its objectives table
    for name in PAGES:
        assert "objective" not in read_page(pack / f"{name}.html").text.lower(), name


@pytest.mark.parametrize("area_code", NO_PLAN)
def test_no_plan_sentence_is_at_the_top_of_every_page(packs, area_code):
    assert top_problems(pack_dir(packs, area_code)) == []


@pytest.mark.parametrize("area_code", [*NO_PLAN, PORTSMOUTH])
def test_no_page_refers_to_a_chart_not_drawn(packs, area_code):
    assert chart_problems(pack_dir(packs, area_code)) == []


def test_portsmouth_still_shows_its_plan(packs):
    pack = pack_dir(packs, PORTSMOUTH)
    for name in PAGES:
        text = read_page(pack / f"{name}.html").text
        assert "Targets: Substance Misuse Plan for Portsmouth 2023-2026" in text, name
        assert NO_PLAN_SENTENCE not in text, name
    overview = read_page(pack / "00_overview.html").text
    assert "Plan overview: Portsmouth" in overview
    assert "Disrupt local drug supply chains and drug related crime" in overview


@pytest.mark.parametrize("area_code", NO_PLAN)
def test_no_plan_overview_and_comparators_are_worded_honestly(packs, area_code):
    """The overview claims no plan, rates nothing, and names the comparators as the region's
    councils ("similar areas" needs a similar-areas lookup, which these areas do not have)."""
    pack = pack_dir(packs, area_code)
    overview = read_page(pack / "00_overview.html").text
    assert f"Overview: {NO_PLAN[area_code]}" in overview
    assert "Plan overview" not in overview and "Where the plan stands" not in overview
    assert "Grey (not rated)" not in overview and "Why this rating" not in overview
    assert REGION_WORDS[area_code] in overview
    for name in PAGES:
        page = read_page(pack / f"{name}.html")
        assert "similar areas" not in (page.text + " ".join(page.attrs)).lower(), name
