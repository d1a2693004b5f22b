"""The dashboard in a real headless Chromium against the real service (SPEC §8): the figures and tables equal the stats
endpoints', the language switch, the year filter, the key kept in sessionStorage only, downloads, nothing requested
outside the origin, no console errors, and a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.dashboard.charts import format_number
from tests.browser.conftest import ARTIFACTS, DECISIONS, EXAMPLES, Service, auth

FIGURES = ("fig-proposals", "fig-share-approved", "fig-co2e", "fig-co2e-approved", "fig-avoided", "fig-share-digital")
CHARTS = ("month", "department", "goal")


@dataclass
class Dashboard:
    page: Any
    service: Service
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def wait_loaded(self, filters: str = "", lang: str = "sv") -> None:
        loaded = f'main[aria-busy="false"][data-loaded-filters="{filters}"][data-loaded-lang="{lang}"]'
        self.page.wait_for_selector(loaded, state="attached", timeout=30_000)

    def figures(self) -> dict[str, str]:
        return self.page.evaluate(
            "ids => Object.fromEntries(ids.map(id => [id, document.getElementById(id).dataset.value]))", list(FIGURES))

    def table(self, name: str) -> list[dict[str, Any]]:
        return self.page.evaluate("""name => [...document.querySelectorAll(`#table-${name} tbody tr`)].map(tr => ({
            key: tr.dataset.key, label: tr.querySelector('th').textContent,
            values: [...tr.querySelectorAll('td[data-value]')].map(td => td.dataset.value)}))""", name)

    def select(self, selector: str, value: str, lang: str = "sv") -> None:
        self.page.select_option(selector, value)
        year = self.page.input_value("#filter-year")
        department = self.page.input_value("#filter-department")
        filters = "&".join(f"{k}={v}" for k, v in (("year", year), ("department", department)) if v)
        self.wait_loaded(f"?{filters}" if filters else "", lang)


def expected_figures(summary: dict[str, Any]) -> dict[str, float | None]:
    return {
        "fig-proposals": summary["proposals"],
        "fig-share-approved": summary["share_approved"],
        "fig-co2e": summary["co2e_kg"],
        "fig-co2e-approved": summary["co2e_kg_approved"],
        "fig-avoided": round(summary["avoided_digital_kg"] + summary["avoided_mode_shift_kg"], 1),
        "fig-share-digital": summary["share_turned_digital"],
    }


def assert_figures(dashboard: Dashboard, summary: dict[str, Any]) -> None:
    shown = dashboard.figures()
    for name, value in expected_figures(summary).items():
        if value is None:
            assert shown[name] == "", name
        else:
            assert shown[name] != "" and float(shown[name]) == pytest.approx(value, abs=1e-9), name


def key(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.fixture(scope="module")
def dashboard(service: Service, browser: Any) -> Iterator[Dashboard]:
    """The page opened with the viewer key entered through the form, every request and console message recorded."""
    page = httpx.get(service.url + "/dashboard")
    assert page.status_code == 200, f"GET /dashboard answered {page.status_code}: is app.routers.dashboard included?"
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    board = Dashboard(page=page, service=service)
    page.on("request", lambda r: board.requests.append(r.url))
    page.on("console", lambda m: board.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: board.page_errors.append(str(e)))
    page.goto(service.url + "/dashboard")
    page.get_by_label("API-nyckel", exact=True).fill(service.viewer)
    page.get_by_role("button", name="Visa siffrorna").click()
    board.wait_loaded()
    yield board
    context.close()


def test_the_page_is_served_with_a_strict_policy(service: Service):
    page = httpx.get(service.url + "/dashboard")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline: the CSP would refuse it
    script = httpx.get(service.url + "/dashboard/static/dashboard.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "max-age" in script.headers["cache-control"]
    again = httpx.get(service.url + "/dashboard/static/dashboard.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(service.url + "/dashboard/static/dashboard.css").headers["content-type"].startswith("text/css")
    for name in ("index.html", "..%2F..%2Fmain.py", "charts.py", "nothing.js"):
        assert httpx.get(f"{service.url}/dashboard/static/{name}").status_code == 404, name


def test_the_figures_equal_the_summary(dashboard: Dashboard):
    summary = dashboard.service.get("/v1/stats/summary")
    assert summary["proposals"] == len(list(EXAMPLES.glob("*.json"))) and summary["decided"] > 0
    assert_figures(dashboard, summary)
    # shown as Swedish writes numbers, as the server's charts do
    assert dashboard.page.text_content("#fig-co2e") == format_number(summary["co2e_kg"], "sv", 1) + "\u00a0kg"
    assert dashboard.page.text_content("#fig-proposals") == format_number(summary["proposals"], "sv")


def test_every_chart_has_its_table_and_summary_with_the_endpoints_numbers(dashboard: Dashboard):
    for dimension in CHARTS:
        rows = dashboard.service.get(f"/v1/stats/by/{dimension}")["rows"]
        assert rows, dimension
        table = dashboard.table(dimension)
        assert [r["key"] for r in table] == [key(r["key"]) for r in rows], dimension
        for shown, row in zip(table, rows, strict=True):
            assert shown["label"] == row["label_sv"]
            assert [float(v) for v in shown["values"]] == [row["co2e_kg"], row["co2e_kg_approved"], row["proposals"]]
        bars = dashboard.page.eval_on_selector_all(f"#svg-{dimension} svg g.bar", "gs => gs.map(g => g.dataset.key)")
        assert bars == [key(r["key"]) for r in rows], dimension  # the server's SVG, inlined
        assert dashboard.page.get_attribute(f"#svg-{dimension} svg", "role") == "img"
        assert dashboard.page.text_content(f"#summary-{dimension}").startswith("Störst är ")
    summary = dashboard.service.get("/v1/stats/summary")
    for name, counts in (("recommendation", summary["by_recommendation"]), ("status", summary["by_status"])):
        table = dashboard.table(name)
        assert {r["key"]: float(r["values"][0]) for r in table} == {k: float(v) for k, v in counts.items()}
        assert dashboard.page.eval_on_selector_all(f"#svg-{name} svg g.bar", "gs => gs.length") == len(counts)
        assert dashboard.page.text_content(f"#summary-{name}")
    captions = dashboard.page.eval_on_selector_all("table caption", "cs => cs.map(c => c.textContent.trim())")
    assert len(captions) == len(CHARTS) + 3 and all(captions)
    assert dashboard.page.eval_on_selector_all("thead th", "ths => ths.every(th => th.scope === 'col')")


def test_the_latest_decisions_are_listed_newest_first(dashboard: Dashboard):
    items = dashboard.service.get("/v1/stats/decisions", limit=10)["items"]
    shown = dashboard.page.eval_on_selector_all("#table-decisions tbody tr", "trs => trs.map(tr => tr.dataset.id)")
    assert shown == [i["id"] for i in items] and len(items) == len(DECISIONS)


def test_changing_the_year_shows_that_years_figures(dashboard: Dashboard):
    everything = dashboard.service.get("/v1/stats/summary")
    years = [str(r["key"]) for r in dashboard.service.get("/v1/stats/by/year")["rows"]]
    offered = dashboard.page.eval_on_selector_all("#filter-year option", "os => os.map(o => o.value)")
    assert offered == ["", *years] and len(years) >= 2
    year = years[0]
    dashboard.select("#filter-year", year)
    summary = dashboard.service.get("/v1/stats/summary", year=year)
    assert summary["proposals"] != everything["proposals"]
    assert_figures(dashboard, summary)
    month = dashboard.service.get("/v1/stats/by/month", year=year)["rows"]
    assert [r["key"] for r in dashboard.table("month")] == [key(r["key"]) for r in month]
    department = dashboard.service.get("/v1/stats/by/department", year=year)["rows"][0]["key"]
    dashboard.select("#filter-department", department)
    assert_figures(dashboard, dashboard.service.get("/v1/stats/summary", year=year, department=department))
    dashboard.select("#filter-department", "")
    dashboard.select("#filter-year", "")
    assert_figures(dashboard, everything)


def test_english_on_the_switch(dashboard: Dashboard):
    page = dashboard.page
    heading = page.text_content("h1")
    page.click("#lang-switch")
    dashboard.wait_loaded(lang="en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h1") != heading and "international work" in page.text_content("h1")
    assert page.text_content("#lang-switch") == "Svenska" and page.get_attribute("#lang-switch", "lang") == "sv"
    rows = dashboard.service.get("/v1/stats/by/department")["rows"]
    assert [r["label"] for r in dashboard.table("department")] == [r["label_en"] for r in rows]
    assert page.text_content("#summary-month").startswith("The largest is ")
    assert page.get_attribute("#svg-month svg", "lang") == "en"  # the server's chart, asked for in English
    assert_figures(dashboard, dashboard.service.get("/v1/stats/summary"))
    assert page.evaluate("sessionStorage.getItem('vagval.lang')") == "en"
    page.click("#lang-switch")
    dashboard.wait_loaded(lang="sv")
    assert page.get_attribute("html", "lang") == "sv"


def test_a_report_downloads_with_the_key_and_the_export_is_hidden_for_a_viewer(dashboard: Dashboard):
    page = dashboard.page
    assert page.is_hidden("#export-buttons")
    assert "läsarnyckel" in page.text_content("#export-scope")
    with page.expect_download() as info:
        page.click('button[data-download="climate"][data-format="csv"]')
    download = info.value
    assert download.suggested_filename.startswith("klimatrapport") and download.suggested_filename.endswith(".csv")
    assert download.url.startswith("blob:")
    assert Path(download.path()).read_text(encoding="utf-8").strip()
    page.wait_for_function("document.getElementById('status').textContent.includes('nedladdad')")


def test_the_controls_are_reached_by_keyboard_with_a_visible_focus(dashboard: Dashboard):
    page = dashboard.page
    page.reload()  # the key stays for the tab's session; focus navigation starts again at the top
    dashboard.wait_loaded()
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e);
            return {id: e.id || e.getAttribute('href') || e.tagName, outline: s.outlineStyle, width: s.outlineWidth};
        }"""))
    ids = [s["id"] for s in seen]
    assert ids[0] == "#main"  # the skip link first
    assert {"lang-switch", "forget-key", "filter-year", "filter-department"} <= set(ids)
    assert all(s["outline"] != "none" and s["width"] != "0px" for s in seen), seen


