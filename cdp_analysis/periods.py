"""Reporting periods with real dates.

Financial-year quarters follow NDTMS: Q1 is April-June, Q4 is January-March. The project's
quarter label is ``2025-26Q4`` (financial year 2025/26, quarter 4, ending 31 March 2026);
``2025/26 Q4`` is accepted too. Rolling 12-month periods end at a quarter end.

Period strings from the sources are parsed to ``(start, end)`` dates:

========================  ==============================================
``2017``                  calendar year 2017
``2019-21``, ``2022 - 24``  three calendar years (ONS registrations, Fingertips)
``2024/25``               financial year April 2024 - March 2025
``2024/25 Q3``            rolling 12 months ending at the quarter's end
                          (``range_="1q"``: the quarter alone)
========================  ==============================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*Q([1-4])\s*$", re.IGNORECASE)
_FY_RE = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*$")
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*$")
_MULTIYEAR_RE = re.compile(r"^\s*(\d{4})\s*-\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: ``Quarter(2025, 4)`` is January-March 2026."""

    fy_start: int
    q: int

    def __post_init__(self) -> None:
        if not 1 <= self.q <= 4:
            raise ValueError(f"quarter must be 1-4, got {self.q}")

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """Parse ``2025-26Q4`` or ``2025/26 Q4``; raise ValueError otherwise."""
        m = _QUARTER_RE.match(str(label))
        if not m:
            raise ValueError(
                f"'{label}' is not a quarter label (expected like 2025-26Q4: financial year "
                "2025/26, quarter 4 = January-March 2026)"
            )
        start, end2, q = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if (start + 1) % 100 != end2:
            raise ValueError(f"'{label}': {start}-{end2:02d} is not a financial year")
        return cls(start, q)

    @classmethod
    def containing(cls, d: date | pd.Timestamp) -> Quarter:
        """The quarter that contains date ``d``."""
        d = pd.Timestamp(d)
        fy = d.year if d.month >= 4 else d.year - 1
        q = (d.month - 4) % 12 // 3 + 1
        return cls(fy, q)

    @property
    def label(self) -> str:
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}Q{self.q}"

    @property
    def fingertips_label(self) -> str:
        return f"{self.fy_start}/{(self.fy_start + 1) % 100:02d} Q{self.q}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.q - 1)
        year = self.fy_start + (month > 12)
        return date(year, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        nxt = self.shift(1).start
        return (pd.Timestamp(nxt) - pd.Timedelta(days=1)).date()

    def shift(self, n: int) -> Quarter:
        idx = self.fy_start * 4 + (self.q - 1) + n
        return Quarter(idx // 4, idx % 4 + 1)

    def rolling_12m(self) -> tuple[date, date]:
        """Start and end of the 12 months ending at this quarter's end."""
        return self.shift(-3).start, self.end

    def __str__(self) -> str:
        return self.label


def fingertips_quarter_labels(period_end: pd.Series) -> pd.Series:
    """:attr:`Quarter.fingertips_label` of the quarter containing each date, vectorised.

    ``period_end`` is a datetime Series; the result is a Series of labels like
    ``2025/26 Q4`` on the same index (``Quarter.containing(d).fingertips_label`` for each
    ``d``, worked column-wise rather than row by row).
    """
    month = period_end.dt.month
    fy = period_end.dt.year - (month < 4)
    q = (month - 4) % 12 // 3 + 1
    return fy.astype(str) + "/" + ((fy + 1) % 100).astype(str).str.zfill(2) + " Q" + q.astype(str)


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.shift(1)
    return out


def financial_year(label: str) -> tuple[date, date]:
    """``2022/23`` -> (1 April 2022, 31 March 2023)."""
    m = _FY_RE.match(str(label))
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"'{label}' is not a financial year (expected like 2022/23)")
    y = int(m.group(1))
    return date(y, 4, 1), date(y + 1, 3, 31)


def parse_period(label: str, range_: str | None = None) -> tuple[date, date]:
    """Parse a source's period string to (start, end) dates; ValueError when unknown."""
    text = str(label).strip()
    m = _QUARTER_RE.match(text)
    if m:
        q = Quarter.parse(text)
        if range_ and range_.strip().lower() in {"1q", "3m", "quarter"}:
            return q.start, q.end
        return q.rolling_12m()
    if _FY_RE.match(text):
        return financial_year(text)
    m = _YEAR_RE.match(text)
    if m:
        y = int(m.group(1))
        return date(y, 1, 1), date(y, 12, 31)
    m = _MULTIYEAR_RE.match(text)
    if m:
        y0 = int(m.group(1))
        tail = m.group(2)
        y1 = int(tail) if len(tail) == 4 else (y0 // 100) * 100 + int(tail)
        if y1 < y0:
            y1 += 100
        if not 0 < y1 - y0 < 10:
            raise ValueError(f"'{label}' is not a period of years")
        return date(y0, 1, 1), date(y1, 12, 31)
    raise ValueError(
        f"'{label}' is not a recognised period (expected e.g. 2017, 2019-21, 2022 - 24, "
        "2024/25 or 2024/25 Q3)"
    )
