"""ONS drug poisoning deaths workbook loader (cdp_analysis.sources.ons).

The bundled workbook (data/ons/2021localauthorities.xlsx) is checked cell for cell against the
tidy CSV extracts of the same edition (tests/fixtures/ons/, made independently of this code),
against figures typed in from the ONS release, and against broken copies built with openpyxl.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cdp_analysis import areas, tidy
from cdp_analysis.errors import InputError
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.sources import ons

WORKBOOK = PROJECT_ROOT / "data" / "ons" / "2021localauthorities.xlsx"
FIXTURES = Path(__file__).parent / "fixtures" / "ons"
SHA256 = "c342ed0c6eb9731bb4651839964f488af29bd1c9aaad6ce0991af337dded0951"

#: The extracts' geo_level -> the loader's area_type (country split by code below).
GEO_LEVELS = {
    "region": "Region",
    "unitary authority": "UTLA",
    "metropolitan district": "UTLA",
    "London borough": "UTLA",
    "county": "UTLA",
    "non-metropolitan district": "District",
    "metropolitan county": "Metropolitan county",
    "inner/outer London": "Inner/Outer London",
    "Welsh unitary authority": "Welsh UA",
    "England and Wales": "England and Wales",
}
SEXES = {"Persons": "Persons", "Males": "Male", "Females": "Female"}
KEY = ["indicator_id", "area_code", "sex", "period_label"]


@pytest.fixture(scope="module")
def loaded() -> pd.DataFrame:
    return ons.load_workbook(WORKBOOK)


def _expected_area_type(extract: pd.DataFrame) -> pd.Series:
    country = extract["area_code"].map({"E92000001": "England", "W92000004": "Wales"})
    return extract["geo_level"].map(GEO_LEVELS).fillna(country)


def _joined(loaded: pd.DataFrame, extract: pd.DataFrame) -> pd.DataFrame:
    both = loaded.merge(extract, on=KEY, how="outer", indicator=True, validate="1:1")
    unmatched = both[both["_merge"] != "both"]
    assert unmatched.empty, unmatched[[*KEY, "_merge"]].head(10).to_string()
    return both


def test_bundled_workbook_is_the_published_file():
    assert hashlib.sha256(WORKBOOK.read_bytes()).hexdigest() == SHA256


def test_rates_equal_the_extract_for_every_row(loaded):
    extract = pd.read_csv(
        FIXTURES / "ons_drug_deaths_la_2021ed_asmr.csv.gz", dtype=str, keep_default_na=False
    )
    assert len(extract) == 41_939
    extract["indicator_id"] = "ons_" + extract["measure"].str.replace(" ", "_")
    extract["sex"] = extract["sex"].map(SEXES)
    extract = extract.rename(columns={"period": "period_label"})
    rates = loaded[loaded["indicator_id"].isin(["ons_drug_poisoning", "ons_drug_misuse"])]
    assert len(rates) == 41_939
    both = _joined(rates, extract)

    def number(col: str) -> np.ndarray:
        return pd.to_numeric(both[col].replace({":": np.nan, "": np.nan})).to_numpy(dtype=float)

    np.testing.assert_array_equal(both["count"], both["deaths"].astype(int))
    np.testing.assert_array_equal(both["value"], number("asmr_per_100k"))
    np.testing.assert_array_equal(both["lower_95"], number("lower_95ci"))
    np.testing.assert_array_equal(both["upper_95"], number("upper_95ci"))
    flagged = both["reliability_flag"] == "U"
    assert (both["value_note"].str.startswith("Unreliable") == flagged).all()
    not_calc = both["asmr_per_100k"] == ":"
    assert (both.loc[not_calc & ~flagged, "value_note"] == ons.NOT_CALCULATED).all()
    assert (both.loc[~not_calc & flagged & (both["asmr_per_100k"] != ""), "value_note"]
            == ons.UNRELIABLE).all()  # fmt: skip
    assert (both.loc[~flagged & ~not_calc, "value_note"] == "").all()
    pd.testing.assert_series_equal(
        both["area_name_x"], both["area_name_y"], check_names=False, check_dtype=False
    )
    pd.testing.assert_series_equal(
        both["area_type"], _expected_area_type(both), check_names=False, check_dtype=False
    )


def test_annual_counts_equal_the_extract_for_every_row(loaded):
    extract = pd.read_csv(
        FIXTURES / "ons_drug_deaths_la_2021ed_annual_counts.csv.gz",
        dtype=str,
        keep_default_na=False,
    )
    assert len(extract) == 21_747
    extract["indicator_id"] = "ons_" + extract["measure"].str.replace(" ", "_") + "_annual_count"
    extract["sex"] = extract["sex"].map(SEXES)
    extract = extract.rename(columns={"registration_year": "period_label"})
    annual = loaded[loaded["indicator_id"].str.endswith("_annual_count")]
    assert len(annual) == 21_747
    both = _joined(annual, extract)
    np.testing.assert_array_equal(both["count"], both["deaths"].astype(int))
    np.testing.assert_array_equal(both["value"], both["deaths"].astype(int))
    assert (both["value_note"] == "").all()
    assert (both["lower_95"].isna() & both["upper_95"].isna()).all()
    pd.testing.assert_series_equal(
        both["area_name_x"], both["area_name_y"], check_names=False, check_dtype=False
    )
    pd.testing.assert_series_equal(
        both["area_type"], _expected_area_type(both), check_names=False, check_dtype=False
    )


def _row(df, indicator, code, period, sex="Persons") -> pd.Series:
    hit = df[
        (df["indicator_id"] == indicator)
        & (df["area_code"] == code)
        & (df["period_label"] == period)
        & (df["sex"] == sex)
    ]
    assert len(hit) == 1, (indicator, code, period, sex)
    return hit.iloc[0]


@pytest.mark.parametrize(
    ("code", "period", "deaths", "rate", "lower", "upper"),
    [
        ("E06000044", "2019-21", 46, 7.7, 5.6, 10.3),  # Portsmouth
        ("E06000044", "2016-18", 53, 9.1, 6.8, 12.0),
        ("E92000001", "2019-21", 8361, 5.1, 5.0, 5.2),  # England
    ],
)
def test_published_drug_misuse_figures(loaded, code, period, deaths, rate, lower, upper):
    row = _row(loaded, "ons_drug_misuse", code, period)
    assert (row["count"], row["value"], row["lower_95"], row["upper_95"]) == (
        deaths,
        rate,
        lower,
        upper,
    )
    assert row["value_note"] == ""


def test_markers_become_value_notes(loaded):
    # The wording promised in docs/architecture.md.
    assert ons.NOT_CALCULATED == "Not calculated: fewer than 10 deaths"
    assert ons.UNRELIABLE == "Unreliable: 10 to 19 deaths"
    # Darlington, drug poisoning, females 2019-21: 18 deaths, 11.2 marked u (Table 5)
    row = _row(loaded, "ons_drug_poisoning", "E06000005", "2019-21", "Female")
    assert (row["count"], row["value"], row["value_note"]) == (18, 11.2, ons.UNRELIABLE)
    # Darlington, drug misuse, females 2018-20: 9 deaths, ':' (Table 8)
    row = _row(loaded, "ons_drug_misuse", "E06000005", "2018-20", "Female")
    assert row["count"] == 9 and row["value_note"] == ons.NOT_CALCULATED
    assert np.isnan([row["value"], row["lower_95"], row["upper_95"]]).all()
    # Published oddities kept as published: Wyre Forest 2001-03 (10 deaths, u, rate blank)
    # and Welwyn Hatfield 2006-08 (11 deaths, u beside ':').
    row = _row(loaded, "ons_drug_misuse", "E07000239", "2001-03")
    assert row["count"] == 10 and np.isnan(row["value"])
    assert row["value_note"] == ons.UNRELIABLE_NOT_PUBLISHED
    row = _row(loaded, "ons_drug_poisoning", "E07000241", "2006-08")
    assert row["count"] == 11 and np.isnan(row["value"])
    assert row["value_note"] == ons.UNRELIABLE_NOT_PUBLISHED


def test_tidy_shape_periods_and_source(loaded):
    assert list(loaded.columns) == tidy.COLUMNS
    assert len(loaded) == 41_939 + 21_747
    assert not loaded.duplicated(tidy.KEY).any()
    assert loaded["denominator"].isna().all()
    assert loaded["lower_99_8"].isna().all() and loaded["upper_99_8"].isna().all()
    assert set(loaded["sex"]) == {"Persons", "Male", "Female"}
    assert set(loaded["age"]) == {"All ages"} and set(loaded["category"]) == {""}
    row = _row(loaded, "ons_drug_misuse", "E06000044", "2019-21")
    assert row["period_start"] == pd.Timestamp("2019-01-01")
    assert row["period_end"] == pd.Timestamp("2021-12-31")
    assert (row["area_name"], row["area_type"]) == ("Portsmouth", "UTLA")
    assert row["source"] == (
        "ONS, Deaths related to drug poisoning by local authority, 2021 registrations "
        "(2021localauthorities.xlsx, Table 6)"
    )
    row = _row(loaded, "ons_drug_misuse_annual_count", "E06000044", "2021")
    assert row["period_start"] == pd.Timestamp("2021-01-01")
    assert row["period_end"] == pd.Timestamp("2021-12-31")
    assert row["source"].endswith("(2021localauthorities.xlsx, Table 2)")
    periods = loaded.loc[loaded["indicator_id"] == "ons_drug_misuse", "period_label"]
    assert periods.nunique() == 19 and {"2001-03", "2019-21"} <= set(periods)
    years = loaded.loc[loaded["indicator_id"] == "ons_drug_misuse_annual_count", "period_label"]
    assert set(years) == {str(y) for y in range(1993, 2022)}
    # Every English upper-tier LA of May 2022 (the edition's boundaries) is present: the
    # lookup less the April 2023 codes (data/lookups/area_changes.csv)
    utla = set(loaded.loc[loaded["area_type"] == "UTLA", "area_code"])
    may_2022 = set(areas.lookup().query("area_type == 'UTLA'")["area_code"])
    assert may_2022 - set(areas.created_codes()) == utla


def test_blank_cells_give_no_rows(loaded):
    # Greater Manchester (met county): drug poisoning, persons, 2019-21 only (Table 3).
    gm = loaded[
        (loaded["area_code"] == "E11000001")
        & (loaded["indicator_id"] == "ons_drug_poisoning")
        & (loaded["sex"] == "Persons")
    ]
    assert set(gm["period_label"]) == {"2019-21"}
    # Oadby and Wigston has no 2021 drug poisoning count (blank in Table 1).
    ow = loaded[
        (loaded["area_code"] == "E07000135")
        & (loaded["indicator_id"] == "ons_drug_poisoning_annual_count")
    ]
    assert len(ow) == 28 and "2021" not in set(ow["period_label"])


def test_partial_loaders(loaded):
    annual = ons.load_annual(WORKBOOK)
    expected = loaded[loaded["indicator_id"].str.endswith("_annual_count")]
    pd.testing.assert_frame_equal(annual, expected.reset_index(drop=True))


def test_looks_like_ons_workbook(tmp_path):
    assert ons.looks_like_ons_workbook(WORKBOOK)
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Successful completions"
    wb.save(other)
    assert not ons.looks_like_ons_workbook(other)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert not ons.looks_like_ons_workbook(empty)
    assert not ons.looks_like_ons_workbook(FIXTURES / "ons_drug_deaths_la_2021ed_asmr.csv.gz")
    assert not ons.looks_like_ons_workbook(tmp_path / "missing.xlsx")


# -------------------------------------------------------------------------------------------
# Modified copies of the workbook


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory) -> Path:
    """The workbook with each table cut to its first 40 sheet rows, and the rate tables to
    their first four periods (columns A:AB): fast to edit, save and load."""
    wb = openpyxl.load_workbook(WORKBOOK)
    for ws in wb.worksheets:
        if ws.title.startswith("Table"):
            for merged in list(ws.merged_cells.ranges):
                if merged.max_row > 40 or merged.max_col > 28:
                    ws.unmerge_cells(str(merged))
            ws.delete_rows(41, ws.max_row)
            if ws.max_column > 100:
                ws.delete_cols(29, ws.max_column)
    path = tmp_path_factory.mktemp("ons") / "small.xlsx"
    wb.save(path)
    return path


def _broken(small_workbook: Path, tmp_path: Path, edit) -> Path:
    """A copy of the small workbook, under the same file name, changed by ``edit(wb)``."""
    wb = openpyxl.load_workbook(small_workbook)
    edit(wb)
    path = tmp_path / small_workbook.name
    wb.save(path)
    return path


def test_small_copy_loads(small_workbook, loaded):
    df = ons.load_workbook(small_workbook)
    assert set(df["indicator_id"]) == set(loaded["indicator_id"])
    row = _row(df, "ons_drug_misuse", "E92000001", "2019-21")
    assert (row["count"], row["value"]) == (8361, 5.1)


def test_moved_tables_and_reordered_sheets_load_identically(small_workbook, tmp_path):
    def move(wb):
        for name, rows, cols in [("Table 6", 4, 3), ("Table 1", 2, 1), ("Table 8", 0, 2)]:
            ws = wb[name]
            for merged in list(ws.merged_cells.ranges):
                ws.unmerge_cells(str(merged))
            if rows:
                ws.insert_rows(1, rows)
            ws.insert_cols(1, cols)
        wb.move_sheet("Table 6", offset=-4)
        wb.move_sheet("Contents", offset=5)

    path = _broken(small_workbook, tmp_path, move)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["Table 6"]["D5"].value == "Back to contents"
    names = wb.sheetnames
    assert names.index("Table 6") < names.index("Table 2") < names.index("Contents")
    pd.testing.assert_frame_equal(ons.load_workbook(path), ons.load_workbook(small_workbook))


def _set(sheet: str, cell: str, value):
    def edit(wb):
        wb[sheet][cell] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "messages"),
    [
        (
            _set("Table 6", "A4", "Area code"),
            ["sheet 'Table 6'", "no header cell 'Area Codes'", "'Area Codes', 'Area Names'"],
        ),
        (_set("Table 2", "B4", "Names"), ["sheet 'Table 2'", "row 4", "expected a header row"]),
        (
            _set("Table 4", "F5", "Rates"),
            ["sheet 'Table 4'", "row 5", "period '2019–21'", "'Rate'", "Lower Confidence Limit"],
        ),
        (_set("Table 3", "K4", "2018"), ["sheet 'Table 3'", "row 4", "unexpected header '2018'"]),
        (
            _set("Table 6", "F7", "n/a"),
            [
                "sheet 'Table 6'",
                "row 7",
                "column 'F (2019-21 Rate)'",
                "'n/a'",
                "':' (not calculated)",
            ],
        ),
        (
            _set("Table 7", "K12", "about 20"),
            ["sheet 'Table 7'", "row 12", "column 'K (2018-20 Deaths)'", "whole number"],
        ),
        (_set("Table 1", "E13", 2.5), ["sheet 'Table 1'", "row 13", "column 'E (2021)'"]),
        (_set("Table 2", "F14", True), ["sheet 'Table 2'", "row 14", "column 'F (2020)'"]),
        (_set("Table 5", "G11", "x"), ["sheet 'Table 5'", "row 11", "column 'G (2019-21 marker)'"]),
        (_set("Table 8", "H8", 3), ["sheet 'Table 8'", "row 8", "no area code"]),
        (_set("Table 3", "A13", "Total"), ["sheet 'Table 3'", "row 13", "'Total'", "GSS code"]),
        (_set("Table 3", "A13", "E06000005"), ["sheet 'Table 3'", "rows 12, 13", "more than once"]),
        (_set("Table 3", "C13", None), ["sheet 'Table 3'", "row 13", "no area name"]),
        (
            _set("Table 6", "A2", "Something else"),
            ["no sheet holds the table", "drug misuse, persons", "sheet 'Table 6' in the 2021"],
        ),
        (
            lambda wb: wb.remove(wb["Table 7"]),
            ["no sheet holds the table", "drug misuse, males", "'Table 7'"],
        ),
        (
            _set("Table 1", "E4", 2098),
            [
                "row 4, column 'E': sheet 'Table 1': year 2098 is after the current year",
                "expected registration years up to",
            ],
        ),
        (
            _set("Table 6", "E4", "2097–99"),
            [
                "row 4, column 'E': sheet 'Table 6': period '2097-99' ends in 2099",
                "after the current year",
                "3-year periods ending in",
            ],
        ),
        (
            _set("Table 3", "H7", 99),  # England 2019-21: rate 7.9, limits 7.8 to 8.1
            [
                "row 7, column 'H (2019-21 Lower)': sheet 'Table 3': lower 95% limit above the "
                "rate (e.g. 99 beside a rate of 7.9)",
                "expected lower limit <= rate <= upper limit",
            ],
        ),
        (
            _set("Table 6", "I7", 4.9),  # England 2019-21: rate 5.1, limits 5 to 5.2
            [
                "row 7, column 'I (2019-21 Upper)': sheet 'Table 6': upper 95% limit below the "
                "rate (e.g. 4.9 beside a rate of 5.1)",
            ],
        ),
    ],
    ids=[
        "header-renamed",
        "names-header-renamed",
        "sub-header-renamed",
        "period-header-not-a-period",
        "text-in-rate",
        "text-in-deaths",
        "fraction-in-annual",
        "boolean-in-annual",
        "bad-marker",
        "number-in-spacer-row",
        "text-in-code-column",
        "duplicate-area",
        "missing-name",
        "title-changed",
        "table-missing",
        "future-year",
        "future-period",
        "lower-limit-above-rate",
        "upper-limit-below-rate",
    ],
)
def test_broken_workbooks_raise_input_error(small_workbook, tmp_path, edit, messages):
    path = _broken(small_workbook, tmp_path, edit)
    with pytest.raises(InputError) as info:
        ons.load_workbook(path)
    text = str(info.value)
    assert str(path) in text and "Fix:" in text
    for message in messages:
        assert message in text, text


def test_problems_in_several_sheets_are_reported_together(small_workbook, tmp_path):
    def edit(wb):
        wb["Table 3"]["A4"] = "Area code"
        wb["Table 6"]["F7"] = "n/a"

    with pytest.raises(InputError) as info:
        ons.load_workbook(_broken(small_workbook, tmp_path, edit))
    text = str(info.value)
    assert "2 problems found" in text
    assert "sheet 'Table 3': no header cell 'Area Codes'" in text
    assert "row 7, column 'F (2019-21 Rate)': sheet 'Table 6': unexpected value 'n/a'" in text


def test_the_current_year_is_the_latest_allowed(small_workbook):
    """The 2021 edition holds 2021 registrations (Table 1) and 2019-21 (Tables 3-8): read as
    if it were 2020, both are in the future."""
    assert ons.load_annual(small_workbook, today=date(2021, 1, 1))["period_label"].iloc[0] == "2021"
    with pytest.raises(InputError) as info:
        ons.load_workbook(small_workbook, today=date(2020, 12, 31))
    text = str(info.value)
    assert "row 4, column 'E': sheet 'Table 1': year 2021 is after the current year (2020)" in text
    assert "row 4, column 'E': sheet 'Table 3': period '2019-21' ends in 2021" in text


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (
            b"",
            [
                "1 problem found\n  - the file is empty (0 bytes)\n",
                "Fix: download the workbook again from ONS",
                "restore the bundled copy, data/ons/2021localauthorities.xlsx",
            ],
        ),
        (
            b"a,b\n1,2\n",
            ["not a readable Excel workbook (BadZipFile", "save it as .xlsx", "without editing it"],
        ),
    ],
    ids=["empty", "csv-named-xlsx"],
)
def test_unreadable_files_raise_input_error(tmp_path, content, messages):
    path = tmp_path / "2021localauthorities.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        ons.load_workbook(path)
    for message in messages:
        assert message in str(info.value)


def test_truncated_workbook_is_called_damaged_or_truncated(small_workbook, tmp_path):
    data = small_workbook.read_bytes()
    path = tmp_path / "2021localauthorities.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        ons.load_workbook(path)
    text = str(info.value)
    assert "not a readable Excel workbook: the .xlsx file" in text
    assert "is damaged or truncated" in text
    assert "Fix: download the workbook again from ONS" in text


def test_missing_file_and_unrelated_workbook(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        ons.load_workbook(tmp_path / "nothing.xlsx")
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(InputError, match="no sheet holds the table") as info:
        ons.load_workbook(other)
    assert "8 problems" in str(info.value)
