"""Addresses and area types of the Fingertips and FingertipsNext APIs, apart from their
clients so that ``cdp-analysis fetch --help`` can show them without importing requests or
pandas (:mod:`.fingertips_api` and :mod:`.fingertipsnext` re-export them)."""

#: The current Fingertips API.
FINGERTIPS_BASE_URL = "https://fingertips.phe.org.uk/api"
#: Fingertips area type ids: upper-tier local authorities (2023 boundaries), England.
UTLA_AREA_TYPE, ENGLAND_AREA_TYPE = 502, 15
#: FingertipsNext has no public production address in its repository (pass --base-url);
#: this is the address its OpenAPI definition names for the mock server.
FINGERTIPSNEXT_BASE_URL = "https://fingertips-next-api/1.0.0"
