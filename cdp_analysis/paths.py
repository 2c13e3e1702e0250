"""Where things live. Paths are built with pathlib so they work on any OS."""

from __future__ import annotations

import os
from pathlib import Path

#: The source tree (the folder holding pyproject.toml) when installed in editable mode.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


#: Top-level folders of a data folder that are not report inputs: the indicator table's
#: cache (written by runs) and blank templates. Shared by the indicator table, the run's
#: pre-flight and the manifest, so all three agree on what an input is.
DATA_NOT_INPUTS = frozenset({"cache", "templates"})


def default_data_dir() -> Path:
    """The bundled ``data/`` folder, or ``$CDP_DATA_DIR`` when set."""
    env = os.environ.get("CDP_DATA_DIR")
    if env:
        return Path(env)
    bundled = PROJECT_ROOT / "data"
    return bundled if bundled.is_dir() else Path.cwd() / "data"


def default_output_dir() -> Path:
    """``outputs/`` beside the data, or ``$CDP_OUTPUT_DIR`` when set."""
    env = os.environ.get("CDP_OUTPUT_DIR")
    if env:
        return Path(env)
    return (
        PROJECT_ROOT / "outputs" if (PROJECT_ROOT / "outputs").is_dir() else Path.cwd() / "outputs"
    )


def notebooks_dir() -> Path:
    """The report notebooks shipped with the project."""
    return PROJECT_ROOT / "notebooks"
