"""Fingertips API client: downloads indicator data as the CSV the site exports.

One endpoint is used::

    {base_url}/all_data/csv/by_indicator_id?indicator_ids=90244,90245
        &child_area_type_id=502&parent_area_type_id=15

(502 = upper-tier local authorities, "Counties & UAs (from Apr 2023)"; 15 = England). The
answer is the 27-column Fingertips CSV, read with :func:`cdp_analysis.sources.fingertips.
read_fingertips_csv`.

Behaviour:

* at most :data:`MAX_IDS_PER_CALL` (100) indicator ids per request; longer lists are split;
* a ``requests.Session`` with urllib3 ``Retry``: connection errors, read errors and HTTP 429,
  500, 502, 503 and 504 are retried ``retries`` times with exponential back-off
  (``backoff`` x 2^n seconds; a ``Retry-After`` header is honoured); connect and read
  timeouts on every request;
* a cache under ``data/cache/fingertips/`` (git-ignored), one file per URL (named by the URL's
  SHA-256), written atomically (temporary file, then rename), only **after** the answer has
  passed every check below; entries older than ``max_age`` seconds are fetched again, and
  ``refresh=True`` ignores the cache;
* a :class:`~cdp_analysis.errors.FetchError` saying what happened and what to do when the
  network is unavailable, the server keeps failing or times out, or the answer is an HTML
  page, empty (zero bytes, or a header without rows: a known failure mode that other clients
  pass on silently), not UTF-8, truncated or malformed, missing columns, or lacks some of the
  requested indicators;
* one progress line per request on stderr when stderr is a terminal.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from ..errors import FetchError, InputError
from ..paths import default_data_dir
from .api_defaults import ENGLAND_AREA_TYPE, FINGERTIPS_BASE_URL, UTLA_AREA_TYPE
from .fingertips import read_fingertips_csv

DEFAULT_BASE_URL = FINGERTIPS_BASE_URL
ENDPOINT = "all_data/csv/by_indicator_id"
MAX_IDS_PER_CALL = 100
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Upper-tier local authorities (Counties & UAs from April 2023) and England.

_USER_AGENT = f"cdp-analysis/{__version__} (Combating Drugs Partnership reports)"
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass
class Download:
    """A validated download: the CSV text (header once, every chunk's rows) and its URLs."""

    text: str
    urls: list[str] = field(default_factory=list)
    from_cache: list[bool] = field(default_factory=list)
    retrieved_at: str = ""  # when the oldest answer was downloaded (cache entries: their time)
    missing: list[str] = field(default_factory=list)  # requested ids without rows


def default_cache_dir(data_dir: str | Path | None = None) -> Path:
    """``<data>/cache/fingertips`` (git-ignored)."""
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return base / "cache" / "fingertips"


def normalise_ids(indicator_ids: Iterable[int | str]) -> list[str]:
    """Indicator ids as sorted, distinct strings of digits; FetchError for anything else."""
    ids = [str(i).strip() for i in indicator_ids]
    bad = [i for i in ids if not i.isdigit()]
    if bad:
        raise FetchError(
            f"Fingertips indicator ids must be whole numbers such as 90245; got {bad}."
        )
    if not ids:
        raise FetchError("No Fingertips indicator ids were given.")
    return sorted(set(ids), key=int)


class FingertipsClient:
    """Downloads Fingertips data by indicator id (see the module notes for behaviour).

    ``timeout`` is seconds, or ``(connect, read)`` seconds. ``retries`` is the number of
    retries after the first attempt; ``backoff`` the back-off factor in seconds. ``data_dir``
    is the data folder whose ``lookups/areas.csv`` validates area codes (default: bundled).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        cache_dir: str | Path | None = None,
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retries: int = 4,
        backoff: float = 1.0,
        *,
        max_age: float | None = 24 * 3600,
        refresh: bool = False,
        use_cache: bool = True,
        chunk_size: int = MAX_IDS_PER_CALL,
        progress: bool | None = None,
        data_dir: str | Path | None = None,
    ) -> None:
        if not 1 <= chunk_size <= MAX_IDS_PER_CALL:
            raise ValueError(f"chunk_size must be 1-{MAX_IDS_PER_CALL}")
        self.base_url = base_url.rstrip("/")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_age = max_age
        self.refresh = refresh
        self.use_cache = use_cache
        self.chunk_size = chunk_size
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.data_dir = data_dir
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            backoff_factor=backoff,
            backoff_max=60,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": _USER_AGENT, "Accept": "text/csv, */*;q=0.1"})

    # ------------------------------------------------------------------ public

    def url(
        self,
        indicator_ids: Iterable[int | str],
        child_area_type_id: int = UTLA_AREA_TYPE,
        parent_area_type_id: int = ENGLAND_AREA_TYPE,
    ) -> str:
        """The request URL for up to 100 indicator ids."""
        ids = ",".join(normalise_ids(indicator_ids))
        return (
            f"{self.base_url}/{ENDPOINT}?indicator_ids={ids}"
            f"&child_area_type_id={int(child_area_type_id)}"
            f"&parent_area_type_id={int(parent_area_type_id)}"
        )

    def fetch_csv(
        self,
        indicator_ids: Iterable[int | str],
        child_area_type_id: int = UTLA_AREA_TYPE,
        parent_area_type_id: int = ENGLAND_AREA_TYPE,
        *,
        allow_missing: bool = False,
        on_chunk: Callable[[list[str], int, bool], None] | None = None,
    ) -> Download:
        """Download and check every chunk; return the combined CSV text (for writing to
        ``data/``). Raises FetchError on any failure; then nothing is cached for the bad
        chunk (good chunks stay cached). ``on_chunk(ids, rows, from_cache)`` is called after
        each chunk has passed its checks (``cdp-analysis fetch`` counts its progress so)."""
        ids = normalise_ids(indicator_ids)
        chunks = [ids[i : i + self.chunk_size] for i in range(0, len(ids), self.chunk_size)]
        texts, urls, cached, missing, times = [], [], [], [], []
        for n, chunk in enumerate(chunks, start=1):
            url = self.url(chunk, child_area_type_id, parent_area_type_id)
            self._say(f"Fingertips: request {n}/{len(chunks)} ({len(chunk)} indicators)...")
            text, hit, rows, absent = self._get(url, chunk, allow_missing)
            times.append(self._cache_path(url).stat().st_mtime if hit else time.time())
            self._say(f"  {rows} rows{' (from cache)' if hit else ''}")
            if on_chunk is not None:
                on_chunk(chunk, rows, hit)
            texts.append(text)
            urls.append(url)
            cached.append(hit)
            missing += absent
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(min(times)))
        return Download(_combine(texts), urls, cached, stamp, missing)

    def fetch(
        self,
        indicator_ids: Iterable[int | str],
        child_area_type_id: int = UTLA_AREA_TYPE,
        parent_area_type_id: int = ENGLAND_AREA_TYPE,
        *,
        allow_missing: bool = False,
    ) -> pd.DataFrame:
        """Download the indicators and return them as a validated tidy table."""
        dl = self.fetch_csv(
            indicator_ids, child_area_type_id, parent_area_type_id, allow_missing=allow_missing
        )
        name = f"API download {dl.retrieved_at[:10]}"
        return read_fingertips_csv(dl.text.encode("utf-8"), name=name, data_dir=self.data_dir)

    # ------------------------------------------------------------------ internals

    def _say(self, msg: str) -> None:
        if self.progress:
            print(msg, file=sys.stderr, flush=True)

    def _cache_path(self, url: str) -> Path:
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.csv"

    def _get(self, url: str, ids: list[str], allow_missing: bool) -> tuple[str, bool, int, list]:
        """(CSV text, came from cache, data rows, requested ids without rows) for one URL,
        checked. An answer lacking a requested id is an error unless ``allow_missing``; it is
        not cached then (the API may have failed quietly)."""
        path = self._cache_path(url)
        if self.use_cache and not self.refresh and path.is_file():
            fresh = self.max_age is None or time.time() - path.stat().st_mtime <= self.max_age
            if fresh:
                try:
                    text, table = self._check(url, path.read_bytes(), "text/csv")
                    absent = _absent(ids, table, url, allow_missing)
                    return text, True, len(table), absent
                except FetchError:
                    path.unlink(missing_ok=True)  # damaged or incomplete: fetch again
        body, content_type = self._request(url)
        text, table = self._check(url, body, content_type)
        absent = _absent(ids, table, url, allow_missing)
        if self.use_cache:
            write_atomic(path, body)
        return text, False, len(table), absent

    def _request(self, url: str) -> tuple[bytes, str]:
        host = urlsplit(url).netloc
        tries = f"after {self.retries} retr{'y' if self.retries == 1 else 'ies'}"
        try:
            resp = self.session.get(url, timeout=self.timeout)
            body = resp.content
        except requests.exceptions.ConnectTimeout:
            raise FetchError(
                f"Could not connect to {host} within {self.timeout[0]:g} s ({tries}). "
                "Check the network connection and try again later."
            ) from None
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as exc:
            if "timed out" in str(exc).lower():
                raise FetchError(
                    f"{host} did not answer within {self.timeout[1]:g} s ({tries}). The "
                    "Fingertips API may be busy; try again later, or ask for fewer indicators."
                ) from None
            raise FetchError(
                f"Could not reach {host} ({tries}): the network is unavailable or the server "
                f"is down. Check the connection (and any proxy settings) and try again. "
                f"Detail: {_short(exc)}"
            ) from None
        except requests.exceptions.ChunkedEncodingError as exc:
            raise FetchError(
                f"The answer from {host} was cut short ({_short(exc)}). Nothing was saved; "
                "try again later."
            ) from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"Download from {host} failed: {_short(exc)}") from None
        if resp.status_code != 200:
            raise FetchError(
                f"{host} answered HTTP {resp.status_code} {resp.reason or ''}".rstrip()
                + f" ({tries}) for {url}. The Fingertips API may be down or the request "
                "wrong; try again later, and check the indicator ids and area types."
            )
        return body, resp.headers.get("Content-Type", "")

    def _check(self, url: str, body: bytes, content_type: str) -> tuple[str, pd.DataFrame]:
        """The answer as text and as a tidy table; FetchError when it is not a complete,
        valid Fingertips CSV."""
        where = f"The Fingertips API answer for {url}"
        if not body.strip():
            raise FetchError(
                f"{where} was empty (0 bytes of data). Nothing was saved; try again later."
            )
        start = body.lstrip(b"\xef\xbb\xbf \t\r\n")
        if "html" in content_type.lower() or start.startswith(b"<"):
            title = _TITLE_RE.search(body)
            said = (
                f' ("{title.group(1).decode("utf-8", "replace").strip()[:120]}")' if title else ""
            )
            raise FetchError(
                f"{where} was a web page{said}, not CSV: probably an error or maintenance "
                "page. Nothing was saved; try again later, and check --base-url."
            )
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FetchError(f"{where} was not UTF-8 text. Nothing was saved.") from None
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) < 2:
            raise FetchError(
                f"{where} had a header but no data rows: none of the indicators has data for "
                "this area type, or the API failed quietly. Nothing was saved; check the ids "
                "and area types, and try again later."
            )
        try:
            table = read_fingertips_csv(body, name="API answer", data_dir=self.data_dir)
        except InputError as exc:
            raise FetchError(
                f"{where} is not a complete, valid Fingertips CSV (nothing was saved):\n{exc}"
            ) from None
        return text, table


def _absent(ids: list[str], table: pd.DataFrame, url: str, allow_missing: bool) -> list[str]:
    """Requested ids with no rows in the answer; FetchError unless ``allow_missing``."""
    got = set(table["indicator_id"])
    absent = [i for i in ids if i not in got]
    if absent and not allow_missing:
        q = dict(p.split("=", 1) for p in urlsplit(url).query.split("&") if "=" in p)
        raise FetchError(
            f"Fingertips returned no rows for indicator(s) {', '.join(absent)} at area type "
            f"{q.get('child_area_type_id', '?')} (parent {q.get('parent_area_type_id', '?')}). "
            "Nothing was saved. Check the ids on https://fingertips.phe.org.uk/ and that they "
            "are published for that area type, or leave them out (or use --allow-missing)."
        )
    return absent


def _combine(texts: list[str]) -> str:
    """One CSV from several answers: the header once, then every answer's rows."""
    if len(texts) == 1:
        return texts[0]
    headers = [t.split("\n", 1)[0].rstrip("\r") for t in texts]
    if len(set(headers)) == 1:
        parts = [texts[0]] + [t.split("\n", 1)[1] if "\n" in t else "" for t in texts[1:]]
        return "".join(p if p.endswith("\n") else p + "\r\n" for p in parts if p)
    frames = [pd.read_csv(io.StringIO(t), dtype=str, keep_default_na=False) for t in texts]
    return (
        pd.concat(frames, ignore_index=True).fillna("").to_csv(index=False, lineterminator="\r\n")
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "..."
