"""A report pack as a reader's browser sees it: Chromium (headless, via Playwright) opens
index.html, follows every link inside the pack and checks that every page loads, every
image decodes, nothing is written to the console as an error and no request leaves the
machine (every request is intercepted; anything that is not file:// or 127.0.0.1 fails).

The pack is built once per session from the project's report notebooks and bundled data
(:data:`NOTEBOOKS`, :data:`DATA`). Links to other sites are not followed (that would leave the machine);
they load nothing until a reader clicks them.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from cdp_analysis import cli
from cdp_analysis.report.runner import find_notebooks

#: The notebooks the pack is built from (one place to change): the real report.
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: The data folder; None makes a tiny stand-in, enough for the fixture notebooks.
DATA: Path | None = Path(__file__).resolve().parent.parent / "data"
AREA, QUARTER = "E06000044", "2025-26Q4"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} not installed (Debian: apt-get install chromium); .ci/run installs it",
    ),
]


@pytest.fixture(scope="session")
def notebooks_dir() -> Path:
    return NOTEBOOKS


@pytest.fixture(scope="session")
def pack(tmp_path_factory, notebooks_dir) -> Path:
    """One pack, built with the real command line."""
    base = tmp_path_factory.mktemp("browser")
    data = DATA
    if data is None:
        data = base / "data"
        data.mkdir()
        (data / "targets.yaml").write_text("targets: []\n")
    out = base / "outputs"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(
            ["run", "--area", AREA, "--quarter", QUARTER, "--notebooks", str(notebooks_dir),
             "--data", str(data), "--out", str(out)]
        )  # fmt: skip
    assert code == 0, err.getvalue()
    return out / AREA / QUARTER


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in {"file", "data", "about", "blob"} or (
        u.scheme in {"http", "https"} and u.hostname == "127.0.0.1"
    )


def test_every_page_loads_offline_with_images_and_no_errors(browser, pack):
    context = browser.new_context(java_script_enabled=True)
    requests, blocked, errors = [], [], []

    def route(r):
        if _local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: requests.append(req.url))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))

    start = (pack / "index.html").as_uri()
    root = pack.as_uri() + "/"
    queue, seen, external = [start], set(), set()
    report = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if url.endswith((".csv", ".xlsx")):  # a download: the browser saves it, not shows it
            assert Path(urlparse(url).path).is_file(), url
            report[url] = {"loaded": True}
            continue
        page.goto(url, wait_until="load")
        if not url.endswith(".html"):
            report[url] = {"loaded": True}
            continue
        info = page.evaluate(
            """() => ({
                lang: document.documentElement.lang,
                title: document.title,
                h1: document.querySelectorAll('h1').length,
                scripts: document.scripts.length,
                images: Array.from(document.images).map(i => ({
                    alt: i.alt, ok: i.complete && i.naturalWidth > 0 })),
                links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
            })"""
        )
        report[url] = info
        assert info["lang"] == "en" and info["title"].strip(), url
        assert info["h1"] >= 1 and info["scripts"] == 0, url
        for img in info["images"]:
            assert img["ok"], f"{url}: an image did not decode"
            assert img["alt"].strip(), f"{url}: an image has no alt text"
        for link in info["links"]:
            target, _ = urldefrag(link)
            if target.startswith(root):
                queue.append(target)
            elif not _local(target):
                external.add(target)
    page_names = {Path(urlparse(u).path).name for u in report}
    expected = (
        {"index.html", "data_log.html", "manifest.json"}
        | {f"{p.stem}.html" for p, _ in find_notebooks(NOTEBOOKS)}
        | {p.name for p in (pack / "data").glob("*") if p.suffix in {".csv", ".xlsx"}}
    )
    assert page_names == expected
    assert not blocked, f"requests that would leave the machine: {blocked}"
    assert all(_local(u) for u in requests), [u for u in requests if not _local(u)]
    assert not errors, errors
    images = sum(len(i.get("images", [])) for i in report.values())
    assert images >= 1  # the fixture pack has a figure: the image check ran
    context.close()


def test_print_layout_hides_navigation(browser, pack):
    page = browser.new_page()
    nav = "getComputedStyle(document.querySelector('.pack-nav')).display"
    h2 = "(() => { const h = document.querySelector('.page-body h2'); "
    h2 += "return h ? getComputedStyle(h).breakBefore : null; })()"
    checked = 0
    for path in sorted(pack.glob("*.html")):
        page.emulate_media(media="screen")
        page.goto(path.as_uri())
        assert page.evaluate(nav) != "none", path.name
        page.emulate_media(media="print")
        assert page.evaluate(nav) == "none", path.name
        if page.evaluate(h2) is not None:
            assert page.evaluate(h2) == "page", path.name
            checked += 1
    assert checked >= 1  # at least one page has a section heading to break before
    page.close()


#: axe-core, installed from tests/browser/package-lock.json by ``npm ci`` (``make test`` does it).
AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets the project standard names: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }""",
        AXE_TAGS,
    )


