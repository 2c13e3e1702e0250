"""The files of a data folder, with one rule for symbolic links.

The indicator table, ``cdp-analysis validate``, the run's pre-flight, the manifest and
``cdp-analysis verify`` all list a data folder's files with :func:`walk`, so an input one
of them sees is an input all of them see.

The rule for symbolic links (and Windows junctions, which resolve the same way):

- a link to a file or folder **inside** the data folder is followed, and its files are
  listed under the link's own path (``data/local/q4.csv`` for a link ``data/local`` to
  ``data/archive/2025``);
- a link that points **outside** the data folder, that points to nothing, or that
  **loops** (a link to itself, or a folder link to one of its own parents) is refused
  with :class:`LinkError`, a one-line message naming the link.

Hidden files and folders (names starting with ``.``) and ``__pycache__`` are never
listed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import CdpError
from .paths import DATA_NOT_INPUTS

#: Folder names never walked, at any depth.
ALWAYS_SKIPPED = frozenset({"__pycache__"})


class LinkError(CdpError):
    """A symbolic link in a data folder that points outside it, to nothing, or loops."""

    def __init__(self, link: Path, why: str) -> None:
        self.link, self.why = Path(link), why
        super().__init__(
            f"{link}: {why}. Symbolic links in a data folder must point to a file or folder "
            "inside it: replace the link with a copy of the file, or remove it."
        )


def _resolve(link: Path, root_real: Path) -> Path:
    """Where ``link`` points, checked against the rule; raises :class:`LinkError`."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        raise LinkError(link, "the symbolic link loops (it points back to itself)") from None
    except OSError as exc:
        if getattr(exc, "errno", None) == 40 or "loop" in str(exc).lower():  # ELOOP
            raise LinkError(link, "the symbolic link loops (it points back to itself)") from None
        raise LinkError(
            link, f"the symbolic link points to {os.readlink(link)}, which does not exist"
        ) from None
    if target != root_real and root_real not in target.parents:
        raise LinkError(link, f"the symbolic link points outside the data folder, to {target}")
    return target


def walk(
    root: str | Path,
    *,
    skip_top: Iterable[str] = (),
    on_error: Callable[[LinkError], None] | None = None,
) -> list[Path]:
    """Every file under ``root`` (sorted by path, links followed by the rule above), as
    paths under ``root``. ``skip_top``: top-level folder names not walked (e.g. the cache).
    A bad link raises :class:`LinkError`, or, with ``on_error``, is passed to it and left
    out."""
    root = Path(root)
    root_real = root.resolve()
    skip_top = frozenset(skip_top)
    out: list[Path] = []

    def bad(exc: LinkError) -> None:
        if on_error is None:
            raise exc
        on_error(exc)

    def visit(folder: Path, real: Path, ancestors: frozenset[Path], top: bool) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise CdpError(f"{folder}: the folder cannot be read ({exc.strerror or exc}).") from exc
        for e in entries:
            if e.name.startswith(".") or e.name in ALWAYS_SKIPPED:
                continue
            path = folder / e.name
            if e.is_symlink():
                try:
                    target = _resolve(path, root_real)
                except LinkError as exc:
                    bad(exc)
                    continue
                is_dir = target.is_dir()
            else:
                target = real / e.name
                is_dir = e.is_dir(follow_symlinks=False)
            if is_dir:
                if top and e.name in skip_top:
                    continue
                if target in ancestors:
                    bad(LinkError(path, "the symbolic link loops (it points to a folder it is in)"))
                    continue
                visit(path, target, ancestors | {target}, False)
            elif e.is_file():
                out.append(path)

    visit(root, root_real, frozenset({root_real}), True)
    return out


def inputs(data_dir: str | Path) -> list[Path]:
    """Every file of a data folder that may be a report input: :func:`walk` without the
    top-level folders that are not inputs (:data:`~cdp_analysis.paths.DATA_NOT_INPUTS`)."""
    return walk(data_dir, skip_top=DATA_NOT_INPUTS)


def is_inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path`` (links resolved) lies in the folder ``root``."""
    p, r = Path(path).resolve(), Path(root).resolve()
    return p == r or r in p.parents
