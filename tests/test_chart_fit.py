"""Every chart of three areas' packs fits its figure: no title, label, tick label, legend
entry, note or stamp is drawn (even partly) outside the figure, where the PNG would cut it.

The report notebooks' code cells are run in this process for each area (the same calls the
packs make), with :func:`cdp_analysis.pages.display.show_figure` replaced by a collector, and
every collected chart is drawn and measured by :func:`cdp_analysis.figures.figure.texts_outside`.
The areas are those the issue was found in: a unitary authority with local measures
(Portsmouth), a county (Hampshire) and a London borough (Westminster).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from cdp_analysis.figures.figure import texts_outside
from cdp_analysis.pages import display

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
AREAS = {"E06000044": "Portsmouth", "E10000014": "Hampshire", "E09000033": "Westminster"}
QUARTER = "2025-26Q4"

pytestmark = pytest.mark.slow


def _charts(area_code: str, monkeypatch) -> list[tuple[str, object]]:
    shown: list[tuple[str, object]] = []
    current = [""]
    monkeypatch.setattr(
        display, "show_figure", lambda figure, **kw: shown.append((current[0], figure))
    )
    for path in NOTEBOOKS:
        current[0] = path.stem
        nb = json.loads(path.read_text(encoding="utf-8"))
        ns: dict = {}
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            exec("".join(cell["source"]), ns)  # the project's own notebooks
            if "parameters" in cell["metadata"].get("tags", []):
                ns.update(area_code=area_code, quarter=QUARTER)
    return shown


@pytest.mark.parametrize("area_code", list(AREAS))
def test_no_chart_text_leaves_its_figure(area_code, monkeypatch):
    with contextlib.redirect_stdout(io.StringIO()):
        charts = _charts(area_code, monkeypatch)
    assert len(charts) >= 10, f"only {len(charts)} charts collected for {AREAS[area_code]}"
    clipped = {}
    for page, figure in charts:
        outside = texts_outside(figure)
        if outside:
            clipped[f"{page}: {figure.title}"] = outside
    assert not clipped, clipped