def test_every_page_has_no_axe_violations(browser, pack):
    """The project standard: 0 axe-core violations (WCAG 2.2 AA) on every page of the pack,
    at a desktop width and at a phone's 390 px."""
    if not AXE.exists():
        pytest.skip(f"{AXE} missing: run `make axe` (npm ci in tests/browser)")
    pages = sorted(pack.glob("*.html"))
    assert {"index.html", "data_log.html"} <= {p.name for p in pages}
    found = {}
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in pages:
            page.goto(path.as_uri(), wait_until="load")
            violations = _axe_violations(page)
            if violations:
                found[f"{path.name} at {width}px"] = violations
        context.close()
    assert not found, found


def test_board_summary_prints_on_one_a4_page(browser, pack):
    """The front page (the board summary) prints on one side of A4 in Chromium."""
    page = browser.new_page()
    page.goto((pack / "index.html").as_uri(), wait_until="load")
    assert "Summary for the board" in page.inner_text("main")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pages == 1, f"index.html prints on {pages} A4 pages"
    page.close()


def test_pages_fit_a_phone_width(browser, pack):
    """At 390 px no page is wider than the screen: wide tables scroll inside their own box."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    widths = {}
    for path in sorted(pack.glob("*.html")):
        page.goto(path.as_uri(), wait_until="load")
        widths[path.name] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert all(w == 390 for w in widths.values()), widths


def test_summary_rows_link_to_their_charts(browser, pack):
    """Every measure in the overview's table and every exception on the board summary links to
    a heading that exists on its page."""
    page = browser.new_page()
    checked = 0
    for name in ("00_overview.html", "index.html"):
        page.goto((pack / name).as_uri(), wait_until="load")
        selector = "#every-measure th[scope=row] a" if name != "index.html" else ".cdp-board a"
        hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.href)")
        for href in hrefs:
            target, frag = urldefrag(href)
            if not frag:
                continue
            other = browser.new_page()
            other.goto(target, wait_until="load")
            assert other.locator(f"[id='{frag}']").count() == 1, href
            other.close()
            checked += 1
    assert checked >= 10
    page.close()


def test_every_chart_has_a_working_csv_link(browser, pack):
    """Each chart's figure, and each table, has a CSV link that resolves (in the browser) to
    a file in the pack's data/ folder whose row count matches the link's text."""
    page = browser.new_page()
    charts = 0
    for path in sorted(pack.glob("*.html")):
        page.goto(path.as_uri(), wait_until="load")
        found = page.evaluate(
            """() => Array.from(document.querySelectorAll('figure.cdp-figure')).map(f => {
                const a = f.querySelector('a[download][type="text/csv"]');
                return a ? {href: a.href, text: a.textContent} : null;
            }).concat(Array.from(document.querySelectorAll('a[download][type="text/csv"]'))
                .map(a => ({href: a.href, text: a.textContent})))"""
        )
        for item in found:
            assert item is not None, f"{path.name}: a chart without a CSV link"
            assert item["href"].startswith("file://"), (path.name, item["href"][:60])
            target = Path(urlparse(item["href"]).path)
            assert target.is_file() and target.parent == pack / "data", (path.name, item)
            rows = len(target.read_text(encoding="utf-8").strip().split("\n")) - 1
            assert rows >= 1 and f"CSV, {rows} rows" in item["text"], (path.name, item)
            charts += 1
    assert charts >= 10
    page.close()
