"""Record-level treatment episodes (NDTMS-like): data dictionary, validation, derivations.

The package holds :mod:`.fields` (the dictionary as constants), :mod:`.reader` (reading a CSV),
:mod:`.rules` (the row checks, as pandera rules) and :mod:`.indicators` (the derivations).

A local extract holds one row per treatment episode. :func:`load_episodes` reads and
validates it (every problem is an :class:`~cdp_analysis.errors.InputError` naming the file,
the CSV line numbers, the column, the expected value and the fix; nothing is dropped or
coerced). :func:`derive_indicators` turns validated episodes into the tidy indicator table for
every area and every quarter at once (rolling 12 months ending at each quarter end), with
vectorised interval logic: no loop over clients or episodes.

Data dictionary (CSV, UTF-8, header row, one row per episode; dates ``YYYY-MM-DD``, or
``DD/MM/YYYY`` as UK Excel writes them)
=============================================================================================

=====================  ========  ===============================================================
column                 required  meaning and allowed values
=====================  ========  ===============================================================
client_id              yes       pseudonymised client identifier (any non-blank text); the same
                                 person has the same id in every episode
area_code              yes       upper-tier local authority of residence, a UTLA code in
                                 ``data/lookups/areas.csv`` (e.g. ``E06000044`` Portsmouth)
age_at_start           yes [1]_  whole years of age on ``start_date``, 0-120
sex                    yes       ``male``, ``female``, ``other``, ``not_stated``
substance_group        yes       the four NDTMS adult groups: ``opiate``, ``non_opiate_only``,
                                 ``non_opiate_and_alcohol``, ``alcohol_only`` (young people's
                                 episodes use the same four)
referral_source        yes       ``self``, ``education``, ``youth_offending``,
                                 ``criminal_justice``, ``gp``, ``social_care``, ``health``,
                                 ``other``
start_date             yes       date the episode started (triage / first intervention)
exit_date              no        date the episode ended; blank while still in treatment
exit_reason            no        blank exactly when ``exit_date`` is blank, else one of
                                 ``completed_free_of_dependence`` (NDTMS "successful
                                 completion - drug free", "- alcohol free" and "- occasional
                                 user (not opiates or crack)"), ``dropped_out``,
                                 ``transferred``, ``died``, ``prison``, ``treatment_declined``,
                                 ``other``
representation_date    no        date the client next presented to treatment after this exit;
                                 blank if they have not (or the episode is open)
date_of_birth          optional  accepted only to derive ``age_at_start`` [1]_
notes                  optional  free text from the case system: read, never validated,
                                 dropped on load, never output
synthetic              optional  marks demo data: when present, every line must say
                                 ``synthetic demo data`` (a file cannot mix real and synthetic
                                 episodes); the tidy rows' ``source`` then begins with it
=====================  ========  ===============================================================

.. [1] ``age_at_start`` is preferred: a date of birth is a direct identifier and the
   derivations need only the age. Some provider systems export dates of birth rather than
   ages, so a file may carry ``date_of_birth`` instead of (or as well as) ``age_at_start``;
   the age is then computed as completed years on ``start_date`` (both present: they must
   agree) and the date of birth is dropped on load, so it never travels further.

Any other column is refused (rename it or remove it): the template is strict so that renamed
columns are caught and no unexpected identifiers are carried along.

Rules checked on load, besides the values above: the file is UTF-8 (not UTF-16) and not empty;
every row has the header's fields (a row cut short means a truncated file); dates are real
calendar dates and not in the future; ``exit_date`` is not before ``start_date``; ``representation_date`` needs an
``exit_date`` and is not before it; one episode per client per ``start_date``; and a
successful completion followed in the file by another episode of the same client (starting on
or after the exit) has a ``representation_date`` on or before that episode's start.

Derived indicators (tidy ``indicator_id``, ``age``, ``category``)
-----------------------------------------------------------------

For each area, each quarter end Q and the 12 months W = [Q.rolling_12m()] ending there. An
episode is an adult's when ``age_at_start`` >= 18, a young person's when under 18; adult and
young people's counts are kept apart (as NDTMS's two datasets are), so a client with episodes
in both age bands in W counts in each. All counts are distinct clients.

* ``episodes_adults_in_treatment`` (18+): clients with an episode overlapping W
  (``start_date`` <= end of W and ``exit_date`` blank or >= start of W). A client is counted
  in one substance group: that of their latest-starting episode overlapping W, so the groups
  add up to the total (``category`` ``""``).
* ``episodes_completions`` (18+): clients with an episode that exited in W as
  ``completed_free_of_dependence`` and whose ``representation_date`` is blank or more than 6
  calendar months after that exit (re-presenting on or before exit + 6 months, month ends
  clipped, e.g. 31 Aug -> 28/29 Feb, disqualifies). Reported in the client's group as above;
  ``denominator`` is the adults in treatment in W (the Fingertips denominator), ``value`` the
  percentage, with Wilson limits.
* ``episodes_representations`` (18+ and <18): clients with a completion exiting in W who did
  re-present within 6 months (the completions the rule above excludes).
* ``episodes_yp_in_treatment`` (<18): as adults, by referral source of the latest episode.
* ``episodes_yp_completions`` (<18): as adults; total only.
* ``episodes_new_presentations`` (18+ by substance, <18 by referral source): clients with an
  episode starting in W.

Whether an exit re-presents within 6 months is known only 6 months later. The numbers follow
the Fingertips definition (completions in W, re-presentations up to 6 months after each exit,
whenever that falls), so for a quarter whose end + 6 months is after ``as_at`` (the extract
date: by default the latest date in the file) some re-presentations cannot be seen yet:
completions are then too high and re-presentations too low. Those rows are kept, with
``value_note`` saying they are provisional.

Counts are raw here; small-number suppression is applied downstream (``disclosure.py``).
"""

