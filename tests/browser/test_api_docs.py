"""The API's documentation pages in a real headless Chromium against the real service: /docs (Swagger UI) lists the
operations and opens one, /redoc renders the document, with every request to another origin refused (and none
tried), under the pages' own content security policies (a violation is a console error), and no console errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.live import serve, server_env


@dataclass
class Visit:
    page: Any
    origin: str
    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests to other origins: {self.outside}"
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.requests and all(urlsplit(u).scheme in ("http", "blob", "data") for u in self.requests)


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("api-docs")
    with serve(server_env(folder), folder) as url:
        yield url


@pytest.fixture
def visit(browser: Any, docs_url: str) -> Iterator[Visit]:
    """A fresh page whose requests outside the service's origin are aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(docs_url))
    seen = Visit(page=page, origin=origin)

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("data:", "blob:")) or "{0.scheme}://{0.netloc}".format(urlsplit(url)) == origin:
            r.continue_()
        else:
            seen.outside.append(url)
            r.abort()

    context.route("**/*", route)
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
    yield seen
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


def test_swagger_ui_lists_the_operations_offline(visit: Visit, docs_url: str):
    page = visit.page
    page.goto(docs_url + "/docs")
    create = page.locator("#operations-proposals-create_proposal")
    create.wait_for(state="visible", timeout=30_000)
    assert create.locator(".opblock-summary-method").inner_text() == "POST"
    assert create.locator(".opblock-summary-path").inner_text().replace("\u200b", "") == "/v1/proposals"
    assert "Store and screen a proposal" in create.inner_text()
    assert page.locator("#operations-screenings-create_screening").is_visible()
    assert page.locator(".opblock").count() >= 30
    # opened, it explains itself and offers the examples
    create.locator(".opblock-summary").click()
    create.get_by_text("Screen a proposal under the active policy and store both").wait_for(timeout=30_000)
    assert create.locator("select").first.is_visible()  # the request body's examples
    assert page.title() == "Vägval – API (Swagger UI)"
    assert screenshot(page, "api-docs-swagger.png").stat().st_size > 10_000
    visit.assert_clean()
    assert any(u.endswith("/openapi.json") for u in visit.requests)
    assert any("/docs/static/swagger-ui-bundle.js?v=" in u for u in visit.requests)


def test_redoc_renders_the_document_offline(visit: Visit, docs_url: str):
    page = visit.page
    page.goto(docs_url + "/redoc")
    page.get_by_role("heading", name="Store and screen a proposal").first.wait_for(state="visible", timeout=60_000)
    assert page.locator("h1").first.inner_text().startswith("Vägval")
    menu = page.locator("[role=menuitem], .menu-content li").all_inner_texts()
    assert any("Screen a proposal without storing it" in text for text in menu)
    # its search runs in a worker made from a blob: URL, which the page's policy allows
    page.get_by_placeholder("Search...").fill("decision")
    page.get_by_text("Decide on a screened proposal", exact=False).first.wait_for(state="visible", timeout=30_000)
    assert page.title() == "Vägval – API (ReDoc)"
    assert screenshot(page, "api-docs-redoc.png").stat().st_size > 10_000
    visit.assert_clean()
    assert any("/docs/static/redoc.standalone.js?v=" in u for u in visit.requests)
