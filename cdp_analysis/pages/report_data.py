"""Everything one area's report pages need, loaded once per process.

:func:`load_report` reads the data folder (via :mod:`cdp_analysis.indicator_table`), the
catalogue and the targets, prepares the all-areas assessment context and assesses the area.
The all-areas work is cached per (data folder contents, targets file, quarter), so a warm
report kernel that runs five notebooks for many areas pays for it once; the last few areas'
reports are kept too (until an input changes), so an area's later pages in the same kernel
reuse its assessment. A :class:`Report` is shared, then: pages read it and never change it.
The report pages (:mod:`cdp_analysis.pages.sections`) take the returned :class:`Report` and
never read files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

import pandas as pd

from .. import areas, disclosure, indicator_table, tidy
from ..assessment import Assessment, NationalContext, assess_area, prepare
from ..errors import CdpError
from ..indicator_table import resolve_quarter
from ..paths import default_data_dir
from ..periods import Quarter
from ..plan import plans as plans_module
from ..plan.catalogue import Catalogue, Measure, Plan, load_indicators, load_targets
from ..tidy import ENGLAND_CODE


@dataclass
class Report:
    """One area's assessed data for one reporting quarter."""

    area_code: str
    area_name: str
    region_code: str
    region_name: str
    quarter: Quarter
    data_dir: Path
    catalogue: Catalogue
    plan: Plan | None
    context: NationalContext
    assessment: Assessment
    comparator_label: str = ""  # e.g. "other councils in the South East"
    comparator_kind: str = "region"  # region | similar (a similar-areas lookup) | chosen

    @property
    def has_plan(self) -> bool:
        """Whether the area has its own plan (else the pack uses the national frame)."""
        return self.plan is not None and self.plan.area_code == self.area_code

    @property
    def summary(self) -> pd.DataFrame:
        """The RAG summary: one row per measure of the plan."""
        return self.assessment.summary

    @property
    def comparators(self) -> list[str]:
        return self.assessment.comparator_codes

    def measure(self, measure_id: str) -> Measure:
        return self.catalogue.get(measure_id)

    def summary_row(self, measure_id: str) -> pd.Series:
        rows = self.summary[self.summary["measure_id"] == measure_id]
        if rows.empty:
            raise CdpError(f"measure '{measure_id}' is not in the RAG summary")
        return rows.iloc[0]

    def series(self, measure_id: str, area_codes: list[str] | None = None) -> pd.DataFrame:
        """The measure's headline series (tidy rows) for the area, or for ``area_codes``."""
        s = self.context.measure_series(measure_id)
        codes = area_codes if area_codes is not None else [self.area_code]
        return s[s["area_code"].isin(codes)].copy()

    def all_areas(self, measure_id: str) -> pd.DataFrame:
        """Every area's headline series for the measure (England, regions, UTLAs)."""
        return self.context.measure_series(measure_id).copy()

    def latest_all_areas(self, measure_id: str) -> pd.DataFrame:
        """Every area's rows for the period of this area's latest value."""
        row = self.summary_row(measure_id)
        s = self.all_areas(measure_id)
        return s[s["period_label"] == row["period_label"]].copy()

    def supplementary(self, indicator_id: str) -> pd.DataFrame:
        """Context rows that are not plan measures (see indicator_table.SUPPLEMENTARY);
        rows derived from local record-level data are suppressed like the measures."""
        rows = indicator_table.supplementary(self.data_dir, indicator_id)
        if indicator_id.startswith("episodes_"):
            rows = disclosure.apply_to_local_rows(rows)
        return rows

    def has_data(self, measure_id: str) -> bool:
        """Whether the area has a value for the measure (in any period)."""
        return measure_id in self._measures_with_values

    def has_england(self, measure_id: str) -> bool:
        return measure_id in self._measures_with_england

    # Pages ask these questions hundreds of times: the answers are found once per report.
    @cached_property
    def _measures_with_values(self) -> frozenset:
        s = self.context.series
        s = s[s["area_code"].isin([self.area_code]) & s["value"].notna()]
        return frozenset(s["measure_id"].dropna().astype(str))

    @cached_property
    def _measures_with_england(self) -> frozenset:
        s = self.context.series
        return frozenset(
            s.loc[s["area_code"].isin([ENGLAND_CODE]), "measure_id"].dropna().astype(str)
        )

    def data_mix(self, measure_ids: list[str] | None = None) -> str:
        """``"synthetic"``, ``"mixed"`` or ``"real"``: whether the area's rows shown for these
        measures (default: all) are all synthetic demo data, some, or none."""
        if not self.synthetic(measure_ids):
            return "real"
        s = self.context.series
        s = s[s["area_code"] == self.area_code]
        if measure_ids is not None:
            s = s[s["measure_id"].isin(measure_ids)]
        s = s[s["value"].notna()]
        fake = tidy.is_synthetic(s["source"].fillna("").astype(str))
        return "mixed" if (~fake).any() else "synthetic"

    def synthetic(self, measure_ids: list[str] | None = None) -> bool:
        """Whether any row shown for these measures (default: all) is synthetic demo data."""
        s = self.summary
        if measure_ids is not None:
            s = s[s["measure_id"].isin(measure_ids)]
        return bool(s["synthetic"].fillna(False).astype(bool).any())