from .fields import (
    ADULT_AGE,
    ADULTS_IN_TREATMENT,
    AGE_ADULTS,
    AGE_YP,
    COMPLETED,
    COMPLETIONS,
    DATE_COLUMNS,
    EXIT_REASONS,
    FIELDS,
    INDICATORS,
    KIND,
    MAX_AGE,
    NDTMS_COMPLETION_REASONS,
    NEW_PRESENTATIONS,
    NO_DENOMINATOR_NOTE,
    OPTIONAL_COLUMNS,
    PROVISIONAL_NOTE,
    REFERRAL_CATEGORIES,
    REFERRAL_SOURCES,
    REPRESENTATION_MONTHS,
    REPRESENTATIONS,
    REQUIRED_COLUMNS,
    SEXES,
    SUBSTANCE_CATEGORIES,
    SUBSTANCE_GROUPS,
    SYNTHETIC_COLUMN,
    YP_COMPLETIONS,
    YP_IN_TREATMENT,
)
from .indicators import derive_indicators, indicators_from_file
from .reader import load_episodes, validate_episodes

__all__ = [
    "ADULTS_IN_TREATMENT",
    "ADULT_AGE",
    "AGE_ADULTS",
    "AGE_YP",
    "COMPLETED",
    "COMPLETIONS",
    "DATE_COLUMNS",
    "EXIT_REASONS",
    "FIELDS",
    "INDICATORS",
    "KIND",
    "MAX_AGE",
    "NDTMS_COMPLETION_REASONS",
    "NEW_PRESENTATIONS",
    "NO_DENOMINATOR_NOTE",
    "OPTIONAL_COLUMNS",
    "PROVISIONAL_NOTE",
    "REFERRAL_CATEGORIES",
    "REFERRAL_SOURCES",
    "REPRESENTATIONS",
    "REPRESENTATION_MONTHS",
    "REQUIRED_COLUMNS",
    "SEXES",
    "SUBSTANCE_CATEGORIES",
    "SUBSTANCE_GROUPS",
    "SYNTHETIC_COLUMN",
    "YP_COMPLETIONS",
    "YP_IN_TREATMENT",
    "derive_indicators",
    "indicators_from_file",
    "load_episodes",
    "validate_episodes",
]
