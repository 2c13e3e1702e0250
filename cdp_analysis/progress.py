"""Progress of a long command (areas built by ``run``, indicators downloaded by ``fetch``).

On stderr, in one of three ways (:func:`mode`):

* ``bar``: a terminal gets a `tqdm <https://tqdm.github.io/>`_ bar: items done of the total,
  rate and time left, redrawn in place;
* ``lines``: anything else (a cron mail, a CI log, a file) gets one plain line per finished
  item, ``[ 3/152] E06000045 Southampton: pack done (25.9 s) -> ...``, so a log shows how far
  a run got and nothing is redrawn;
* ``off``: ``--quiet``: neither.

Warnings (:meth:`Progress.warn`, e.g. a page that could not be produced) are shown in every
mode, above the bar on a terminal.
"""

from __future__ import annotations

import sys
from typing import TextIO

BAR, LINES, OFF = "bar", "lines", "off"


def mode(stream: TextIO, quiet: bool = False) -> str:
    """``off`` when ``quiet``, ``bar`` when ``stream`` is a terminal, else ``lines``."""
    if quiet:
        return OFF
    try:
        return BAR if stream.isatty() else LINES
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return LINES


class Progress:
    """``total`` items (``unit``: "area", "indicator") counted on ``stream`` (default
    stderr) as :func:`mode` says. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        total: int,
        unit: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        desc: str | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.mode = mode(self.stream, quiet)
        self.total, self.done = total, 0
        self._bar = None
        if self.mode == BAR:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, unit=f" {unit}", desc=desc, file=self.stream, dynamic_ncols=True
            )

    def advance(self, line: str, n: int = 1) -> None:
        """``n`` more items are done; ``line`` says which (shown in ``lines`` mode, and
        beside the bar on a terminal)."""
        self.done += n
        if self._bar is not None:
            self._bar.set_postfix_str(line.split(":", 1)[0], refresh=False)
            self._bar.update(n)
        elif self.mode == LINES:
            width = len(str(self.total))
            self._print(f"[{self.done:>{width}}/{self.total}] {line}")

    def warn(self, text: str) -> None:
        """Show ``text`` whatever the mode (above the bar on a terminal)."""
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            self._print(text)

    def close(self) -> None:
        """End the bar (leaving it on screen with the final count); idempotent."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
