"""FingertipsNext (OHID's replacement for Fingertips) -> the Fingertips CSV the project reads.

FingertipsNext publishes an OpenAPI 3.0 API (``dhsc-govuk/FingertipsNext``,
``api/definition/fingertipsAPI.yaml``). One endpoint is used::

    {base_url}/indicators/{indicator_id}/data?area_type=counties-and-unitary-authorities
        &ancestor_code=E92000001              (every upper-tier LA)
    {base_url}/indicators/{indicator_id}/data?area_codes=E92000001&area_type=england

Each answer is an ``IndicatorWithHealthDataForArea``: ``areaHealthData[]`` (``areaCode``,
``areaName``, ``indicatorSegments[]`` of ``sex``, ``age``, ``reportingPeriod`` and
``healthData[]`` points with ``datePeriod {type, from, to}``, ``count``, ``value``,
``lowerCi``, ``upperCi``). :func:`to_fingertips_rows` turns it into rows of the 27-column
Fingertips export, so a FingertipsNext download is written, validated and read exactly like
a Fingertips one (``cdp-analysis fetch --service fingertipsnext``).

Mapping: the period label from the date period (``ThreeYearly`` calendar 2022-01-01 to
2024-12-31 -> ``2022 - 24``; ``Yearly`` calendar -> ``2024``; financial -> ``2024/25``);
area type from the code (``E92`` England, ``E12`` Region, else "Counties & UAs (from Apr
2023)"); sex and age from the segment; only the aggregate deprivation point of each period
(``deprivation.isAggregate``) is kept. An answer that lacks a required field is refused with
a :class:`~cdp_analysis.errors.FetchError` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from ..errors import FetchError
from .api_defaults import FINGERTIPSNEXT_BASE_URL
from .fingertips_api import RETRY_STATUSES

#: The FingertipsNext API has no public production address in its repository; pass
#: ``--base-url``. This is the address its OpenAPI definition names for the mock server.
DEFAULT_BASE_URL = FINGERTIPSNEXT_BASE_URL
UTLA_AREA_TYPE = "counties-and-unitary-authorities"
ENGLAND_AREA_TYPE = "england"
ENGLAND = "E92000001"

#: The 27 columns of a Fingertips "all areas" export, in its order.
HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit",
    "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Column not used", "Time period Sortable",
    "New data", "Compared to goal", "Time period range",
]  # fmt: skip
_RANGE = {"Yearly": "1y", "TwoYearly": "2y", "ThreeYearly": "3y", "FiveYearly": "5y",
          "Quarterly": "1q", "Monthly": "1m"}  # fmt: skip


def _need(obj: dict, key: str, where: str):
    if not isinstance(obj, dict) or key not in obj:
        raise FetchError(
            f"FingertipsNext answer {where} has no '{key}' (the API's "
            "IndicatorWithHealthDataForArea schema requires it): the API may have changed; "
            "check the base URL and the FingertipsNext API definition."
        )
    return obj[key]


def period_label(period: dict, reporting: str) -> str:
    """Fingertips-style label of a FingertipsNext date period."""
    start = date.fromisoformat(str(_need(period, "from", "datePeriod"))[:10])
    end = date.fromisoformat(str(_need(period, "to", "datePeriod"))[:10])
    kind = period.get("type", "Calendar")
    if kind in ("Financial", "FinancialMultiYear", "FinancialYearEndPoint"):
        if end.year - start.year <= 1:
            return f"{start.year}/{str(end.year)[2:]}"
        return (
            f"{start.year}/{str(start.year + 1)[2:]} - {str(end.year - 1)[2:]}/{str(end.year)[2:]}"
        )
    if start.year == end.year:
        return str(start.year)
    return f"{start.year} - {str(end.year)[2:]}"


def _area_type(code: str) -> str:
    if code == ENGLAND:
        return "England"
    if code.startswith("E12"):
        return "Region"
    return "Counties & UAs (from Apr 2023)"


def _num(x) -> str:
    """A number as the export writes it ("" for none, 46 not 46.0)."""
    if x is None:
        return ""
    text = repr(float(x))
    return text.removesuffix(".0")


def to_fingertips_rows(payload: dict) -> list[list[str]]:
    """Rows (without header) of the Fingertips export for one FingertipsNext answer."""
    ind = str(_need(payload, "indicatorId", "top level"))
    name = str(payload.get("name", ""))
    rows = []
    for area in _need(payload, "areaHealthData", "top level") or []:
        code = str(_need(area, "areaCode", "areaHealthData[]"))
        area_name = str(_need(area, "areaName", "areaHealthData[]"))
        for seg in _need(area, "indicatorSegments", f"area {code}") or []:
            sex = _need(_need(seg, "sex", f"area {code} segment"), "value", "sex")
            age = _need(_need(seg, "age", f"area {code} segment"), "value", "age")
            reporting = str(_need(seg, "reportingPeriod", f"area {code} segment"))
            for point in seg.get("healthData") or []:
                dep = point.get("deprivation") or {}
                if dep and not dep.get("isAggregate", True):
                    continue
                label = period_label(_need(point, "datePeriod", f"area {code} point"), reporting)
                r = dict.fromkeys(HEADER, "")
                r.update({
                    "Indicator ID": ind, "Indicator Name": name, "Area Code": code,
                    "Area Name": area_name, "Area Type": _area_type(code), "Sex": str(sex),
                    "Age": str(age), "Time period": label, "Value": _num(point.get("value")),
                    "Lower CI 95.0 limit": _num(point.get("lowerCi")),
                    "Upper CI 95.0 limit": _num(point.get("upperCi")),
                    "Count": _num(point.get("count")),
                    "Parent Code": "" if code == ENGLAND else ENGLAND,
                    "Parent Name": "" if code == ENGLAND else "England",
                    "Recent Trend": str(point.get("trend", "")),
                    "Time period Sortable": label[:4] + "0000",
                    "Time period range": _RANGE.get(reporting, ""),
                })  # fmt: skip
                rows.append([r[c] for c in HEADER])
    return rows


def rows_to_csv(rows: Iterable[list[str]]) -> str:
    """The Fingertips CSV text (header first) of rows from :func:`to_fingertips_rows`."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue()


