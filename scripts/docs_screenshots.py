"""Regenerate the screenshots the docs show (docs/images/*.png) from a built pack.

Usage (from the repository root, after ``make setup``)::

    .venv/bin/cdp-analysis run --area E06000044 --quarter 2025-26Q4 --out /tmp/docs-pack
    .venv/bin/python scripts/docs_screenshots.py /tmp/docs-pack/E06000044/2025-26Q4

Same approach as the project's pack review tool: Debian's /usr/bin/chromium, headless, through
Playwright; every request that would leave the machine is blocked. Each shot is the top of a
page at a fixed viewport, so the files change only when the pages do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: (page, file in docs/images, viewport width, height of the shot)
SHOTS = [
    ("index.html", "pack-index.png", 1280, 1100),
    ("00_overview.html", "pack-overview.png", 1280, 1400),
    ("02_drug_related_deaths.html", "pack-deaths.png", 1280, 1600),
    ("index.html", "pack-index-phone.png", 390, 1400),
]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]  # fmt: skip
OUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "pack", type=Path, help="a pack folder, e.g. /tmp/docs-pack/E06000044/2025-26Q4"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (docs/images)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    pack = args.pack.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_name, file_name, width, height in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
            )
            page.goto((pack / page_name).as_uri(), wait_until="load")
            page.screenshot(path=str(args.out / file_name))
            print(f"{page_name} at {width} px -> {args.out / file_name}")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
