"""The documentation site: it builds strictly, and what it says agrees with the code.

The site is plain MkDocs (``mkdocs.yml``, pages in ``docs/``). These tests build it with
``mkdocs build --strict`` (broken links, missing pages and bad anchors fail), and check that
the user guide covers every CLI subcommand and option, that the RAG table matches the
assessment's rules, that the data page lists every logged file, measure and tidy column,
and that the changelog's latest release is the package version.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
MKDOCS_YML = REPO / "mkdocs.yml"
USER_GUIDE = DOCS / "user-guide.md"
DATA_PAGE = DOCS / "data.md"


def _nav_pages(nav) -> list[str]:
    """Every page file named in a MkDocs ``nav`` (nested lists of {title: page})."""
    out: list[str] = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out.extend(_nav_pages(value) if isinstance(value, list) else [value])
    return out


def _config() -> dict:
    return yaml.safe_load(MKDOCS_YML.read_text(encoding="utf-8"))


def _mkdocs() -> str | None:
    """The mkdocs executable of this environment, else one on PATH."""
    here = Path(sys.executable).parent / ("mkdocs.exe" if sys.platform == "win32" else "mkdocs")
    return str(here) if here.is_file() else shutil.which("mkdocs")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    exe = _mkdocs()
    if exe is None:
        pytest.skip("the mkdocs executable is not installed (pip install -e '.[dev]')")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [exe, "build", "--strict", "--config-file", str(MKDOCS_YML), "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


# ------------------------------------------------------------------------------- the site


def test_site_builds_strictly_with_a_page_for_every_nav_entry(site):
    for page in _nav_pages(_config()["nav"]):
        assert (DOCS / page).is_file(), f"nav names {page}, which is not in docs/"
        built = site / Path(page).with_suffix(".html")  # use_directory_urls: false
        assert built.is_file(), f"{page} was not built to {built.name}"


def test_working_notes_are_not_published(site):
    """Anything under docs/dev/ (engineers' working notes) stays out of the site."""
    assert not (site / "dev").exists()


def test_pages_load_nothing_from_the_internet(site):
    # Packs are read offline; the docs follow the same rule (highlight.js from a CDN is off).
    remote = re.compile(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//', re.I)
    for page in site.rglob("*.html"):
        hit = remote.search(page.read_text(encoding="utf-8"))
        assert hit is None, f"{page.name} loads {hit.group(0)}"


def test_every_page_in_docs_is_in_the_nav():
    config = _config()
    in_nav = set(_nav_pages(config["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    published = {p for p in pages if not p.startswith("dev/")}
    assert published - in_nav == set(), "pages missing from the nav in mkdocs.yml"
    assert in_nav - pages == set(), "nav entries without a page"
    assert "dev/" in config["exclude_docs"]


# ------------------------------------------------------------------------- the user guide


def test_user_guide_mentions_every_cli_subcommand():
    from cdp_analysis.cli import _COMMANDS

    text = USER_GUIDE.read_text(encoding="utf-8")
    missing = [name for name in _COMMANDS if f"cdp-analysis {name}" not in text]
    assert not missing, f"the user guide does not mention: {missing}"
    assert set(_COMMANDS) >= {"run", "validate", "fetch", "demo-data", "verify"}


def test_user_guide_documents_every_option_of_every_subcommand():
    import argparse

    from cdp_analysis.cli import _parser

    text = USER_GUIDE.read_text(encoding="utf-8")
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, parser in sub.choices.items():
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help" and f"`{flag}" not in text:
                    missing.append(f"{name} {flag}")
    assert not missing, f"options not in the user guide: {missing}"


def test_user_guide_rag_table_follows_the_assessment_rules():
    from cdp_analysis.assessment.rag import RAG_OF_STATUS

    rows = {}
    for line in USER_GUIDE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (green|amber|red|grey) \| (.+) \|$", line)
        if m:
            rows[m.group(1)] = m.group(2).lower()
    assert set(rows) == {"green", "amber", "red", "grey"}
    for status, colour in RAG_OF_STATUS.items():
        assert status in rows[colour], f"'{status}' ({colour}) is not in the {colour} row"


def test_user_guide_states_the_suppression_threshold():
    disclosure = pytest.importorskip("cdp_analysis.disclosure")
    text = USER_GUIDE.read_text(encoding="utf-8")
    assert f"**Threshold {disclosure.THRESHOLD}.**" in text
    assert disclosure.NOTE in text  # the note readers see


# ------------------------------------------------------------------------------ data page


def _logged_files() -> list[str]:
    """First `path` of every row of the data log table in data/README.md."""
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Data log", 1)[1].split("\n## ", 1)[0]
    files = []
    for line in section.splitlines():
        m = re.match(r"\| `([^`]+)`", line)
        if m:
            files.append(m.group(1))
    return files


def test_data_page_lists_every_file_of_the_data_log():
    files = _logged_files()
    assert "ons/2021localauthorities.xlsx" in files and len(files) >= 8
    page = DATA_PAGE.read_text(encoding="utf-8")
    missing = [f for f in files if f"`{f}`" not in page]
    assert not missing, f"docs/data.md does not list {missing} (see data/README.md)"


def test_data_page_and_data_log_give_the_same_ons_fingerprint():
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    sha = re.search(r"sha256 `([0-9a-f]{8})…([0-9a-f]{4})`", readme)
    assert sha, "data/README.md no longer gives the ONS workbook's sha256"
    assert f"sha256 `{sha.group(1)}…{sha.group(2)}`" in DATA_PAGE.read_text(encoding="utf-8")


def test_data_page_lists_every_measure_of_the_catalogue():
    from cdp_analysis.plan.catalogue import load_indicators

    page = DATA_PAGE.read_text(encoding="utf-8")
    catalogue = load_indicators(REPO / "data" / "indicators.yaml")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", page, re.M)}
    for measure in catalogue:
        assert measure.id in rows, f"docs/data.md has no row for {measure.id}"
        cells = [c.strip().strip("`") for c in rows[measure.id].strip("|").split("|")]
        assert cells[1] == measure.source, measure.id
        assert cells[3:6] == [measure.unit, measure.method, measure.frequency], measure.id


def test_data_page_describes_every_tidy_column():
    from cdp_analysis.tidy import COLUMNS

    page = DATA_PAGE.read_text(encoding="utf-8")
    missing = [c for c in COLUMNS if f"`{c}`" not in page]
    assert not missing, f"docs/data.md does not describe {missing}"


# ------------------------------------------------------------------------------ changelog


def test_changelog_top_release_is_the_package_version():
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert releases, "CHANGELOG.md has no '## [X.Y.Z] - YYYY-MM-DD' release heading"
    assert releases[0][0] == version, (
        f"CHANGELOG.md's latest release is {releases[0][0]}, pyproject.toml says {version}"
    )
    assert "## [Unreleased]" in changelog  # Keep a Changelog: a place for the next changes