def test_the_key_stays_in_session_storage_and_nothing_leaves_the_origin(dashboard: Dashboard):
    page, service = dashboard.page, dashboard.service
    assert page.evaluate("sessionStorage.getItem('vagval.apiKey')") == service.viewer
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert service.viewer not in stored and stored == "[]"
    assert service.viewer not in page.evaluate("document.cookie")
    assert dashboard.requests and all(service.viewer not in url for url in dashboard.requests + [page.url])
    outside = [u for u in dashboard.requests if not u.startswith((service.url + "/", "blob:", "data:"))]
    assert outside == []
    assert dashboard.console_errors == [] and dashboard.page_errors == []


def test_a_screenshot_is_saved(dashboard: Dashboard):
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "dashboard.png"
    target.unlink(missing_ok=True)
    dashboard.page.screenshot(path=str(target), full_page=True)
    assert target.exists() and target.stat().st_size > 10_000


def test_a_rejected_key_is_forgotten_and_asked_for_again(service: Service, browser: Any):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(service.url + "/dashboard")
    page.evaluate("sessionStorage.setItem('vagval.apiKey', 'vgv_not-a-key')")
    page.reload()
    page.wait_for_selector("#login:not([hidden])")
    assert page.is_visible("#api-key") and page.is_hidden("#content")
    assert "Nyckeln godtogs inte" in page.text_content("#error")
    assert page.evaluate("sessionStorage.getItem('vagval.apiKey')") is None
    page.get_by_label("API-nyckel", exact=True).fill(service.viewer)
    page.keyboard.press("Enter")
    page.wait_for_selector("main[aria-busy='false'][data-loaded-filters='']", state="attached")
    assert page.is_visible("#fig-proposals")
    # a refused filter: the problem's detail is shown as text
    page.evaluate("""() => { const o = document.createElement('option');
        o.value = '1800'; o.textContent = '1800'; document.getElementById('filter-year').append(o); }""")
    page.select_option("#filter-year", "1800")
    page.wait_for_selector("#error:not([hidden])")
    problem = httpx.get(service.url + "/v1/stats/summary", params={"year": 1800}, headers=auth(service.viewer))
    assert problem.status_code == 422
    assert page.text_content("#error") == "Något gick fel: " + problem.json()["detail"]
    page.click("#forget-key")
    assert page.evaluate("sessionStorage.getItem('vagval.apiKey')") is None and page.is_visible("#api-key")
    assert errors == []
    context.close()
