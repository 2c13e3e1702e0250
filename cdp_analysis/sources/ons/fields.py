"""The ONS workbook's constants: indicator ids, value notes, area types, table titles."""

from __future__ import annotations

import re

from ... import tidy

#: Indicator ids: 3-year age-standardised rates and annual counts.
POISONING = "ons_drug_poisoning"
MISUSE = "ons_drug_misuse"
POISONING_ANNUAL = "ons_drug_poisoning_annual_count"
MISUSE_ANNUAL = "ons_drug_misuse_annual_count"

#: Value notes for the published markers.
NOT_CALCULATED = "Not calculated: fewer than 10 deaths"
UNRELIABLE = "Unreliable: 10 to 19 deaths"
UNRELIABLE_NOT_PUBLISHED = "Unreliable: 10 to 19 deaths; rate not published"
NOT_PUBLISHED = "Rate not published"

#: area_type by the first three characters of the area code; any other code is OTHER_AREA_TYPE.
AREA_TYPES: dict[str, str] = {
    "E92": tidy.ENGLAND,
    "E12": tidy.REGION,
    "E06": tidy.UTLA,
    "E08": tidy.UTLA,
    "E09": tidy.UTLA,
    "E10": tidy.UTLA,
    "E07": "District",
    "E11": "Metropolitan county",
    "E13": "Inner/Outer London",
    "W92": "Wales",
    "W06": "Welsh UA",
    "K04": "England and Wales",
}
OTHER_AREA_TYPE = "Other"

AGE = "All ages"
SOURCE = "ONS, Deaths related to drug poisoning by local authority"
KIND = "ONS drug poisoning deaths workbook"
FIX = (
    "use the workbook as published by ONS ('Deaths related to drug poisoning by local "
    "authority, England and Wales', e.g. 2021localauthorities.xlsx) without editing it"
)
#: Fix for a file that is empty, damaged or cut short (a failed download or copy).
REDOWNLOAD_FIX = (
    "download the workbook again from ONS ('Deaths related to drug poisoning by local "
    "authority, England and Wales', e.g. 2021localauthorities.xlsx), or restore the bundled "
    "copy, data/ons/2021localauthorities.xlsx, from the project (a failed download or copy "
    "leaves an empty or cut-short file)"
)
#: The first bytes of every zip archive, hence of every .xlsx workbook.
ZIP_SIGNATURE = b"PK\x03\x04"

ANNUAL, RATE = "annual", "rate"
_INDICATORS = {
    (RATE, "drug poisoning"): POISONING,
    (RATE, "drug misuse"): MISUSE,
    (ANNUAL, "drug poisoning"): POISONING_ANNUAL,
    (ANNUAL, "drug misuse"): MISUSE_ANNUAL,
}
#: The tables read, in output order, with their sheet names in the 2021 edition (for messages).
TABLES: dict[tuple[str, str, str], str] = {
    (RATE, "drug poisoning", tidy.PERSONS): "Table 3",
    (RATE, "drug poisoning", tidy.MALE): "Table 4",
    (RATE, "drug poisoning", tidy.FEMALE): "Table 5",
    (RATE, "drug misuse", tidy.PERSONS): "Table 6",
    (RATE, "drug misuse", tidy.MALE): "Table 7",
    (RATE, "drug misuse", tidy.FEMALE): "Table 8",
    (ANNUAL, "drug poisoning", tidy.PERSONS): "Table 1",
    (ANNUAL, "drug misuse", tidy.PERSONS): "Table 2",
}
_SEXES = {"persons": tidy.PERSONS, "males": tidy.MALE, "females": tidy.FEMALE}
_SEX_WORDS = {v: k for k, v in _SEXES.items()}

_TITLE_RE = (
    r"^\s*number of deaths\b.*?\brelated to drug (poisoning|misuse),?\s+(persons|males|females)\b"
    r".*\bby local authorit"
)
_CODE_RE = r"^[A-Z]\d{8}$"
_END_RE = r"^(footnotes?|notes?|source)\b"
_FOOTNOTE_RE = r"(\s+\d+(\s*,\s*\d+)*)+$"
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-–—]\s*(\d{2}|\d{4})\s*$")
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*$")
#: Sub-headers of each period's columns in the rate tables (normalised text -> label).
_RATE_FIELDS = {
    "deaths": "Deaths",
    "rate": "Rate",
    "lower confidence limit": "Lower Confidence Limit",
    "upper confidence limit": "Upper Confidence Limit",
}
