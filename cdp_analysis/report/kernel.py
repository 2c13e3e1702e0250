"""A warm IPython kernel that runs many notebooks, one after another.

Starting a kernel (about 0.7 s) and importing pandas, seaborn and statsmodels in it (about
1.3 s) cost more than most report notebooks take to run, so each worker starts one kernel,
imports the heavy libraries in it once (:mod:`.kernel_state`), and before every notebook
empties it (``%reset -f`` and :func:`.kernel_state.reset`). A kernel that dies, hangs past a
cell timeout, or has run :data:`MAX_NOTEBOOKS_PER_KERNEL` notebooks is replaced.

The kernel's connection file holds the key that signs every message to the kernel (whoever
has it can run code in it). It is written to a private temporary folder of this process
(``cdp-analysis-kernels-<pid>-*``, readable by the user only) instead of Jupyter's shared
runtime folder, and the folder is removed when the kernel shuts down. Folders left by a
process that was killed outright (``kill -9``) are removed by the next run
(:func:`remove_stale_dirs`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

KERNEL_NAME = "python3"
STARTUP_TIMEOUT = 120.0
#: Seconds the reset between notebooks may take before the kernel is replaced.
RESET_TIMEOUT = 60.0
#: A fresh kernel after this many notebooks bounds memory growth in long runs.
MAX_NOTEBOOKS_PER_KERNEL = 250

_PREPARE = (
    "import cdp_analysis.report.kernel_state as _cdp_kernel_state\n"
    "_cdp_kernel_state.prepare({cwd!r})\n"
    "del _cdp_kernel_state\n"
)
_RESET = (
    'get_ipython().run_line_magic("reset", "-f")\n'
    '__import__("cdp_analysis.report.kernel_state", fromlist=["reset"]).reset()\n'
)


#: Name prefix of the private folders holding kernel connection files.
PRIVATE_PREFIX = "cdp-analysis-kernels-"


def remove_stale_dirs(tmp: str | Path | None = None) -> list[Path]:
    """Delete the connection-file folders of processes that are no longer running (left by
    killed runs); returns the folders removed."""
    from .publish import pid_alive

    removed = []
    base = Path(tmp or tempfile.gettempdir())
    for p in base.glob(f"{PRIVATE_PREFIX}*"):
        pid = p.name[len(PRIVATE_PREFIX) :].split("-", 1)[0]
        try:
            mine = p.is_dir() and not p.is_symlink() and p.stat().st_uid == os.getuid()
        except (OSError, AttributeError):  # AttributeError: os.getuid on Windows
            mine = p.is_dir()
        if mine and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


class KernelProblem(RuntimeError):
    """The kernel could not be started, prepared or reset."""


class WarmKernel:
    """One kernel and its client, kept alive between notebooks.

    ``await start()`` launches the kernel and sends the preload request without waiting for
    it, so the caller can do its own imports meanwhile; ``await ready()`` waits for it.
    """

    def __init__(self, cwd: Path, kernel_name: str = KERNEL_NAME) -> None:
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None
        self.notebooks_run = 0
        self._pending: str | None = None
        self.private_dir: Path | None = None

    def remove_private_dir(self) -> None:
        """Delete the folder holding the connection file (safe to call twice)."""
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)
            self.private_dir = None

    async def start(self) -> None:
        from jupyter_client import AsyncKernelManager

        if self.private_dir is None:  # mode 0700: only this user can read the key
            self.private_dir = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{os.getpid()}-"))
        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        self.km.connection_file = str(self.private_dir / f"kernel-{os.urandom(8).hex()}.json")
        # The kernel's own stdout/stderr (not cell output, which comes over IOPub) would
        # otherwise interleave with the runner's progress on the terminal.
        await self.km.start_kernel(
            cwd=str(self.cwd),
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            await self.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        except RuntimeError as exc:
            await self.shutdown()
            raise KernelProblem(f"the {self.kernel_name} kernel did not start: {exc}") from exc
        self.kc.allow_stdin = False
        self.notebooks_run = 0
        self._pending = self.kc.execute(_PREPARE.format(cwd=str(self.cwd)), silent=True)

    async def ready(self) -> None:
        if self._pending is not None:
            msg_id, self._pending = self._pending, None
            await self._reply(msg_id, STARTUP_TIMEOUT, "prepare")

    async def _reply(self, msg_id: str, timeout: float, what: str) -> dict:
        import queue

        while True:
            try:
                msg = await self.kc.get_shell_msg(timeout=timeout)
            except queue.Empty as exc:
                raise KernelProblem(f"the kernel did not {what} within {timeout:.0f} s") from exc
            if msg["parent_header"].get("msg_id") == msg_id:
                content = msg["content"]
                if content.get("status") != "ok":
                    raise KernelProblem(
                        f"the kernel could not {what}: {content.get('ename')}: "
                        f"{content.get('evalue')}"
                    )
                return content

    async def reset(self) -> None:
        """Empty the kernel before a notebook; replace it when it is dead, worn or stuck."""
        if self.notebooks_run >= MAX_NOTEBOOKS_PER_KERNEL or not await self.km.is_alive():
            await self.restart()
        try:
            await self._reply(self.kc.execute(_RESET, silent=True), RESET_TIMEOUT, "reset")
        except KernelProblem:
            await self.restart()
            await self._reply(self.kc.execute(_RESET, silent=True), RESET_TIMEOUT, "reset")
        self.notebooks_run += 1

    async def restart(self) -> None:
        await self.shutdown()
        await self.start()
        await self.ready()

    async def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                if await self.km.is_alive():
                    await self.km.shutdown_kernel(now=True)
            finally:
                self.km.cleanup_connection_file()
                self.km = None