#: The optional similar-areas lookup (CIPFA nearest neighbours, ONS area classification...).
COMPARATORS_LOOKUP = areas.COMPARATORS_FILE


def comparator_kind(area_code: str, comparators: list[str] | None, data_dir: Path) -> str:
    """``chosen`` (``--comparators``), ``similar`` (the area is listed in a published
    similar-areas lookup, ``lookups/comparators.csv``) or ``region`` (the default)."""
    if comparators:
        return "chosen"
    if areas.listed_comparators(area_code, data_dir):
        return "similar"
    return "region"


def comparator_label(
    area_code: str, region_name: str, comparators: list[str] | None, data_dir: Path
) -> str:
    """What the comparators are, in readers' words: "similar areas" only for a published
    similar-areas lookup, "the comparison areas chosen for this report" for
    ``--comparators``, else "other councils in the <region>"."""
    kind = comparator_kind(area_code, comparators, data_dir)
    if kind == "similar":
        return "similar areas"
    if kind == "chosen":
        return "the comparison areas chosen for this report"
    if region_name == "London":
        return "other London boroughs"
    the = "" if region_name.startswith("Yorkshire") else "the "
    return f"other councils in {the}{region_name}"


def choose_plan(plans: list[Plan], area_code: str, quarter: Quarter) -> Plan | None:
    """The area's own plan for the reporting quarter, or None (the national frame): see
    :func:`cdp_analysis.plan.plans.choose_plan`. Another area's plan is never applied."""
    return plans_module.choose_plan(plans, area_code, quarter)


@cache
def _national(data_dir: Path, targets_file: Path, quarter: Quarter, digest: str):
    table = indicator_table.load(data_dir)
    # pandas deep-copies ``attrs`` (the file log) into every frame derived from the table,
    # which cost a quarter of a page's chart time; the report reads the log elsewhere.
    table.attrs = {}
    catalogue = load_indicators(data_dir / "indicators.yaml")
    plans = load_targets(targets_file, catalogue)
    context = prepare(table, catalogue, quarter, data_dir, disclose=disclosure.apply_to_series)
    return catalogue, plans, context


def load_report(
    area_code: str,
    quarter: str | Quarter = "latest",
    data_dir: str | Path | None = None,
    targets_file: str | Path | None = None,
    comparators: list[str] | str | None = None,
) -> Report:
    """Load, assess and return one area's report data (see module docstring).

    ``comparators``: area codes (a list, or one string separated by spaces or commas) to
    compare with instead of the default (:func:`cdp_analysis.areas.comparators`)."""
    if isinstance(comparators, str):
        comparators = comparators.replace(",", " ").split() or None
    data_dir = Path(data_dir or default_data_dir()).resolve()
    targets_file = Path(targets_file or data_dir / "targets.yaml").resolve()
    areas.area(area_code, data_dir)  # an unknown code is refused before anything is read
    q = resolve_quarter(quarter, data_dir)
    digest = indicator_table.digest(data_dir) + str(targets_file.stat().st_mtime_ns)
    chosen = tuple(comparators) if comparators else None
    return _report(
        area_code, q, data_dir, targets_file, chosen, digest, _stamps(area_code, data_dir)
    )


def _stamps(area_code: str, data_dir: Path) -> tuple:
    """What else a report reads that the digest does not cover: the area's own plan file
    and the lookups (comparators), by modification time and size."""
    files = [plans_module.area_plan_file(area_code, data_dir), *(data_dir / "lookups").glob("*")]
    out = []
    for f in sorted(files):
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


@lru_cache(maxsize=4)
def _report(
    area_code: str,
    q: Quarter,
    data_dir: Path,
    targets_file: Path,
    comparators: tuple[str, ...] | None,
    digest: str,
    stamps: tuple,
) -> Report:
    # Kept for the next notebooks of the same area in this process: a pack's five pages all
    # load the same report, and assessing the area was a quarter of a page's time (profiled).
    comparators = list(comparators) if comparators else None
    me = areas.area(area_code, data_dir)
    catalogue, plans, context = _national(data_dir, targets_file, q, digest)
    mine = plans_module.plans_for_area(area_code, plans, data_dir, catalogue)
    plan = choose_plan(mine, area_code, q)
    assessment = assess_area(
        None, catalogue, plan, area_code, q, comparators, data_dir=data_dir, context=context
    )
    return Report(
        comparator_label=comparator_label(area_code, me["parent_name"], comparators, data_dir),
        comparator_kind=comparator_kind(area_code, comparators, data_dir),
        area_code=area_code,
        area_name=me["area_name"],
        region_code=me["parent_code"],
        region_name=me["parent_name"],
        quarter=q,
        data_dir=data_dir,
        catalogue=catalogue,
        plan=plan,
        context=context,
        assessment=assessment,
    )
