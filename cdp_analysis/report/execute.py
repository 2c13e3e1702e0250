"""Run one report notebook in a warm kernel: papermill's parameters, nbclient's execution.

papermill (``parameterize_notebook``) writes the injected-parameters cell exactly as
``papermill -p`` would, after the cell tagged ``parameters``; nbclient's ``NotebookClient``
executes the notebook against the worker's already-running kernel and client (``km`` passed
in and ``kc`` set, so nbclient neither starts nor shuts down a kernel: it owns neither).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .kernel import KERNEL_NAME, WarmKernel

#: A cell running longer than this is stopped and the notebook fails.
CELL_TIMEOUT = 600


@dataclass
class Outcome:
    """A notebook after execution (complete, or up to the cell that failed)."""

    nb: object
    numbers: list[int | None]
    error: dict | None = None
    seconds: float = 0.0
    cell_seconds: float = 0.0
    timings: dict = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        """The failure in plain words, without a traceback."""
        if self.error is None:
            return None
        where = f"Cell {self.error['cell']}" if self.error.get("cell") else "The parameters cell"
        evalue = " ".join(str(self.error.get("evalue", "")).split())
        if len(evalue) > 300:
            evalue = evalue[:297] + "..."
        what = self.error.get("ename", "Error")
        return f"{where} failed with {what}: {evalue}" if evalue else f"{where} failed with {what}"


def parameterise(source: Path, parameters: dict):
    """Read ``source`` and inject ``parameters``; also return each cell's 1-based number in
    the source notebook (None for the injected cell)."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(source, as_version=4)
    for i, cell in enumerate(nb.cells, start=1):
        cell.metadata["_cdp_number"] = i
        cell.metadata.setdefault("tags", [])  # papermill reads every cell's tags
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")
    numbers = [cell.metadata.pop("_cdp_number", None) for cell in nb.cells]
    for i, cell in enumerate(nb.cells):
        # papermill gives its new cell a random id: make it stable for the saved notebook.
        if numbers[i] is None:
            cell["id"] = "injected-parameters"
    return nb, numbers


def _seconds(cell) -> float:
    t = cell.get("metadata", {}).get("execution", {})
    start, end = t.get("iopub.execute_input"), t.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def _first_error(nb, numbers) -> dict | None:
    for cell, n in zip(nb.cells, numbers, strict=True):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return {"cell": n, "ename": out.get("ename"), "evalue": out.get("evalue")}
    return None


async def run_notebook(kernel: WarmKernel, source: Path, parameters: dict) -> Outcome:
    """Execute ``source`` with ``parameters`` in ``kernel``; a failing cell stops it and is
    recorded in the outcome (the kernel is replaced when it died or hung)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb, numbers = parameterise(source, parameters)
    start = time.perf_counter()
    await kernel.reset()
    client = NotebookClient(
        nb,
        km=kernel.km,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": str(source.parent)}},
    )
    client.kc = kernel.kc
    running = {"index": 0}

    def on_cell_start(cell, cell_index):
        running["index"] = cell_index

    client.on_cell_start = on_cell_start
    error = None
    try:
        await client.async_execute()
    except CellExecutionError as exc:
        error = _first_error(nb, numbers) or {
            "cell": numbers[running["index"]],
            "ename": getattr(exc, "ename", "Error"),
            "evalue": getattr(exc, "evalue", str(exc)),
        }
    except (CellTimeoutError, DeadKernelError, RuntimeError) as exc:
        error = {
            "cell": numbers[running["index"]],
            "ename": type(exc).__name__,
            "evalue": str(exc).splitlines()[0] if str(exc) else "",
        }
        await kernel.restart()
    elapsed = time.perf_counter() - start

    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
            for out in cell.get("outputs", []):
                if out.get("output_type") == "execute_result":
                    out["execution_count"] = count
    return Outcome(
        nb=nb,
        numbers=numbers,
        error=error,
        seconds=elapsed,
        cell_seconds=sum(_seconds(c) for c in nb.cells if c.cell_type == "code"),
    )
