"""Fingertips API client against answers served by a local HTTP server (never the live API).

The answers reuse the real export format: the header and rows of the real indicator 93495
export in tests/fixtures, with a byte-order mark as the API sends it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cdp_analysis import tidy
from cdp_analysis.errors import FetchError
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.sources.fingertips_api import MAX_IDS_PER_CALL, FingertipsClient

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "fingertips" / "indicator-93495-all-areas.csv"
BOM = b"\xef\xbb\xbf"
REAL = BOM + FIXTURE.read_bytes()


def _rows_for(ids: list[str]) -> bytes:
    """An answer with the real header and, per id, the real England and Portsmouth rows."""
    with open(FIXTURE, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if r[4] in ("E92000001", "E06000044")]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for i in ids:
        for r in body:
            w.writerow([i] + r[1:])
    return BOM + out.getvalue().encode("utf-8")


class Answer:
    def __init__(self, body=b"", status=200, ctype="text/csv; charset=utf-8", delay=0.0):
        self.body, self.status, self.ctype, self.delay = body, status, ctype, delay


class Server:
    """A scripted HTTP server: answers are taken in turn (the last one repeats); an answer
    may be a function of the requested indicator ids."""

    def __init__(self) -> None:
        self.script: list = []
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append(self.path)
                item = owner.script.pop(0) if len(owner.script) > 1 else owner.script[0]
                if callable(item):
                    ids = parse_qs(urlsplit(self.path).query)["indicator_ids"][0].split(",")
                    item = item(ids)
                if item.delay:
                    time.sleep(item.delay)
                try:
                    self.send_response(item.status)
                    self.send_header("Content-Type", item.ctype)
                    self.send_header("Content-Length", str(len(item.body)))
                    self.end_headers()
                    self.wfile.write(item.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def _client(server_or_url, tmp_path: Path, **kw) -> FingertipsClient:
    url = server_or_url.url if isinstance(server_or_url, Server) else server_or_url
    opts = dict(cache_dir=tmp_path / "cache", timeout=(2.0, 5.0), retries=2, backoff=0.001)
    opts.update(kw)
    return FingertipsClient(base_url=url, **opts)


def _cached(tmp_path: Path) -> list[Path]:
    d = tmp_path / "cache"
    return sorted(d.iterdir()) if d.is_dir() else []


def test_success_with_bom(server, tmp_path):
    server.script = [Answer(REAL)]
    df = _client(server, tmp_path).fetch([93495])
    assert len(df) == 704
    eng = df[df["area_code"] == "E92000001"].iloc[0]
    assert eng["value"] == pytest.approx(16.91715193)
    assert eng["source"].startswith("Fingertips (OHID) 93495, data to 2017 (API download ")
    path = server.requests[0]
    assert path.startswith("/api/all_data/csv/by_indicator_id?")
    assert parse_qs(urlsplit(path).query) == {
        "indicator_ids": ["93495"],
        "child_area_type_id": ["502"],
        "parent_area_type_id": ["15"],
    }


def test_raw_csv_keeps_the_published_text(server, tmp_path):
    server.script = [Answer(REAL)]
    dl = _client(server, tmp_path).fetch_csv(["93495"])
    assert dl.text == FIXTURE.read_bytes().decode("utf-8")
    assert dl.urls == [server.url + "/all_data/csv/by_indicator_id?indicator_ids=93495"
                       "&child_area_type_id=502&parent_area_type_id=15"]  # fmt: skip
    assert dl.from_cache == [False]


def test_chunks_of_at_most_100_ids(server, tmp_path):
    server.script = [lambda ids: Answer(_rows_for(ids))]
    ids = list(range(90000, 90150))
    df = _client(server, tmp_path).fetch(ids)
    sent = [parse_qs(urlsplit(p).query)["indicator_ids"][0].split(",") for p in server.requests]
    assert [len(s) for s in sent] == [MAX_IDS_PER_CALL, 50]
    assert sent[0][0] == "90000" and sent[1][-1] == "90149"
    assert df["indicator_id"].nunique() == 150
    assert len(df) == 300


def test_retries_after_503(server, tmp_path):
    server.script = [Answer(b"busy", status=503), Answer(REAL)]
    df = _client(server, tmp_path).fetch([93495])
    assert len(df) == 704
    assert len(server.requests) == 2


def test_persistent_500_fails_after_retries(server, tmp_path):
    server.script = [Answer(b"oops", status=500)]
    with pytest.raises(FetchError, match=r"HTTP 500.*after 2 retries"):
        _client(server, tmp_path).fetch([93495])
    assert len(server.requests) == 3  # the first attempt and two retries
    assert _cached(tmp_path) == []


def test_html_error_page(server, tmp_path):
    page = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head></html>"
    server.script = [Answer(page, ctype="text/html")]
    with pytest.raises(FetchError, match=r'web page \("Service Unavailable"\), not CSV'):
        _client(server, tmp_path).fetch([93495])
    assert _cached(tmp_path) == []


def test_html_body_labelled_as_csv(server, tmp_path):
    server.script = [Answer(b"\r\n<html><body>Error</body></html>")]
    with pytest.raises(FetchError, match="web page"):
        _client(server, tmp_path).fetch([93495])


def test_empty_body(server, tmp_path):
    server.script = [Answer(b"")]
    with pytest.raises(FetchError, match=r"empty \(0 bytes"):
        _client(server, tmp_path).fetch([93495])
    assert _cached(tmp_path) == []


def test_header_only(server, tmp_path):
    header = REAL.split(b"\r\n", 1)[0] + b"\r\n"
    server.script = [Answer(header)]
    with pytest.raises(FetchError, match="header but no data rows"):
        _client(server, tmp_path).fetch([93495])
    assert _cached(tmp_path) == []


def test_truncated_answer(server, tmp_path):
    server.script = [Answer(REAL[: REAL.index(b"\n", 9000) + 30])]
    with pytest.raises(FetchError, match="not a complete, valid Fingertips CSV"):
        _client(server, tmp_path).fetch([93495])
    assert _cached(tmp_path) == []


def test_missing_columns(server, tmp_path):
    server.script = [Answer(REAL.replace(b",Value note,", b",Note,", 1))]
    with pytest.raises(FetchError, match="column 'Value note' is missing"):
        _client(server, tmp_path).fetch([93495])


def test_missing_indicator(server, tmp_path):
    server.script = [lambda ids: Answer(_rows_for(ids[:1]))]
    with pytest.raises(FetchError, match="no rows for indicator\\(s\\) 90245"):
        _client(server, tmp_path).fetch([90244, 90245])
    assert _cached(tmp_path) == []  # an incomplete answer is not cached
    df = _client(server, tmp_path, use_cache=False).fetch([90244, 90245], allow_missing=True)
    assert set(df["indicator_id"]) == {"90244"}


def test_timeout(server, tmp_path):
    server.script = [Answer(REAL, delay=4.0)]
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="did not answer within 0.3 s"):
        _client(server, tmp_path, timeout=(2.0, 0.3), retries=0).fetch([93495])
    assert time.monotonic() - t0 < 3.5  # gave up well before the answer came


def test_connection_refused(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="Could not reach 127.0.0.1:.*network is unavailable"):
        _client(f"http://127.0.0.1:{port}/api", tmp_path, retries=1).fetch([93495])


def test_cache_hit_avoids_network(server, tmp_path):
    server.script = [Answer(REAL)]
    first = _client(server, tmp_path).fetch_csv([93495])
    assert len(_cached(tmp_path)) == 1 and len(server.requests) == 1
    server.close()  # any request now would fail
    again = _client(server, tmp_path).fetch_csv([93495])
    assert again.from_cache == [True] and again.text == first.text
    assert not [p for p in _cached(tmp_path) if p.suffix == ".tmp"]


def test_refresh_and_expiry_bypass_the_cache(server, tmp_path):
    server.script = [Answer(REAL)]
    _client(server, tmp_path).fetch_csv([93495])
    _client(server, tmp_path, refresh=True).fetch_csv([93495])
    _client(server, tmp_path, max_age=0).fetch_csv([93495])
    assert len(server.requests) == 3


def test_bad_answer_not_cached_then_good_one_is(server, tmp_path):
    server.script = [Answer(b"<html>down</html>", ctype="text/html"), Answer(REAL)]
    client = _client(server, tmp_path)
    with pytest.raises(FetchError):
        client.fetch([93495])
    assert _cached(tmp_path) == []
    assert len(client.fetch([93495])) == 704
    assert len(_cached(tmp_path)) == 1


def test_damaged_cache_entry_is_fetched_again(server, tmp_path):
    server.script = [Answer(REAL)]
    client = _client(server, tmp_path)
    client.fetch_csv([93495])
    _cached(tmp_path)[0].write_bytes(b"")
    assert client.fetch_csv([93495]).from_cache == [False]
    assert len(server.requests) == 2


def test_progress_lines(server, tmp_path, capsys):
    server.script = [lambda ids: Answer(_rows_for(ids))]
    _client(server, tmp_path, progress=True, chunk_size=2).fetch_csv([1, 2, 3])
    err = capsys.readouterr().err
    assert "request 1/2 (2 indicators)" in err and "request 2/2 (1 indicators)" in err


def test_bad_ids():
    with pytest.raises(FetchError, match="whole numbers"):
        FingertipsClient(cache_dir="unused").url(["90245", "abc"])


def test_synthetic_answer_rows_are_marked(server, tmp_path):
    body = _rows_for(["90244"]).replace(
        b"Value is modelled or synthetic estimate", b"synthetic demo data"
    )
    server.script = [Answer(body)]
    df = _client(server, tmp_path).fetch([90244])
    assert tidy.is_synthetic(df["source"]).all()


# --------------------------------------------------------------------------- fetch command


def _run_fetch(argv: list[str]) -> int:
    from cdp_analysis.commands import fetch

    parser = argparse.ArgumentParser()
    fetch.add_arguments(parser)
    return fetch.main(parser.parse_args(argv))


def test_fetch_command_writes_csv_and_provenance(server, tmp_path, capsys):
    server.script = [lambda ids: Answer(_rows_for(ids))]
    data = tmp_path / "data"
    argv = ["--data", str(data), "--base-url", server.url, "--indicators", "90245", "90244"]
    assert _run_fetch(argv) == 0
    written = sorted((data / "fingertips").iterdir())
    assert [p.suffix for p in written] == [".csv", ".json"]
    csv_path, meta_path = written
    assert csv_path.name.startswith("fingertips_api_20")
    raw = csv_path.read_bytes()
    assert raw.startswith(BOM) and raw[3:] == _rows_for(["90244", "90245"])[3:]
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["indicator_ids_received"] == ["90244", "90245"]
    assert meta["rows"] == 4
    assert meta["csv_sha256"] == hashlib.sha256(raw).hexdigest()
    assert "Open Government Licence" in meta["licence"]
    out = capsys.readouterr().out
    assert f"Wrote {csv_path}" in out and "90244: 2 areas, 1 periods" in out
    assert (data / "cache" / "fingertips").is_dir()


def test_fetch_command_default_ids_from_catalogue(server, tmp_path):
    server.script = [lambda ids: Answer(_rows_for(ids))]
    if not (PROJECT_ROOT / "data" / "indicators.yaml").is_file():
        pytest.skip("no catalogue yet")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(PROJECT_ROOT / "data" / "indicators.yaml", data / "indicators.yaml")
    assert _run_fetch(["--data", str(data), "--base-url", server.url]) == 0
    sent = parse_qs(urlsplit(server.requests[0]).query)["indicator_ids"][0].split(",")
    assert {"90244", "90245", "92447", "92432"} <= set(sent)
    assert sent == sorted(set(sent), key=int)


def test_yaml_fallback_reads_fingertips_ids(tmp_path):
    from cdp_analysis.commands import fetch

    path = tmp_path / "indicators.yaml"
    path.write_text(
        "measures:\n  - {id: a, source: fingertips, source_id: '93495'}\n"
        "  - {id: b, source: ons, source_id: x, fingertips_id: 91414}\n",
        encoding="utf-8",
    )
    assert sorted(fetch._yaml_ids(path)) == ["91414", "93495"]


def test_fetch_command_writes_nothing_on_failure(server, tmp_path):
    server.script = [Answer(b"<html><title>Down</title></html>", ctype="text/html")]
    data = tmp_path / "data"
    with pytest.raises(FetchError, match="web page"):
        _run_fetch(["--data", str(data), "--base-url", server.url, "--indicators", "90244"])
    assert not (data / "fingertips").exists()


def test_fetch_through_the_cli_exits_2_with_the_message(server, tmp_path, monkeypatch, capsys):
    from cdp_analysis import cli

    monkeypatch.setitem(cli._COMMANDS, "fetch", "commands.fetch")
    server.script = [Answer(b"", status=200)]
    data = tmp_path / "data"
    argv = ["fetch", "--data", str(data), "--base-url", server.url, "--indicators", "90244"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cdp-analysis fetch: The Fingertips API answer for ")
    assert "was empty (0 bytes" in err and "Traceback" not in err
    assert not (data / "fingertips").exists()


def test_fetch_command_progress_lines_and_quiet(server, tmp_path, capsys):
    """stderr is not a terminal under capsys: one line per request; --quiet: none."""
    server.script = [lambda ids: Answer(_rows_for(ids))]
    argv = [
        "--data",
        str(tmp_path / "data"),
        "--base-url",
        server.url,
        "--indicators",
        "90245",
        "90244",
    ]
    assert _run_fetch(argv) == 0
    assert capsys.readouterr().err == "[2/2] 90244, 90245: 4 rows\n"
    assert _run_fetch([*argv, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
