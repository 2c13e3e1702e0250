"""The project's own error types.

Every problem a user can fix (bad input, a missing file, a network failure) is raised as a
:class:`CdpError`; the command line prints its message and exits non-zero without a traceback.
Anything else escaping is a bug in cdp-analysis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: At most this many problems are listed in one message (the total is always given).
MAX_PROBLEMS_SHOWN = 20


class CdpError(Exception):
    """A problem the user can act on; its message says what and how to fix it."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file.

    ``rows`` are the row numbers a person sees when opening the file: for a CSV, the line
    number (the header is line 1, the first data row line 2); for a workbook, the sheet row;
    for YAML, the line number when known.
    """

    message: str
    rows: Sequence[int] | None = None
    column: str | None = None
    expected: str | None = None

    def describe(self) -> str:
        parts = []
        if self.rows:
            rows = list(self.rows)
            shown = ", ".join(str(r) for r in rows[:10])
            more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
            parts.append(f"row{'s' if len(rows) > 1 else ''} {shown}{more}")
        if self.column:
            parts.append(f"column '{self.column}'")
        where = ", ".join(parts)
        text = f"{where}: {self.message}" if where else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class InputError(CdpError):
    """An input file is missing, unreadable or invalid.

    The message names the file, then each problem with its rows and column, then the fix.
    """

    def __init__(
        self,
        file: str | Path | None,
        problems: Problem | str | Iterable[Problem | str],
        *,
        kind: str | None = None,
        fix: str | None = None,
    ) -> None:
        if isinstance(problems, Problem | str):
            problems = [problems]
        self.file = None if file is None else Path(file)
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        self.kind = kind
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        head = str(self.file) if self.file is not None else "input"
        if self.kind:
            head += f" ({self.kind})"
        n = len(self.problems)
        lines = [f"{head}: {n} problem{'s' if n != 1 else ''} found"]
        for p in self.problems[:MAX_PROBLEMS_SHOWN]:
            lines.append(f"  - {p.describe()}")
        if n > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {n - MAX_PROBLEMS_SHOWN} more")
        if self.fix:
            lines.append(f"  Fix: {self.fix}")
        return "\n".join(lines)


class FetchError(CdpError):
    """A download failed (network down, server error, malformed answer)."""


class ReportError(CdpError):
    """A report could not be produced (a notebook failed, the output folder is unusable)."""
