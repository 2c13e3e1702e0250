"""The runner's worker processes: spawned (the same on every OS), each with one warm kernel
(:mod:`.worker`); tasks go out on one queue, start/done messages come back on another, and
a task whose worker died is reported as a failed notebook (:func:`lost_result`)."""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from pathlib import Path

from ..errors import ReportError


class Pool:
    """Worker processes (spawned, so the same on every OS), each with one warm kernel."""

    def __init__(self, n_workers: int, cwd: Path) -> None:
        from . import worker

        ctx = mp.get_context("spawn")
        self.task_q, self.result_q = ctx.Queue(), ctx.Queue()
        self.procs = {
            wid: ctx.Process(
                target=worker.main,
                args=(wid, self.task_q, self.result_q, str(cwd)),
                name=f"cdp-report-worker-{wid}",
                daemon=True,
            )
            for wid in range(n_workers)
        }
        for p in self.procs.values():
            p.start()
        self._fed = False

    def run(self, tasks: list[dict], on_start, on_result) -> None:
        """Hand out ``tasks`` and call back as they start and finish; a task whose worker
        died is reported failed."""
        self._fed = True
        items = bundles(tasks, len(self.procs))
        for item in items:
            self.task_q.put(item)
        for _ in self.procs:
            self.task_q.put(None)
        by_id = {t["id"]: t for t in tasks}
        bundle_of = {
            t["id"]: [u["id"] for u in item]
            for item in items
            if isinstance(item, list)
            for t in item
        }
        remaining = set(by_id)
        running: dict[int, int] = {}
        gone: set[int] = set()
        fatal: list[str] = []

        def lost(task_id: int, why: str) -> None:
            # the notebook running, and the rest of its area's bundle: no other worker has it
            for tid in bundle_of.get(task_id, [task_id]):
                if tid in remaining and tid >= task_id:
                    remaining.discard(tid)
                    on_result(lost_result(by_id[tid], why))

        while remaining:
            try:
                msg = self.result_q.get(timeout=0.5)
            except queue.Empty:
                for wid, p in self.procs.items():
                    if wid not in gone and not p.is_alive():
                        gone.add(wid)
                        if wid in running:
                            lost(
                                running.pop(wid),
                                "the process running this notebook stopped unexpectedly "
                                f"(exit code {p.exitcode}), for example out of memory",
                            )
                if len(gone) == len(self.procs) and remaining:
                    if fatal and len(remaining) == len(tasks):
                        raise ReportError(
                            "Could not start a Python kernel to run the notebooks: "
                            f"{fatal[0]}. Check that ipykernel is installed in this environment."
                        ) from None
                    for tid in sorted(remaining):
                        lost(tid, "no worker process was left to run this notebook")
                continue
            kind, wid = msg[0], msg[1]
            if kind == "start":
                running[wid] = msg[2]
                on_start(by_id[msg[2]])
            elif kind == "done":
                running.pop(wid, None)
                if msg[2]["id"] in remaining:
                    remaining.discard(msg[2]["id"])
                    on_result(msg[2])
            elif kind == "fatal":
                fatal.append(msg[2])

    def stop(self, now: bool = False) -> None:
        """Let the workers finish and exit (``now``: end them at once; each kills its
        kernel first)."""
        if not self._fed and not now:
            for _ in self.procs:  # workers that never got tasks wait for a stop sign
                self.task_q.put(None)
        for p in self.procs.values():
            if now and p.is_alive():
                p.terminate()
        deadline = time.monotonic() + 10
        for p in self.procs.values():
            p.join(timeout=max(0.1, deadline - time.monotonic()))
        for p in self.procs.values():
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
        for q in (self.task_q, self.result_q):
            q.cancel_join_thread()  # unread tasks must not keep this process from exiting
            q.close()


def bundles(tasks: list[dict], n_workers: int) -> list:
    """Queue items for ``tasks`` (area by area, in order): while more areas are left than
    workers, each area's notebooks go as one list to one worker, whose kernel then assesses
    the area once for all its pages (:func:`cdp_analysis.pages.report_data.load_report`
    keeps it); the last ``n_workers`` areas go notebook by notebook, so that no core idles
    at the end. With one area (or fewer areas than workers) every notebook is its own item."""
    areas: dict[str, list[dict]] = {}
    for t in tasks:
        areas.setdefault(t["area_code"], []).append(t)
    groups = list(areas.values())
    split = max(0, len(groups) - n_workers) if n_workers > 1 else len(groups)
    return groups[:split] + [t for g in groups[split:] for t in g]


def lost_result(task: dict, why: str) -> dict:
    from .worker import failed_result

    return failed_result(task, f"The notebook could not be run: {why}.", "WorkerLost", why)
