"""The pack's HTML pages: the page shell around each notebook, the index, and the checks every
page must pass before it is published.

Pages are rendered with Jinja from ``cdp_analysis/templates/report/`` (one inline stylesheet,
no scripts, nothing loaded from outside, ``<html lang="en">``). Nothing that changes from run
to run (dates, timings, kernel or random ids) is put into a page, so the same inputs give
byte-identical HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily: worker processes need no pandas
    from ..periods import Quarter

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: nbconvert gives an ``<img>`` without ``alt`` this text; the runner treats it as missing.
NBCONVERT_PLACEHOLDER_ALT = "No description has been provided for this image"

#: The footer note on a page whose notebook's outputs mention synthetic demo data.
SYNTHETIC_NOTE = (
    "Some or all of the numbers on this page are synthetic demo data: made up to show how the "
    "report works. They are not real statistics and must not be quoted."
)
SYNTHETIC_INDEX_NOTE = (
    "Some sections of this report use synthetic demo data: made up to show how the report "
    "works, not real statistics. Those sections say so at the foot of their page."
)
SUMMARY_MISSING = "No summary table was produced for this report."
#: Same text as ``cdp_analysis.tidy.SYNTHETIC`` (a test checks), kept here so that worker
#: processes need not import pandas.
SYNTHETIC = "synthetic demo data"

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_EXTERNAL = re.compile(r"(?:@import|url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:)?//)", re.IGNORECASE)
_CELL_ID = re.compile(r"^cell-id=cell-(\d+)$")
# Attributes that make a browser fetch something when the page loads.
_LOADING_ATTRS = ("src", "srcset", "data", "poster", "background", "href")


@dataclass(frozen=True)
class PageRef:
    """One notebook's page in the pack: ``name`` is the notebook's stem."""

    name: str
    title: str

    @property
    def href(self) -> str:
        return f"{self.name}.html"


@dataclass(frozen=True)
class PackInfo:
    """What every page of one area's pack shows in its header, navigation and footer.

    Plain strings only (use :meth:`create`), so that it travels to worker processes cheaply.
    """

    area_code: str
    area_name: str
    quarter_label: str  # 2025-26Q4
    quarter_short: str  # 2025/26 Q4
    quarter_text: str  # 2025/26 Q4 (January to March 2026)
    version: str
    pages: tuple[PageRef, ...] = field(default_factory=tuple)

    @classmethod
    def create(
        cls, area_code: str, area_name: str, quarter: Quarter, version: str, pages=()
    ) -> PackInfo:
        return cls(
            area_code,
            area_name,
            quarter.label,
            quarter.fingertips_label,
            quarter_text(quarter),
            version,
            tuple(pages),
        )

    @property
    def title(self) -> str:
        return f"{self.area_name}: Combating Drugs Partnership report, {self.quarter_short}"

    @property
    def heading(self) -> str:
        return f"{self.area_name} Combating Drugs Partnership · {self.quarter_short}"


@dataclass(frozen=True)
class Defect:
    """Something in a page's HTML that must not reach a reader; ``cell`` is the source
    notebook's cell number (1-based, as Jupyter shows it) when known."""

    message: str
    cell: int | None = None

    def describe(self) -> str:
        return f"cell {self.cell}: {self.message}" if self.cell else self.message


def quarter_text(q: Quarter) -> str:
    """``2025/26 Q4 (January to March 2026)``: fixed English month names, not the locale's."""
    s, e = q.start, q.end
    return f"{q.fingertips_label} ({_MONTHS[s.month - 1]} to {_MONTHS[e.month - 1]} {e.year})"


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / "report"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _css() -> str:
    return (TEMPLATES / "report" / "style.css").read_text(encoding="utf-8").strip()


