"""The report notebooks as committed: clean, parameterised, thin, and papermill-ready.

(Executing them is tested by nbval — ``pytest --nbval-lax notebooks/``, part of ``make test``
through the pytest configuration — and end to end by tests/test_report_e2e.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from cdp_analysis.report.runner import find_notebooks

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
#: The report notebooks (pack pages); explore.ipynb is for analysts and not one of them.
NOTEBOOKS = [p for p, _ in find_notebooks(FOLDER)]
EXPLORE = FOLDER / "explore.ipynb"
EXPECTED = [
    "00_overview",
    "01_treatment_completions",
    "02_drug_related_deaths",
    "03_young_people",
    "04_supply_and_crime",
]
PARAMETERS = {"area_code", "quarter", "data_dir", "targets_file", "comparators"}


def test_the_five_report_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


def test_explore_notebook_is_not_a_pack_page_and_is_committed_clean():
    """explore.ipynb sits beside the report notebooks (nbval runs it with them) but the
    runner leaves it out, by its metadata; it is committed without outputs, keeps its
    kernelspec and says the bundled completions are synthetic demo data."""
    assert sorted(p.name for p in FOLDER.glob("*.ipynb")) == sorted(
        [f"{n}.ipynb" for n in EXPECTED] + ["explore.ipynb"]
    )
    nb = nbformat.read(EXPLORE, as_version=4)
    assert nb.metadata["cdp_analysis"] == {"report": False}
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert "**synthetic demo data**" in nb.cells[0].source
    assert "not part of the report pack" in nb.cells[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_clean_with_kernelspec_and_parameters_tag(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_has_working_defaults_only(path):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}
    assert names == PARAMETERS
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
    }
    assert values["area_code"] == "E06000044" and values["quarter"] == "latest"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_thin(path):
    """Logic lives in cdp_analysis: no function or class definitions, no pandas or matplotlib
    work, no plt.show (which would give an image without alt text), short cells."""
    nb = nbformat.read(path, as_version=4)
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        tree = ast.parse(cell.source)
        assert not any(
            isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda) for n in ast.walk(tree)
        )
        assert "plt." not in cell.source and "import pandas" not in cell.source
        assert len(cell.source.splitlines()) <= 10


def test_pre_commit_nbstripout_keeps_what_papermill_needs(tmp_path):
    """Run nbstripout with the arguments of .pre-commit-config.yaml on copies of the
    notebooks with outputs: outputs go; the kernelspec, the `parameters` tag and cell ids
    stay (common nbstripout settings strip them, and papermill then refuses to run)."""
    import shutil
    import subprocess
    import sys

    import yaml

    exe = shutil.which("nbstripout") or str(Path(sys.executable).parent / "nbstripout")
    if not Path(exe).exists():
        pytest.skip("nbstripout not installed (pip install -e '.[dev]')")
    config = yaml.safe_load((NOTEBOOKS[0].parent.parent / ".pre-commit-config.yaml").read_text())
    hook = next(h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "nbstripout")
    for src in NOTEBOOKS:
        nb = nbformat.read(src, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.v4.new_output("stream", text="out\n")]
                cell.execution_count = 1
        dest = tmp_path / src.name
        nbformat.write(nb, dest)
        subprocess.run([exe, *hook.get("args", []), str(dest)], check=True)
        stripped = nbformat.read(dest, as_version=4)
        assert stripped.metadata["kernelspec"]["name"] == "python3"
        assert "parameters" in stripped.cells[0].metadata.get("tags", [])
        assert [c.id for c in stripped.cells] == [c.id for c in nb.cells]
        assert all(not c.get("outputs") for c in stripped.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_reads_every_parameter(path):
    """papermill must parse each parameter line (a comment holding quotes or '=' defeats
    it, and it then warns "Passed unknown parameter" on every run)."""
    import papermill

    assert set(papermill.inspect_notebook(str(path))) == PARAMETERS
