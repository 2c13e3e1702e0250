"""The area lookups (areas.csv, area_changes.csv, comparators.csv): read through the pandera
rules of cdp_analysis.schemas, every bad row named with its line and column."""

from __future__ import annotations

import shutil

import pytest

from cdp_analysis import areas
from cdp_analysis.errors import InputError
from cdp_analysis.paths import default_data_dir
from cdp_analysis.validation import validate_file


@pytest.fixture
def data_dir(tmp_path):
    """A private copy of the bundled lookups (the readers cache by path)."""
    (tmp_path / "lookups").mkdir()
    for name in ("areas.csv", "area_changes.csv"):
        shutil.copy(default_data_dir() / "lookups" / name, tmp_path / "lookups" / name)
    return tmp_path


def _write(data_dir, text):
    path = data_dir / "lookups" / "comparators.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_listed_comparators_replace_the_region(data_dir):
    _write(data_dir, "area_code,comparator_code\nE06000044,E06000045\nE06000044,E10000014\n")
    assert areas.comparators("E06000044", data_dir) == ["E06000045", "E10000014"]
    # an area the file does not list keeps its region
    assert "E06000044" in areas.comparators("E06000045", data_dir)


def test_a_bad_comparators_file_names_every_row_and_column(data_dir):
    path = _write(
        data_dir,
        "area_code,comparator_code\n"
        "E06000044,E06000045\n"  # line 2: fine
        "E06000044,E99999999\n"  # line 3: unknown comparator
        "E06000044,E06000044\n"  # line 4: its own comparator
        "E06000044,E06000045\n",  # line 5: the pair of line 2 again
    )
    with pytest.raises(InputError) as exc:
        areas.read_comparators(path, data_dir)
    found = {(p.message, tuple(p.rows or ()), p.column) for p in exc.value.problems}
    assert found == {
        ("area code not in data/lookups/areas.csv", (3,), "comparator_code"),
        ("duplicate pair", (2, 5), None),
        ("an area listed as its own comparator", (4,), "comparator_code"),
    }
    # the pack's comparators are refused the same way, never a KeyError or a silent skip
    with pytest.raises(InputError, match="row 3"):
        areas.comparators("E06000044", data_dir)


def test_a_comparators_file_without_its_columns_says_which(data_dir):
    path = _write(data_dir, "area_code,neighbour\nE06000044,E06000045\n")
    with pytest.raises(InputError, match="column 'comparator_code' is missing"):
        areas.read_comparators(path, data_dir)


def test_validate_reports_the_comparators_lookup(data_dir):
    path = _write(data_dir, "area_code,comparator_code\nE06000044,E99999999\n")
    result = validate_file(path, data_dir)
    assert result.kind == "comparators lookup" and not result.ok
    assert "row 2" in result.message and "comparator_code" in result.message
    assert "area code not in data/lookups/areas.csv" in result.message


def test_area_lookup_rows_are_checked_by_rule(data_dir):
    path = data_dir / "lookups" / "areas.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Region", "Regoin")  # line 3: North East
    lines[3] = "E1200002,North West,Region,E92000001,England"  # line 4: 8 characters
    lines.append(lines[5])  # the last line repeats line 6
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        areas.lookup(data_dir)
    found = {(p.message, p.column): p.rows for p in exc.value.problems}
    assert found[("unknown area type", "area_type")] == [3]
    assert found[("not a GSS area code", "area_code")] == [4]
    assert found[("duplicate area code", "area_code")] == [6, len(lines)]


def test_area_changes_old_figures_is_carried_or_none(data_dir):
    path = data_dir / "lookups" / "area_changes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",maybe"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        areas.changes(data_dir)
    (problem,) = exc.value.problems
    assert (problem.message, problem.rows, problem.column) == (
        "not 'carried' or 'none'",
        [2],
        "old_figures",
    )