class FingertipsNextClient:
    """Downloads indicator data from a FingertipsNext API (retries as the Fingertips client)."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, timeout=(15.0, 120.0), retries=4):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        retry = Retry(total=retries, backoff_factor=0.5, status_forcelist=RETRY_STATUSES,
                      allowed_methods=["GET"], respect_retry_after_header=True)  # fmt: skip
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers["User-Agent"] = f"cdp-analysis/{__version__}"
        self.urls: list[str] = []

    def _get(self, indicator_id: str, params: dict) -> dict:
        url = f"{self.base_url}/indicators/{indicator_id}/data"
        try:
            resp = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise FetchError(
                f"Could not reach FingertipsNext at {self.base_url} ({type(exc).__name__}). "
                "Check the network and --base-url."
            ) from None
        self.urls.append(resp.url)
        if resp.status_code != 200:
            raise FetchError(
                f"FingertipsNext answered HTTP {resp.status_code} for indicator {indicator_id} "
                f"({resp.url}). Check the indicator id and --base-url."
            )
        try:
            return resp.json()
        except (ValueError, json.JSONDecodeError):
            raise FetchError(
                f"FingertipsNext's answer for indicator {indicator_id} is not JSON ({resp.url})."
            ) from None

    def fetch_csv(
        self,
        indicator_ids: Iterable[str],
        on_indicator: Callable[[str, int], None] | None = None,
    ) -> str:
        """The Fingertips CSV text of every indicator, for upper-tier LAs and England;
        ``on_indicator(id, rows)`` is called as each indicator's answers are in."""
        rows = []
        for ind in indicator_ids:
            got = []
            for params in (
                {"area_type": UTLA_AREA_TYPE, "ancestor_code": ENGLAND},
                {"area_codes": ENGLAND, "area_type": ENGLAND_AREA_TYPE},
            ):
                got += to_fingertips_rows(self._get(str(ind), params))
            rows += got
            if on_indicator is not None:
                on_indicator(str(ind), len(got))
        if not rows:
            raise FetchError("FingertipsNext returned no data points for the indicators asked.")
        return rows_to_csv(rows)
