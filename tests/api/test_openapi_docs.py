"""The OpenAPI document explains itself (every property has a description, with its unit where it has one), and the
documentation pages at /docs and /redoc are the service's own: no URL of another origin, their files served with
caching, each page under a content security policy that admits its inline script by hash only."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routers.docs import PIXEL
from app.settings import Settings

COMBINATORS = ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "prefixItems")


@pytest.fixture(scope="module")
def app_client() -> TestClient:
    # neither the document nor the pages touch the database: no lifespan, no engine
    return TestClient(create_app(Settings(database_url="sqlite://")))


@pytest.fixture(scope="module")
def document(app_client: TestClient) -> dict[str, Any]:
    response = app_client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def properties(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of a schema and of the schemas inside it (items, unions, maps), named by its path."""
    if isinstance(schema, list):
        for item in schema:
            yield from properties(item, where)
        return
    if not isinstance(schema, dict):
        return
    for name, prop in (schema.get("properties") or {}).items():
        yield f"{where}.{name}", prop
        yield from properties(prop, f"{where}.{name}")
    for key in COMBINATORS:
        if key in schema:
            yield from properties(schema[key], where)


def every_property(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, schema in document["components"]["schemas"].items():
        yield from properties(schema, name)
    for path, operations in document["paths"].items():  # inline schemas: bodies, answers, parameters, headers
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                yield from properties(parameter.get("schema"), f"{where} {parameter['name']}")
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield from properties(content.get("schema"), f"{where} body {media}")
            for status, response in operation.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    yield from properties(content.get("schema"), f"{where} {status} {media}")
                for header, spec in response.get("headers", {}).items():
                    yield from properties(spec.get("schema"), f"{where} {status} {header}")


def test_every_property_has_a_description(document: dict[str, Any]):
    found = list(every_property(document))
    assert len(found) > 500  # the walk reaches the document's schemas
    missing = [where for where, prop in found if not str(prop.get("description", "")).strip()]
    assert missing == [], "properties without a description:\n" + "\n".join(missing)


# A property's name that states a unit or range, and what its description must then say.
UNITS = [
    (re.compile(r"(^|_)kg(_|$)"), re.compile(r"\bkg\b"), "kg"),
    (re.compile(r"(^|_)km(_|$)"), re.compile(r"\bkm\b"), "km"),
    (re.compile(r"(^|_)sek$"), re.compile(r"\bSEK\b"), "SEK"),
    (re.compile(r"^share"), re.compile(r"0–1|fraction"), "its range 0–1"),
    (re.compile(r"^(score|score_from|score_to)$"), re.compile(r"0–100"), "its range 0–100"),
]


def test_units_and_ranges_are_stated(document: dict[str, Any]):
    unstated = []
    for where, prop in every_property(document):
        name, text = where.rsplit(".", 1)[-1], str(prop.get("description", ""))
        for in_name, in_text, what in UNITS:
            if in_name.search(name) and not name.endswith(("_source", "_basis")) and not in_text.search(text):
                unstated.append(f"{where}: {what}")
        formats = {prop.get("format")} | {p.get("format") for p in prop.get("anyOf", []) if isinstance(p, dict)}
        if formats & {"date", "date-time"} and not re.search(r"YYYY-MM-DD|UTC|ISO 8601|RFC 3339", text):
            unstated.append(f"{where}: how the date is written")
    assert unstated == [], "descriptions that do not say:\n" + "\n".join(unstated)


def test_enums_say_what_their_values_mean(document: dict[str, Any]):
    schemas = document["components"]["schemas"]
    for name in ("Kind", "Mode", "Answer", "Severity", "Recommendation", "Status", "DecisionKind", "FocusArea",
                 "PartnerStatus", "Fuel", "Cabin"):
        text = schemas[name].get("description", "")
        assert all(value in text for value in schemas[name]["enum"]), name


def test_a_value_that_is_not_ascii_gets_an_ascii_constant_name(document: dict[str, Any]):
    named = {name: schema for name, schema in document["components"]["schemas"].items() if "x-enum-varnames" in schema}
    for schema in named.values():
        assert [n.isascii() and n.isupper() for n in schema["x-enum-varnames"]] == [True] * len(schema["enum"])
    for schema in document["components"]["schemas"].values():
        if any(isinstance(v, str) and not v.isascii() for v in schema.get("enum", [])):
            assert "x-enum-varnames" in schema


# -- the documentation pages --------------------------------------------------------------------------------------

URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']|spec-url\s*=\s*["']([^"']+)["']""")


def inline_script_hashes(html: str) -> set[str]:
    return {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)}


def policy(response: Any) -> dict[str, str]:
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in
            response.headers["content-security-policy"].split(";")) if d}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_pages_reference_nothing_outside_the_service(app_client: TestClient, page: str):
    response = app_client.get(page)
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert re.findall(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.IGNORECASE) == []
    references = [next(g for g in m.groups() if g) for m in URL.finditer(html)]
    assert "/openapi.json" in references and len(references) >= 3
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        served = app_client.get(reference)
        assert served.status_code == 200, reference
    directives = policy(response)
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'" and directives["base-uri"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert set(directives["script-src"].split()) == {"'self'"} | inline_script_hashes(html)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_swagger_ui_starts_on_the_document_without_the_validator_badge(app_client: TestClient):
    html = app_client.get("/docs").text
    [script] = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert "url: '/openapi.json'" in script and '"validatorUrl": null' in script
    assert "'sha256-" in app_client.get("/docs").headers["content-security-policy"]


