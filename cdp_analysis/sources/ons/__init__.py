"""ONS "Deaths related to drug poisoning by local authority, England and Wales" workbook -> tidy.

The package holds :mod:`.fields` (constants), :mod:`.workbook` (opening the file, finding
tables), :mod:`.cells` (the cell checks, as pandera rules) and :mod:`.tables` (the tidy rows).

The workbook is read as ONS publishes it (the 2021 registrations edition is bundled in
``data/ons/``). Tables are found by their text, not by cell positions: each table sheet is
recognised by its title ("Number of deaths ... related to drug misuse, males, by local
authority ..."), its header row by the cell ``Area Codes`` with ``Area Names`` beside it, its
periods by the labels in that row (``2019–21``, or a year for the annual tables) and, in the
rate tables, its columns by the sub-headers ``Deaths``, ``Rate``, ``Lower Confidence Limit``
and ``Upper Confidence Limit`` (footnote markers such as ``Rate 1`` are ignored). A table
moved on its sheet, or sheets renamed or in another order, still load.

What is read:

* annual counts (Tables 1-2 of the 2021 edition): deaths registered in each year 1993-2021,
  indicator ids :data:`POISONING_ANNUAL` and :data:`MISUSE_ANNUAL`; ``count`` = ``value`` =
  deaths; persons only;
* 3-year rates (Tables 3-8): deaths, age-standardised mortality rate per 100,000 (2013
  European Standard Population) and its 95% limits, persons, males and females, 2001-03 to
  2019-21, indicator ids :data:`POISONING` and :data:`MISUSE`; ``count`` = deaths,
  ``value`` = rate. 99.8% limits and denominators are not published (NaN).

Published markers are kept in ``value_note``: ``:`` (rate not calculated: fewer than 10
deaths) -> :data:`NOT_CALCULATED`, with rate and limits NaN; ``u`` (rate unreliable: 10 to 19
deaths) -> :data:`UNRELIABLE`. A few cells of the 2021 edition break these rules (a ``u``
beside a ``:``, or beside a blank rate); they are kept as published and noted
:data:`UNRELIABLE_NOT_PUBLISHED`; a blank rate beside a number of deaths is noted
:data:`NOT_PUBLISHED`.

A row is produced for every area and period whose deaths cell is filled; a blank deaths cell
means ONS published nothing for that area and period (e.g. metropolitan counties and
inner/outer London in most 3-year periods). ``area_type`` follows the area code (see
:data:`AREA_TYPES`): ``England`` (E92), ``Region`` (E12), ``UTLA`` (E06, E08, E09, E10) and,
so that nothing is dropped, the other geographies of the workbook: ``District`` (E07),
``Metropolitan county`` (E11), ``Inner/Outer London`` (E13), ``Wales`` (W92), ``Welsh UA``
(W06), ``England and Wales`` (K04; annual tables only), ``Other`` for any other code.
Callers filter on ``area_type``. Area names are as published (``ENGLAND``, ``NORTH EAST``,
``Isle of Anglesey / Ynys Môn``) without surrounding spaces.

Numbers stored as text (``'12'``) are read as numbers; anything else unexpected raises
:class:`~cdp_analysis.errors.InputError` naming the file, sheet, rows (sheet row numbers) and
column (sheet column letter and header). So are a year, or a 3-year period ending, after the
current year, and 95% limits that do not bracket their rate (lower <= rate <= upper holds for
every row of the 2021 edition); an empty (0-byte) or cut-short file is named as such, with a
fix. The workbook is read with ``python-calamine`` (Rust's calamine): about 0.5 s for the 11
sheets of the 2021 edition, against about 6 s with openpyxl; it is not cached.
"""

from .fields import (
    AREA_TYPES,
    KIND,
    MISUSE,
    MISUSE_ANNUAL,
    NOT_CALCULATED,
    NOT_PUBLISHED,
    OTHER_AREA_TYPE,
    POISONING,
    POISONING_ANNUAL,
    SOURCE,
    TABLES,
    UNRELIABLE,
    UNRELIABLE_NOT_PUBLISHED,
)
from .tables import load_annual, load_asmr, load_workbook, looks_like_ons_workbook
from .workbook import column_letter

__all__ = [
    "AREA_TYPES",
    "KIND",
    "MISUSE",
    "MISUSE_ANNUAL",
    "NOT_CALCULATED",
    "NOT_PUBLISHED",
    "OTHER_AREA_TYPE",
    "POISONING",
    "POISONING_ANNUAL",
    "SOURCE",
    "TABLES",
    "UNRELIABLE",
    "UNRELIABLE_NOT_PUBLISHED",
    "column_letter",
    "load_annual",
    "load_asmr",
    "load_workbook",
    "looks_like_ons_workbook",
]