def render_page(
    pack: PackInfo,
    page: PageRef,
    *,
    body: str = "",
    failure: str | None = None,
    synthetic: bool = False,
) -> str:
    """One notebook's page: ``body`` (nbconvert's fragment) in the shell, or, when ``failure``
    is given, a plain-words notice that the section could not be produced."""
    names = [p.name for p in pack.pages]
    i = names.index(page.name)
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            pack=pack,
            page=page,
            current=page.name,
            title=f"{page.title} · {pack.title}",
            body=body,
            failure=failure,
            previous=pack.pages[i - 1] if i > 0 else None,
            next=pack.pages[i + 1] if i + 1 < len(pack.pages) else None,
            synthetic=synthetic,
            synthetic_text=SYNTHETIC_NOTE,
            css=_css(),
        )
    )


@dataclass(frozen=True)
class FailedPage:
    name: str
    title: str
    message: str

    @property
    def href(self) -> str:
        return f"{self.name}.html"


def render_index(
    pack: PackInfo,
    *,
    summary: str = "",
    failures: list[FailedPage] | tuple[FailedPage, ...] = (),
    synthetic: bool = False,
    downloads: list[dict] | tuple[dict, ...] = (),
) -> str:
    """The pack's front page: title, failure banner, the lifted summary, links to every page
    and to the pack-wide data files (the ``downloads`` entries with no page)."""
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            pack=pack,
            current="index",
            title=pack.title,
            summary=summary,
            summary_missing=SUMMARY_MISSING,
            failures=list(failures),
            failed_names={f.name for f in failures},
            synthetic=synthetic,
            synthetic_text=SYNTHETIC_INDEX_NOTE,
            downloads=list(downloads),
            css=_css(),
        )
    )


#: The data log page the runner writes beside the index (every input file, its publisher,
#: edition, download date, real or synthetic, and the SHA-256 the manifest records).
DATA_LOG = "data_log.html"


def render_data_log(pack: PackInfo, inputs: dict) -> str:
    """The pack's data log page for a run's manifest ``inputs``
    (:mod:`cdp_analysis.pages.data_log`; imported here, as it needs pandas)."""
    from ..pages.data_log import data_log_for

    return (
        _environment()
        .get_template("data_log.html.j2")
        .render(
            pack=pack,
            current="data_log",
            title=f"Data log · {pack.title}",
            body=data_log_for(inputs),
            last=pack.pages[-1] if pack.pages else None,
            synthetic=False,
            synthetic_text="",
            css=_css(),
        )
    )


def write_data_log(folder: Path, pack: PackInfo, inputs: dict) -> Path:
    """Write the data log page (:data:`DATA_LOG`) into a pack's build folder."""
    path = Path(folder) / DATA_LOG
    path.write_text(render_data_log(pack, inputs), encoding="utf-8", newline="\n")
    return path


class _Scanner(HTMLParser):
    """Walks a page and records what must not reach a reader."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.defects: list[Defect] = []
        self.cell: int | None = None
        self._in_style = False

    def _add(self, message: str) -> None:
        self.defects.append(Defect(message, self.cell))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        m = _CELL_ID.match(a.get("id", ""))
        if m:
            self.cell = int(m.group(1))
        if tag == "img":
            alt = a.get("alt", "").strip()
            if not alt or alt == NBCONVERT_PLACEHOLDER_ALT:
                self._add(
                    "a figure or image has no text alternative (alt text). Display figures "
                    "with cdp_analysis.pages.display, not plt.show() or a bare image"
                )
        for attr in _LOADING_ATTRS:
            value = a.get(attr, "")
            if not value or (tag == "a" and attr == "href"):
                continue  # an ordinary link loads nothing until a reader follows it
            if _EXTERNAL.match(value) or (attr == "srcset" and "//" in value):
                self._add(f"<{tag} {attr}> loads {value[:80]!r} from the internet")
        if _CSS_EXTERNAL.search(a.get("style", "")):
            self._add("an inline style loads something from the internet")
        if tag == "script" and a.get("src"):
            self._add("a script is loaded from a file")
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_EXTERNAL.search(data):
            self._add("a stylesheet imports something from the internet")


def find_defects(html: str) -> list[Defect]:
    """Problems in a page that must stop it being published as it is: images without alt
    text, and anything the page would load from the internet."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.defects


def mentions_synthetic(text: str) -> bool:
    return SYNTHETIC in text.lower()
