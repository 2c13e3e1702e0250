"""What each process of a run imports (issue 16: import less). Each check runs in a fresh
Python, so what an earlier test imported does not count; each names the module that must stay
out, and why it matters: every process of a run pays for what it imports, in time and memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def _loaded(code: str, names: list[str]) -> dict[str, bool]:
    """Run ``code`` in a fresh Python; which of ``names`` it left in ``sys.modules``."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps({{n: n in sys.modules for n in {names!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_runner_resolves_the_quarter_without_the_report_modules():
    # The runner's own process checks the inputs and names the quarter; the report modules
    # (assessment, statsmodels, matplotlib) belong in the kernels, not here too. (scipy may
    # be loaded: building the indicator table from scratch uses cdp_analysis.stats.)
    loaded = _loaded(
        "from cdp_analysis.report.runner import resolve_quarter\n"
        f"assert resolve_quarter('latest', {str(DATA)!r}).label\n",
        ["cdp_analysis.pages.report_data", "cdp_analysis.assessment", "statsmodels", "matplotlib"],
    )
    assert not any(loaded.values()), loaded


def test_a_worker_does_not_import_pyarrow_for_papermill():
    # papermill imports pyarrow.fs (with pyarrow and numpy) for HDFS paths; a worker only
    # parameterises notebooks, so it is kept out (about 40 MB and 0.2 s per worker).
    loaded = _loaded(
        "from cdp_analysis.report import worker\n"
        "worker.skip_optional_imports()\n"
        "import papermill.parameterize, nbclient\n"
        "from cdp_analysis.report.notebook_html import BodyRenderer\n"
        "BodyRenderer().warm_up()\n",
        ["pyarrow", "numpy", "pandas"],
    )
    assert not any(loaded.values()), loaded


def test_the_report_kernel_does_not_import_all_of_statsmodels():
    # The trend tests need statsmodels' GLM only; statsmodels.api (time series, graphics...)
    # would add 0.5 s and 27 MB to every kernel.
    loaded = _loaded(
        "from cdp_analysis.report.kernel_state import PRELOAD\n"
        "import importlib\n"
        "for n in PRELOAD: importlib.import_module(n)\n",
        ["statsmodels.api", "statsmodels.tsa.api", "statsmodels.genmod.api"],
    )
    assert loaded == {
        "statsmodels.api": False,
        "statsmodels.tsa.api": False,
        "statsmodels.genmod.api": True,
    }, loaded
