"""pyproject.toml and environment.yml must name the same dependencies with the same bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# PyPI name -> conda-forge name where they differ.
CONDA_NAME = {"jupyter-client": "jupyter_client"}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", spec)
    assert m, spec
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        specs += [s for s in extra if not s.startswith("cdp-analysis")]
    out = {}
    for s in specs:
        name, bound = _split(s)
        out[CONDA_NAME.get(name, name)] = bound
    return out


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, bound = _split(dep)
            if name.lower() not in {"python", "pip"}:  # the interpreter, not a package
                out[name.lower()] = bound
    return out


def test_same_packages_and_bounds():
    py, conda = _pyproject(), _environment()
    assert py == conda, {
        "only in pyproject": sorted(set(py) - set(conda)),
        "only in environment.yml": sorted(set(conda) - set(py)),
        "different bounds": {
            k: (py[k], conda[k]) for k in set(py) & set(conda) if py[k] != conda[k]
        },
    }


def test_environment_installs_the_package_editable():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip


def test_python_floor_matches():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert meta["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]
