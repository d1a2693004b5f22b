"""The real service for the browser tests: `vagval serve` in a subprocess on a free port over a fresh SQLite file, keys
made with `vagval keys create`, proposals and decisions stored through the API, and Debian's Chromium driven by
Playwright. Without /usr/bin/chromium the tests skip, unless VAGVAL_REQUIRE_BROWSER is set: then they fail."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import EXAMPLES, make_key, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Moved a year earlier, so that the year filter has two years to choose from.
EARLIER = {"kemi-school-exchange", "oulu-study-visit-train", "ubc-gdansk"}
# The officer's decisions: (example, decision). Every reason is substantive (SPEC §4), so departures are allowed too.
DECISIONS = [
    ("arctic-mayors-forum-tromso", "approved"),
    ("brussels-conference-on-teams", "rejected"),  # turned into a digital meeting
    ("china-trade-delegation", "rejected"),
    ("kemi-school-exchange", "approved"),
    ("oulu-study-visit-train", "approved"),
    ("sern-bologna", "approved"),
    ("incomplete-draft", "approved"),  # a departure from needs_information
    ("zenica-dormant-twin-town", "returned"),
]
REASON = "Decided by the steering group after reading the screening and the motivations in full."


@dataclass
class Service:
    url: str
    viewer: str
    officer: str
    submitters: dict[str, str]
    log: Path
    proposals: dict[str, str] = field(default_factory=dict)  # example name -> proposal id

    def get(self, path: str, key: str | None = None, **params: Any) -> Any:
        response = httpx.get(self.url + path, params=params, headers=auth(key or self.viewer), timeout=30)
        response.raise_for_status()
        return response.json()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session", autouse=True)
def chromium() -> Path:
    """Debian's Chromium, or a skip (a failure when VAGVAL_REQUIRE_BROWSER is set) saying how to get it."""
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} is absent: install Debian's chromium (scripts/install-chromium.sh, or "
                   "apt-get install chromium) to run the dashboard's browser tests")
        if os.environ.get("VAGVAL_REQUIRE_BROWSER"):
            pytest.fail(message + " (VAGVAL_REQUIRE_BROWSER is set)", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


def example(name: str) -> dict[str, Any]:
    body = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    if name in EARLIER:
        for date in ("start_date", "end_date"):
            if body.get(date):
                body[date] = f"{int(body[date][:4]) - 1}{body[date][4:]}"
    return body


def seed(service: Service) -> None:
    """Every example stored by its department's submitter, and the officer's decisions, all through the API."""
    with httpx.Client(base_url=service.url, timeout=60) as client:
        for path in sorted(EXAMPLES.glob("*.json")):
            body = example(path.stem)
            response = client.post("/v1/proposals", json=body, headers=auth(service.submitters[body["department"]]))
            assert response.status_code == 201, response.text
            service.proposals[path.stem] = response.json()["id"]
        for name, decision in DECISIONS:
            pid = service.proposals[name]
            current = client.get(f"/v1/proposals/{pid}", headers=auth(service.officer))
            assert current.status_code == 200, current.text
            response = client.post(f"/v1/proposals/{pid}/decision", json={"decision": decision, "reason": REASON},
                                   headers={**auth(service.officer), "If-Match": current.headers["ETag"]})
            assert response.status_code in (200, 201), response.text


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The running service with its keys and seeded data; stopped at the end of the session."""
    folder = tmp_path_factory.mktemp("dashboard")
    env = {**os.environ, "VAGVAL_DATABASE_URL": f"sqlite:///{folder / 'x.db'}"}
    departments = sorted({json.loads(p.read_text(encoding="utf-8"))["department"] for p in EXAMPLES.glob("*.json")})
    viewer = make_key(env, "viewer", "Styrgruppen (webbläsartest)")
    officer = make_key(env, "officer", "Handläggare (webbläsartest)")
    submitters = {d: make_key(env, "submitter", f"Inlämnare {d}", d) for d in departments}
    with serve(env, folder) as url:
        running = Service(url=url, viewer=viewer, officer=officer, submitters=submitters, log=folder / "server.log")
        seed(running)
        yield running


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
