"""The notebooks in a real JupyterLab, as an analyst runs them: start JupyterLab on loopback
in this environment, open each notebook (the five report notebooks and explore.ipynb) in
headless Chromium, run all cells, wait until the kernel is idle and every code cell has an
execution count, and find no error output.

JupyterLab serves a temporary folder holding a copy of notebooks/ and of the data folder
(its autosave must not write outputs into the repository; the indicator-table cache and
explore.ipynb's exports go there too through $CDP_CACHE_DIR and $CDP_OUTPUT_DIR). Its
config, data, settings, runtime and workspace folders are in the same temporary place, so
a user's own JupyterLab settings or kernels play no part. The package is imported by the
kernel from this environment (JupyterLab's own ``python3`` kernel is this interpreter).

"Run All Cells" is JupyterLab's ``notebook:run-all-cells`` command, called through the
application object the page exposes (``--LabApp.expose_app_in_browser``): clicking the menu
by its text is fragile (the "Run" text matches other elements), and a keyboard shortcut
depends on focus. Which cells ran, and their outputs, are read from the notebook model;
error and stderr outputs (warnings included) are also looked for in the rendered page,
where JupyterLab shows both as ``application/vnd.jupyter.stderr``.

Each notebook's page is screenshotted when its run ends (or fails), beside the server's log
in the temporary folder named in a failure's message.

Skipped only when /usr/bin/chromium, Playwright or jupyter-lab is missing. About a minute
per notebook on a quiet machine (the first builds the indicator-table cache).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CHROMIUM = Path("/usr/bin/chromium")
JUPYTER_LAB = Path(sys.executable).parent / "jupyter-lab"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
RUN_TIMEOUT = 600  # seconds for one notebook (the first builds the indicator table cache)
OPEN_TIMEOUT = 120  # seconds for JupyterLab to open a notebook and start its kernel

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.skipif(
        not JUPYTER_LAB.is_file(), reason=f"jupyter-lab is not installed beside {sys.executable}"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_copy(base: Path) -> Path:
    """Copy notebooks/ and data/ (without its cache) into ``base``; return the served root."""
    root = base / "project"
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("cache"))
    # No cell windowing (every cell in the page) and no "Jupyter news?" prompt.
    settings = base / "settings" / "@jupyterlab"
    for extension, file, value in [
        ("notebook-extension", "tracker", {"windowingMode": "none"}),
        ("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
    ]:
        (settings / extension).mkdir(parents=True, exist_ok=True)
        (settings / extension / f"{file}.jupyterlab-settings").write_text(json.dumps(value))
    return root


def lab_environment(base: Path, root: Path) -> dict[str, str]:
    """The server's (and so its kernels') environment: everything in ``base``."""
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "CDP_DATA_DIR": str(root / "data"),
        "CDP_CACHE_DIR": str(base / "cache"),
        "CDP_OUTPUT_DIR": str(base / "outputs"),
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, served root, temporary base) of a JupyterLab on 127.0.0.1, stopped after."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = serve_copy(base)
    port = _free_port()
    log_path = base / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [str(JUPYTER_LAB), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=", "--ServerApp.password=",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        stdout=log, stderr=subprocess.STDOUT, env=lab_environment(base, root),
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", root, base
    finally:
        server.terminate()  # its own process, started above, and nothing else
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# The notebook panel of PATH in JupyterLab's main area (never another notebook a restored
# workspace reopened), made the current widget so that commands act on it.
PANEL = """const panel = path => {
    const app = window.jupyterapp;
    const w = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === path);
    if (w && app.shell.currentWidget !== w) app.shell.activateById(w.id);
    return w;
};"""
# Whether the file is open and its kernel connected, and any dialog in the way (a kernel
# choice JupyterLab asks for when the notebook's kernelspec is missing, say).
OPENED = """path => {
    /* PANEL */
    const w = panel(path);
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return {
        ready: Boolean(w && w.context.isReady && w.sessionContext.isReady && kernel
                       && kernel.connectionStatus === 'connected' && kernel.status === 'idle'),
        dialogs: Array.from(document.querySelectorAll('.jp-Dialog')).map(d => d.innerText.slice(0, 300)),
    };
}""".replace("/* PANEL */", PANEL)
# Start "Run All Cells" on the current notebook (PATH); the command's promise settles when
# the last cell has run or one failed.
RUN_ALL = """path => {
    if (window.jupyterapp.shell.currentWidget.context.path !== path) return false;
    window.__cdpRunAll = null;
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => { window.__cdpRunAll = ok ? 'ok' : 'stopped'; },
        err => { window.__cdpRunAll = 'failed: ' + err; });
    return true;
}"""
STATE = """path => {
    /* PANEL */
    const w = panel(path);
    const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
    const code = w.content.widgets.filter(c => c.model.type === 'code');
    const outputs = c => Array.from({length: c.model.outputs.length}, (_, i) => c.model.outputs.get(i).toJSON());
    return {
        run_all: window.__cdpRunAll,
        kernel: kernel ? kernel.status : 'no kernel',
        kernel_name: kernel ? kernel.name : null,
        counts: code.map(c => c.model.executionCount),
        errors: code.flatMap((c, i) => outputs(c).filter(o => o.output_type === 'error')
            .map(o => `code cell ${i + 1}: ${o.ename}: ${o.evalue}`)),
        stderr: code.flatMap((c, i) => outputs(c).filter(o => o.output_type === 'stream' && o.name === 'stderr')
            .map(o => `code cell ${i + 1}: ${String(o.text).slice(0, 300)}`)),
        shown_red: w.node.querySelectorAll(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").length,
        dialogs: Array.from(document.querySelectorAll('.jp-Dialog')).map(d => d.innerText.slice(0, 300)),
    };
}""".replace("/* PANEL */", PANEL)


def run_in_lab(browser, url: str, name: str, shot: Path) -> dict:
    """Open ``name`` in JupyterLab, run all its cells, and return the notebook's final state
    (a screenshot of the page as it was then in ``shot``)."""
    outside = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on(
        "request",
        lambda r: (
            r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            or outside.append(r.url)
        ),
    )
    try:
        path = f"notebooks/{name}"
        page.goto(f"{url}/lab/tree/{path}?reset")  # ?reset: a clean workspace, one notebook
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=OPEN_TIMEOUT * 1000)
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=OPEN_TIMEOUT * 1000)
        deadline = time.monotonic() + OPEN_TIMEOUT
        while not (opened := page.evaluate(OPENED, path))["ready"]:
            assert not opened["dialogs"], f"{name}: a dialog blocked it: {opened['dialogs']}"
            assert time.monotonic() < deadline, f"{name}: kernel not ready after {OPEN_TIMEOUT} s"
            time.sleep(0.5)
        assert page.evaluate(RUN_ALL, path), f"{name} is not JupyterLab's current notebook"
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            state = page.evaluate(STATE, path)
            if state["run_all"] is not None and state["kernel"] == "idle" or state["dialogs"]:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{name}: not finished after {RUN_TIMEOUT} s: {state}")
            time.sleep(1)
        state["outside"] = outside
        return state
    finally:
        page.screenshot(path=str(shot))
        page.close()


def stop_kernels(url: str) -> None:
    """Shut down every kernel of the test's server (one notebook's kernel at a time)."""
    with urllib.request.urlopen(f"{url}/api/kernels", timeout=30) as r:
        kernels = json.load(r)
    for k in kernels:
        req = urllib.request.Request(f"{url}/api/kernels/{k['id']}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab_without_errors(lab, browser, name):
    url, root, base = lab
    try:
        state = run_in_lab(browser, url, name, base / f"{name}.png")
    finally:
        stop_kernels(url)
    state["screenshot"] = str(base / f"{name}.png")
    assert state["dialogs"] == [], f"{name}: a dialog blocked the run: {state['dialogs']}"
    assert state["kernel_name"] == "python3", state
    assert state["errors"] == [], f"{name}: error output: {state['errors']}"
    assert state["stderr"] == [], f"{name}: output on stderr: {state['stderr']}"
    assert state["shown_red"] == 0, f"{name}: error or stderr boxes in the page: {state}"
    assert state["run_all"] == "ok", state
    n_code = sum(
        c["cell_type"] == "code"
        for c in json.loads((REPO / "notebooks" / name).read_text())["cells"]
    )
    assert len(state["counts"]) == n_code, state
    assert all(isinstance(n, int) for n in state["counts"]), f"{name}: cells not run: {state}"
    assert state["outside"] == [], f"requests that left the machine: {state['outside']}"
    if name == "explore.ipynb":
        assert (base / "outputs" / "explore" / "alcohol_completions_comparison.xlsx").is_file()


def test_every_notebook_is_tested():
    names = [p.name for p in NOTEBOOKS]
    assert "explore.ipynb" in names and len(names) >= 6, names
