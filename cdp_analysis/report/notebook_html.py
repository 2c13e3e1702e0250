"""An executed notebook as readers see it: nbconvert's HTML of its text and outputs.

Before export the runner makes a clean copy of the notebook: the ``parameters`` and injected
parameter cells and cells tagged ``remove-cell`` go; error outputs (tracebacks) and ``stderr``
streams (warnings) go; cell ids become ``cell-<n>`` with ``n`` the cell's number in the source
notebook (so a defect found in the HTML can name its cell), metadata that leaks run details
(timings, papermill, widget state) is dropped, and the random ids pandas' Styler gives its
tables are renumbered. nbconvert then renders it with the ``cdp_body`` template
(``cdp_analysis/templates/nbconvert/``): no code, no prompts, no scripts.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from .pages import mentions_synthetic

NBCONVERT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "nbconvert"
TEMPLATE_NAME = "cdp_body"

#: A cell with this tag hands its HTML output to the pack's index page (see the package doc).
INDEX_SUMMARY_TAG = "index-summary"
#: ... as does any display output whose metadata has this key set true.
INDEX_SUMMARY_METADATA = "cdp-index-summary"

#: Cells with these tags never reach the HTML.
REMOVED_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})

_STYLER_TABLE = re.compile(r"<table id=\"T_([0-9a-f]{3,32})\"")


def normalise_styler_ids(html: str, counter: list[int]) -> str:
    """Replace the random ids pandas' Styler puts in its tables (``T_1a2b3``) by numbered ones
    (``T_cdp1``); ``counter`` carries the numbering across the outputs of one page."""
    for uid in dict.fromkeys(_STYLER_TABLE.findall(html)):
        counter[0] += 1
        html = re.sub(rf"\bT_{uid}(?=[_\"'\s.{{,:#>)])", f"T_cdp{counter[0]}", html)
    return html


def _visible_outputs(outputs: list) -> list:
    return [
        o
        for o in outputs
        if o.get("output_type") != "error"
        and not (o.get("output_type") == "stream" and o.get("name") == "stderr")
    ]


def for_pack(nb):
    """A copy of executed ``nb`` to keep in the pack: outputs readers do not see (``stderr``
    streams: warnings, log lines) are dropped, so the kept notebook holds the code and what
    the HTML shows. Error outputs are kept, so a failed notebook can be debugged."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return out


def clean_for_html(nb, numbers: list[int | None]):
    """A copy of executed ``nb`` fit for readers (see the module doc). ``numbers[i]`` is cell
    ``i``'s 1-based number in the source notebook, None for the injected parameters cell."""
    out = copy.deepcopy(nb)
    counter = [0]
    cells = []
    for cell, n in zip(out.cells, numbers, strict=True):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if n is None or tags & REMOVED_TAGS:
            continue
        cell["id"] = f"cell-{n}"
        meta = {k: v for k, v in cell.get("metadata", {}).items() if k in {"tags", "alt"}}
        cell["metadata"] = meta
        if cell.cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = _visible_outputs(cell.get("outputs", []))
            for o in cell["outputs"]:
                data = o.get("data", {})
                if "text/html" in data:
                    html = data["text/html"]
                    html = "".join(html) if isinstance(html, list) else html
                    data["text/html"] = normalise_styler_ids(html, counter)
                if o.get("output_type") == "execute_result":
                    o["execution_count"] = None
        cells.append(cell)
    out.cells = cells
    language = nb.metadata.get("language_info", {}).get("name", "python")
    out.metadata = {"language_info": {"name": language}}
    return out


def summary_html(nb) -> str:
    """The HTML a notebook hands to the index: every ``text/html`` output of cells tagged
    ``index-summary``, and of outputs whose metadata sets ``cdp-index-summary``."""
    parts, counter = [], [1000]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tagged = INDEX_SUMMARY_TAG in cell.get("metadata", {}).get("tags", [])
        for o in _visible_outputs(cell.get("outputs", [])):
            flagged = bool(o.get("metadata", {}).get(INDEX_SUMMARY_METADATA))
            html = o.get("data", {}).get("text/html")
            if html and (tagged or flagged):
                html = "".join(html) if isinstance(html, list) else html
                parts.append(normalise_styler_ids(html, counter))
    return "\n".join(parts)


def shows_synthetic(nb) -> bool:
    """Whether any output readers see mentions synthetic demo data."""
    for cell in nb.cells:
        for o in _visible_outputs(cell.get("outputs", []) if cell.cell_type == "code" else []):
            texts = [o.get("text", "")] + list(o.get("data", {}).values())
            for t in texts:
                t = "".join(t) if isinstance(t, list) else t
                if isinstance(t, str) and mentions_synthetic(t):
                    return True
    return False


def notebook_title(nb, fallback: str) -> str:
    """The first level-1 Markdown heading, else the file name made readable
    (``00_overview`` -> ``Overview``)."""
    for cell in nb["cells"]:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            for line in ("".join(source) if isinstance(source, list) else source).splitlines():
                m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
                if m:
                    return m.group(1).strip()
    words = re.sub(r"^[\d_\-\s]+", "", fallback).replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else fallback


class BodyRenderer:
    """nbconvert's HTML exporter configured once (templates load once per worker)."""

    def __init__(self) -> None:
        import logging

        from nbconvert import HTMLExporter

        # nbconvert logs a warning for every <img> without alt; the runner reports those itself.
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        self.exporter = HTMLExporter(
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            embed_images=True,
        )

    def warm_up(self) -> None:
        """Render a one-cell notebook once: nbconvert and Jinja compile their templates on
        first use (about half a second)."""
        import nbformat

        from .pages import PackInfo, PageRef, render_page

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Warm-up")])
        body = self.render(nb, Path.cwd())
        page = PageRef("warm-up", "Warm-up")
        render_page(PackInfo("E", "E", "Q", "Q", "Q", "0", (page,)), page, body=body)

    def render(self, clean_nb, notebook_dir: Path) -> str:
        """HTML fragment for a notebook already passed through :func:`clean_for_html`."""
        body, _ = self.exporter.from_notebook_node(
            clean_nb, resources={"metadata": {"path": str(notebook_dir), "name": "notebook"}}
        )
        return body.strip() + "\n"
