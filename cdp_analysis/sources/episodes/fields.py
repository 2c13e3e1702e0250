"""The episodes data dictionary as constants: columns, allowed codes, indicator ids and notes.

The column-by-column dictionary is the docstring of :mod:`cdp_analysis.sources.episodes`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KIND = "record-level treatment episodes"

# --- the data dictionary ---------------------------------------------------------------------

SUBSTANCE_GROUPS = ("opiate", "non_opiate_only", "non_opiate_and_alcohol", "alcohol_only")
REFERRAL_SOURCES = (
    "self", "education", "youth_offending", "criminal_justice", "gp", "social_care", "health",
    "other",
)  # fmt: skip
COMPLETED = "completed_free_of_dependence"
EXIT_REASONS = (
    COMPLETED, "dropped_out", "transferred", "died", "prison", "treatment_declined", "other",
)  # fmt: skip
SEXES = ("male", "female", "other", "not_stated")

#: NDTMS discharge reasons recorded here as ``completed_free_of_dependence``.
NDTMS_COMPLETION_REASONS = (
    "successful completion - drug free",
    "successful completion - alcohol free",
    "successful completion - occasional user (not opiates or crack)",
)

#: Tidy ``category`` labels for each code.
SUBSTANCE_CATEGORIES = {
    "opiate": "Substance: opiate",
    "non_opiate_only": "Substance: non-opiate only",
    "non_opiate_and_alcohol": "Substance: non-opiate and alcohol",
    "alcohol_only": "Substance: alcohol only",
}
REFERRAL_CATEGORIES = {
    "self": "Referral source: Self",
    "education": "Referral source: Education",
    "youth_offending": "Referral source: Youth offending",
    "criminal_justice": "Referral source: Criminal justice",
    "gp": "Referral source: GP",
    "social_care": "Referral source: Social care",
    "health": "Referral source: Health",
    "other": "Referral source: Other",
}

SYNTHETIC_COLUMN = "synthetic"
REQUIRED_COLUMNS = [
    "client_id", "area_code", "age_at_start", "sex", "substance_group", "referral_source",
    "start_date", "exit_date", "exit_reason", "representation_date",
]  # fmt: skip
OPTIONAL_COLUMNS = ["date_of_birth", "notes", SYNTHETIC_COLUMN]
DATE_COLUMNS = ["start_date", "exit_date", "representation_date"]

#: Columns of the frame :func:`load_episodes` returns (``line``: the CSV line number).
FIELDS = [*REQUIRED_COLUMNS, "line"]

ADULT_AGE = 18
MAX_AGE = 120
REPRESENTATION_MONTHS = 6

# --- indicators ------------------------------------------------------------------------------

ADULTS_IN_TREATMENT = "episodes_adults_in_treatment"
COMPLETIONS = "episodes_completions"
REPRESENTATIONS = "episodes_representations"
YP_IN_TREATMENT = "episodes_yp_in_treatment"
YP_COMPLETIONS = "episodes_yp_completions"
NEW_PRESENTATIONS = "episodes_new_presentations"
INDICATORS = (
    ADULTS_IN_TREATMENT, COMPLETIONS, REPRESENTATIONS, YP_IN_TREATMENT, YP_COMPLETIONS,
    NEW_PRESENTATIONS,
)  # fmt: skip
AGE_ADULTS, AGE_YP = "18+ yrs", "<18 yrs"

PROVISIONAL_NOTE = (
    "Provisional: re-presentations up to 6 months after exit cannot all be seen yet "
    "(records to {as_at})"
)
NO_DENOMINATOR_NOTE = "Not calculated: no one in treatment in the period"


def days(s: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970-01-01 (int64); NaT becomes a large negative number."""
    return s.to_numpy().astype("datetime64[D]").astype(np.int64)
