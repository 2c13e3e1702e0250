"""Standard populations for direct age standardisation.

``ESP2013`` is the 2013 European Standard Population in 19 five-year bands (0-4, 5-9, ...,
85-89, 90+), totalling 100,000. These are the published figures (Eurostat, "Revision of the
European Standard Population", 2013), as distributed with PHEindicatormethods and used by
ONS for age-standardised mortality rates.
"""

from __future__ import annotations

import pandas as pd

_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
_WEIGHTS = [
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
]  # fmt: skip

#: 2013 European Standard Population: a float Series indexed by age band label.
ESP2013: pd.Series = pd.Series(
    [float(w) for w in _WEIGHTS], index=pd.Index(_BANDS, name="age_band"), name="esp2013"
)
ESP2013.flags.allows_duplicate_labels = False
