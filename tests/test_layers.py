"""The package's shape: every import runs down the layers, and no module imports itself back.

The layers (docs/architecture.md), lowest first. A module may import modules of its own
layer's package, or of any lower layer, never a higher one; root modules of one layer may
import each other. Lazy imports inside functions count: they are imports all the same.
A new top-level module or package must be given a layer here (the failure says so).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cdp_analysis"

#: Top-level unit of cdp_analysis -> layer number (0 is the foundation).
LAYERS: dict[str, int] = {
    # foundation: errors, paths, periods, the tidy table's schema, the area lookup, safe files
    "errors": 0,
    "paths": 0,
    "text_files": 0,
    "periods": 0,
    "tidy": 0,
    "areas": 0,
    "safe_yaml": 0,
    "data_files": 0,
    "table_cache": 0,  # the indicator table's safe on-disk cache (Parquet)
    "progress": 0,  # progress of long commands: tqdm bar, plain lines, or quiet
    "schemas": 0,  # row checks of every input kind as pandera rules, failures as Problems
    # official statistical methods
    "stats": 1,
    # the plan as data (measures, targets, objectives)
    "plan": 2,
    # readers of input files, one per publisher or input kind
    "sources": 3,
    # from files to the one tidy indicator table; demo generators write the same formats
    "validation": 4,
    "indicator_table": 4,
    "disclosure": 4,
    "demo": 4,
    # assessment and charts, side by side (neither imports the other)
    "assessment": 5,
    "figures": 5,
    # what a page is made of
    "pages": 6,
    # the pack: runner, manifest, publishing
    "report": 7,
    # the command line
    "commands": 8,
    "cli": 8,
    # the public API for analysts re-exports from every layer
    "api": 9,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(["cdp_analysis", *parts])] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every cdp_analysis module ``name`` imports (absolute, resolved; names imported from
    a package count as that package's submodules when they are modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("cdp_analysis")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("cdp_analysis"):
                continue
            subs = {f"{target}.{a.name}" for a in node.names} & MODULES.keys()
            found |= subs or {target}
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_top_level_unit_has_a_layer():
    units = {_unit(m) for m in MODULES} - {None, "__main__"}
    missing = sorted(units - LAYERS.keys())
    assert not missing, f"give these a layer in tests/test_layers.py LAYERS: {missing}"


def _upward() -> list[str]:
    bad = []
    for src, targets in GRAPH.items():
        su = _unit(src)
        if su is None or su not in LAYERS:
            continue  # the package __init__ (version, public names) is outside the layers
        for dst in sorted(targets):
            du = _unit(dst)
            if du is None or du == su or du not in LAYERS:
                continue
            if LAYERS[du] > LAYERS[su]:
                bad.append(f"{src} imports {dst} (layer {LAYERS[su]} -> {LAYERS[du]})")
            elif LAYERS[du] == LAYERS[su] and (
                MODULES[src].parent != PACKAGE or MODULES[dst].parent != PACKAGE
            ):
                bad.append(f"{src} imports {dst}: side-by-side packages must not import each other")
    return bad


def test_no_import_runs_up_a_layer():
    assert _upward() == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    assert _cycles() == []


@pytest.mark.parametrize(
    "src, dst",
    [("cdp_analysis.figures.trend", "cdp_analysis.pages.display")],
)
def test_the_checker_finds_an_upward_import(src, dst, monkeypatch):
    """The check can fail: an import from figures up to pages is reported."""
    monkeypatch.setitem(GRAPH, src, GRAPH[src] | {dst})
    assert any(f"{src} imports {dst}" in b for b in _upward())
    monkeypatch.setitem(GRAPH, dst, GRAPH[dst] | {src})
    assert any(src in c and dst in c for c in _cycles())


def test_the_command_line_parser_imports_no_heavy_library():
    """``cdp-analysis --help`` (or any subcommand's argument parsing) imports no pandas,
    requests or matplotlib: the commands import them in ``main``, where they are used."""
    import subprocess
    import sys

    code = (
        "import sys; from cdp_analysis import cli; cli._parser(); "
        "print(' '.join(m for m in ('pandas', 'requests', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