def test_the_framework_pages_are_not_served_instead(app_client: TestClient):
    assert app_client.app.docs_url is None and app_client.app.redoc_url is None  # FastAPI's CDN pages are off
    for page in ("/docs", "/redoc"):
        assert "content-security-policy" in app_client.get(page).headers  # the service's own page answers
    assert app_client.get("/docs/oauth2-redirect").status_code == 404
    assert not any(path.startswith(("/docs", "/redoc")) for path in app_client.get("/openapi.json").json()["paths"])


@pytest.mark.parametrize(("name", "media_type"), [
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"), ("swagger-ui.css", "text/css; charset=utf-8"),
    ("redoc.standalone.js", "text/javascript; charset=utf-8"), ("favicon.png", "image/png"),
])
def test_the_pages_files_are_cached_by_version(app_client: TestClient, name: str, media_type: str):
    page = app_client.get("/docs" if "redoc" not in name else "/redoc").text
    [versioned] = re.findall(rf"/docs/static/{re.escape(name)}\?v=[0-9a-f]+", page)
    plain = app_client.get(f"/docs/static/{name}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.headers["content-type"] == media_type
    assert plain.headers["cache-control"] == "public, max-age=300, must-revalidate"
    version = versioned.rsplit("=", 1)[1]
    assert version == hashlib.sha256(plain.content).hexdigest()[:16]
    current = app_client.get(versioned, headers={"Accept-Encoding": "identity"})
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.content == plain.content
    again = app_client.get(versioned, headers={"If-None-Match": current.headers["etag"],
                                               "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("name", ["swagger-ui-bundle.js", "redoc.standalone.js", "swagger-ui.css"])
def test_scripts_and_styles_are_sent_compressed_when_accepted(app_client: TestClient, name: str):
    plain = app_client.get(f"/docs/static/{name}", headers={"Accept-Encoding": "identity"})
    with app_client.stream("GET", f"/docs/static/{name}", headers={"Accept-Encoding": "gzip"}) as raw:
        compressed = b"".join(raw.iter_raw())
        headers = raw.headers
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(compressed) == plain.content and len(compressed) < len(plain.content) / 2
    assert headers["etag"] != plain.headers["etag"]
    refused = app_client.get(f"/docs/static/{name}", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize("name", ["index.html", "..%2F..%2Fcore.py", "core.py", "swagger-ui-bundle.js.map", "x.js"])
def test_nothing_else_of_the_package_is_served(app_client: TestClient, name: str):
    response = app_client.get(f"/docs/static/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_redoc_asks_nothing_of_redoclys_cdn(app_client: TestClient):
    original = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    assert original.count(b"https://cdn.redoc.ly/") == 1  # the sidebar's logo: the one thing it would load
    served = app_client.get("/docs/static/redoc.standalone.js", headers={"Accept-Encoding": "identity"}).content
    assert served == original.replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", PIXEL)  # a transparent pixel
