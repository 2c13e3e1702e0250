"""FingertipsNext source: answers that validate against FingertipsNext's own OpenAPI schema
(vendored excerpt, MIT, in tests/fixtures/fingertipsnext/) become a Fingertips export that
the build reads; `fetch --service fingertipsnext` writes it where the build picks it up."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from openapi_schema_validator import OAS30Validator, validate

from cdp_analysis.cli import main as cli_main
from cdp_analysis.errors import FetchError
from cdp_analysis.paths import default_data_dir
from cdp_analysis.sources import fingertipsnext as ftn
from cdp_analysis.sources.fingertips import read_fingertips_csv

FIX = Path(__file__).parent / "fixtures" / "fingertipsnext"
SPEC = yaml.safe_load((FIX / "fingertipsAPI_health_data.yaml").read_text())
ANSWERS = json.loads((FIX / "TEST_FIXTURE_invented_92432_responses.json").read_text())


def _schema(name: str) -> dict:
    """A component schema with its #/components refs resolvable (the whole spec as root)."""
    return {**SPEC, "$ref": f"#/components/schemas/{name}"}


def _response_schema() -> dict:
    op = SPEC["paths"]["/indicators/{indicator_id}/data"]["get"]
    return op["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("which", ["utla", "england"])
def test_fixture_answers_validate_against_the_openapi_schema(which):
    assert _response_schema() == {"$ref": "#/components/schemas/IndicatorWithHealthDataForArea"}
    validate(ANSWERS[which], _schema("IndicatorWithHealthDataForArea"), cls=OAS30Validator)


def test_schema_rejects_a_broken_answer():
    bad = json.loads(json.dumps(ANSWERS["utla"]))
    del bad["areaHealthData"][0]["areaCode"]
    with pytest.raises(Exception, match="areaCode"):
        validate(bad, _schema("IndicatorWithHealthDataForArea"), cls=OAS30Validator)
    with pytest.raises(FetchError, match="areaCode"):
        ftn.to_fingertips_rows(bad)


def test_answers_become_a_valid_fingertips_export():
    text = ftn.rows_to_csv(
        ftn.to_fingertips_rows(ANSWERS["utla"]) + ftn.to_fingertips_rows(ANSWERS["england"])
    )
    assert text.splitlines()[0].split(",") == ftn.HEADER and len(ftn.HEADER) == 27
    df = read_fingertips_csv(text.encode(), name="next.csv")
    port = df[(df["area_code"] == "E06000044") & (df["period_label"] == "2022 - 24")].iloc[0]
    assert (port["count"], port["value"], port["lower_95"], port["upper_95"]) == (31, 5.0, 3.4, 7.1)
    assert port["area_type"] == "UTLA" and port["age"] == "All ages"
    assert set(df["period_label"]) == {"2019 - 21", "2022 - 24"}


def test_period_labels():
    assert (
        ftn.period_label({"type": "Calendar", "from": "2022-01-01", "to": "2024-12-31"}, "")
        == "2022 - 24"
    )
    assert (
        ftn.period_label({"type": "Calendar", "from": "2024-01-01", "to": "2024-12-31"}, "")
        == "2024"
    )
    assert (
        ftn.period_label({"type": "Financial", "from": "2024-04-01", "to": "2025-03-31"}, "")
        == "2024/25"
    )


class _Server:
    def __init__(self):
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                q = parse_qs(urlsplit(self.path).query)
                body = ANSWERS["england" if q.get("area_type") == ["england"] else "utla"]
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_fetch_service_fingertipsnext_writes_where_the_build_reads(tmp_path, capsys):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data, ignore=shutil.ignore_patterns("cache"))
    srv = _Server()
    try:
        rc = cli_main(["fetch", "--service", "fingertipsnext", "--base-url", srv.url,
                       "--indicators", "92432", "--data", str(data)])  # fmt: skip
    finally:
        srv.httpd.shutdown()
    assert rc == 0, capsys.readouterr()
    assert srv.requests and srv.requests[0].startswith("/indicators/92432/data?")
    written = sorted((data / "fingertips").glob("fingertips_api_*.csv"))
    assert len(written) == 1
    meta = json.loads(written[0].with_suffix(".json").read_text())
    assert meta["service"] == "fingertipsnext" and meta["retrieved_at"]
    from cdp_analysis import indicator_table

    table = indicator_table.build(data)
    row = table[(table["indicator_id"] == "deaths_drug_misuse")
                & (table["area_code"] == "E06000044") & (table["period_label"] == "2022 - 24")]  # fmt: skip
    assert len(row) == 1 and "downloaded" in row.iloc[0]["source"]
