"""A warm kernel's tenth notebook runs as its first did.

The runner reuses one kernel per worker for many notebooks (report/kernel.py) and restores the
interpreter state before each (report/kernel_state.py). If that restored state differs from
the state a kernel's first notebook ran in, a pack's bytes depend on which worker ran which
page. This happened: pyplot loads the inline backend lazily, at the first figure, and that
turns interactive mode on; the state saved before it had interactive mode off, so only a
kernel's first notebook showed the figure the fixture leaves open (``01_trend``, last cell).
"""

from __future__ import annotations

import pytest
from test_runner import FIXTURES, QUARTER, cli_run, make_data

pytestmark = pytest.mark.slow


def test_a_notebook_gives_the_same_page_first_or_later_in_a_kernel(tmp_path):
    data = make_data(tmp_path / "data")
    pages = {}
    for name, areas in {"alone": ["E06000045"], "second": ["E06000044", "E06000045"]}.items():
        out = tmp_path / name
        code, _, err = cli_run(
            "run", "--area", *areas, "--quarter", QUARTER, "--notebooks", str(FIXTURES),
            "--data", str(data), "--out", str(out), "--jobs", "1",
        )  # fmt: skip
        assert code == 0, err
        pages[name] = {p.name: p.read_bytes() for p in (out / "E06000045" / QUARTER).glob("*.html")}
    assert pages["alone"].keys() == pages["second"].keys() and len(pages["alone"]) >= 4
    for page, first in pages["alone"].items():
        assert first == pages["second"][page], f"{page} differs when it is not the kernel's first"
    # The figure the fixture leaves open is shown (as a fresh Jupyter kernel shows it) either way.
    assert b"Figure size" in pages["second"]["01_trend.html"]
