"""A worker process: one warm kernel, then notebook after notebook from the task queue.

For each task (one notebook for one area) the worker runs the notebook
(:mod:`.execute`), saves the executed notebook and writes its HTML page into the area's build
folder (with a CSV file beside each chart and table, :mod:`.downloads`), and sends back a
small result (status, plain-words failure, summary HTML, the CSV files, timings).
Messages to the runner: ``("ready", wid)``, ``("start", wid, task_id)``,
``("done", wid, result)`` and ``("fatal", wid, message)`` when no kernel can be started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

#: Optional modules a worker must not import. jsonschema (imported by nbformat) builds a
#: parser for IRI format checks at import if ``rfc3987_syntax`` is installed: about 1.5 s
#: per process, for a check the notebook schema never uses. papermill imports
#: ``pyarrow.fs`` (and with it pyarrow and numpy) for HDFS paths, which a worker never
#: reads: 0.2 s and about 40 MB per worker.
SKIPPED_IMPORTS = ("rfc3987_syntax", "pyarrow.fs")


def skip_optional_imports() -> None:
    """Keep :data:`SKIPPED_IMPORTS` out of this process (``import name`` then raises
    ImportError, which their importers handle)."""
    for name in SKIPPED_IMPORTS:
        sys.modules.setdefault(name, None)


_kernel = None  # this worker's WarmKernel, for the SIGTERM handler


def main(wid: int, tasks, results, cwd: str) -> None:
    """Process entry point (spawned by the runner).

    Signals: the runner alone handles Ctrl-C (SIGINT is ignored here) and stops workers with
    SIGTERM, which ends this process at once after killing its kernel. The event loop runs
    in a second thread so that nbclient does not install its own SIGINT/SIGTERM handlers
    (which would shut the kernel down and carry on with the next notebook).
    """
    skip_optional_imports()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    thread = threading.Thread(
        target=asyncio.run, args=(_serve(wid, tasks, results, Path(cwd)),), daemon=True
    )
    thread.start()
    while thread.is_alive():
        thread.join(timeout=0.5)  # wakes up so the SIGTERM handler can run


def _on_sigterm(signum, frame) -> None:
    kernel = _kernel
    if kernel is not None and kernel.km is not None:
        with contextlib.suppress(Exception):
            kernel.km.provisioner.process.kill()
        with contextlib.suppress(Exception):
            kernel.km.cleanup_connection_file()
    if kernel is not None:
        kernel.remove_private_dir()
    os._exit(128 + signum)


def _next_task(tasks):
    try:
        return tasks.get()
    except (EOFError, OSError):  # the runner has gone
        return None


async def _serve(wid: int, tasks, results, cwd: Path) -> None:
    global _kernel
    from .kernel import WarmKernel

    kernel = _kernel = WarmKernel(cwd)
    try:
        await kernel.start()
        # Heavy imports here run while the kernel imports its own libraries.
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        import papermill.parameterize  # noqa: F401

        from .notebook_html import BodyRenderer

        renderer = BodyRenderer()
        renderer.warm_up()  # compile the templates while the kernel is still importing
        await kernel.ready()
    except Exception as exc:  # reported to the runner, which stops the run
        results.put(("fatal", wid, f"{type(exc).__name__}: {exc}"))
        await kernel.shutdown()
        kernel.remove_private_dir()
        return
    results.put(("ready", wid))
    loop = asyncio.get_running_loop()
    try:
        while True:
            item = await loop.run_in_executor(None, _next_task, tasks)
            if item is None:
                break
            # An item is one task, or a list: all of one area's notebooks (see Pool.run).
            for task in item if isinstance(item, list) else [item]:
                results.put(("start", wid, task["id"]))
                result = await _run_safely(kernel, renderer, task)
                result["worker"] = wid
                results.put(("done", wid, result))
    finally:
        await kernel.shutdown()
        kernel.remove_private_dir()


async def _run_safely(kernel, renderer, task: dict) -> dict:
    """:func:`run_task`, with a failure turned into a failed result in plain words."""
    try:
        return await run_task(kernel, renderer, task)
    except OSError as exc:  # e.g. a full disk: plain words, no traceback
        result = _internal_failure(task, exc)
        result.pop("internal", None)
        result["message"] = (
            f"The page could not be written: {exc.filename or task['build_dir']}: "
            f"{exc.strerror or exc}."
        )
        return result
    except Exception as exc:  # a bug or unreadable notebook: report it
        return _internal_failure(task, exc)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _internal_failure(task: dict, exc: Exception) -> dict:
    from .pages import render_page

    message = f"The notebook could not be run ({type(exc).__name__}: {exc})."
    page = next(p for p in task["pack"].pages if p.name == task["name"])
    try:
        _write(
            Path(task["build_dir"]) / page.href, render_page(task["pack"], page, failure=message)
        )
    except Exception:  # the runner writes a page if this one is missing
        pass
    result = failed_result(task, message, type(exc).__name__, str(exc))
    result["internal"] = traceback.format_exc()
    return result


def failed_result(task: dict, message: str, ename: str, evalue: str) -> dict:
    """The result of a notebook that could not be run at all (no cell ran)."""
    return {
        "id": task["id"],
        "area_code": task["area_code"],
        "name": task["name"],
        "status": "failed",
        "message": message,
        "error": {"cell": None, "ename": ename, "evalue": evalue},
        "summary": "",
        "synthetic": False,
        "seconds": {"execute": 0.0, "cells": 0.0, "render": 0.0},
    }


async def run_task(kernel, renderer, task: dict) -> dict:
    """Run one notebook for one area and write its page; return the result for the runner."""
    import nbformat

    from .downloads import write_page_csvs
    from .execute import run_notebook
    from .notebook_html import clean_for_html, for_pack, shows_synthetic, summary_html
    from .pages import find_defects, render_page

    source = Path(task["source"])
    build = Path(task["build_dir"])
    pack = task["pack"]
    page = next(p for p in pack.pages if p.name == task["name"])

    outcome = await run_notebook(kernel, source, task["parameters"])
    (build / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(for_pack(outcome.nb), build / "notebooks" / f"{task['name']}.ipynb")

    t0 = time.perf_counter()
    message, defects, summary, synthetic, downloads = outcome.message, [], "", False, []
    if message is None:
        clean = clean_for_html(outcome.nb, outcome.numbers)
        synthetic = shows_synthetic(clean)
        html = render_page(
            pack, page, body=renderer.render(clean, source.parent), synthetic=synthetic
        )
        defects = find_defects(html)
        if defects:
            shown = "; ".join(d.describe() for d in defects[:3])
            more = f" (and {len(defects) - 3} more)" if len(defects) > 3 else ""
            message = f"The page failed its checks: {shown}{more}."
        else:
            summary = summary_html(outcome.nb)
            html, downloads = write_page_csvs(html, page.name, build)
    if message is not None:
        html = render_page(pack, page, failure=message)
    _write(build / page.href, html)
    return {
        "id": task["id"],
        "area_code": task["area_code"],
        "name": task["name"],
        "status": "failed" if message else "ok",
        "message": message,
        "error": outcome.error,
        "defects": [{"cell": d.cell, "message": d.message} for d in defects],
        "summary": summary,
        "synthetic": synthetic,
        "downloads": downloads,
        "seconds": {
            "execute": round(outcome.seconds, 3),
            "cells": round(outcome.cell_seconds, 3),
            "render": round(time.perf_counter() - t0, 3),
        },
    }
