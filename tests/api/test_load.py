"""A burst of concurrent requests larger than the database pool and the thread pool: every request is answered.

Each sync route and sync dependency runs in a thread of a bounded pool (40 threads), and each database connection
comes from a bounded pool (worker_threads + 2, plus 10 overflow, for SQLite; 2 x db_pool_size for PostgreSQL). A request that kept its key lookup's
connection while waiting for a thread for its route deadlocked the service under such a burst: the threads were all
taken by requests waiting for a connection, and the connections by requests waiting for a thread.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import event

from tests.api.conftest import EXAMPLES

BURST = 120


def _burst(client, requests):  # noqa: ANN001, ANN202
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as http:
            return await asyncio.wait_for(asyncio.gather(*(http.request(*r[:2], **r[2]) for r in requests)), 90)

    return asyncio.run(run())


def test_a_burst_of_authenticated_requests_is_answered(client, submitter):
    body = json.loads((EXAMPLES / "sern-bologna.json").read_text(encoding="utf-8"))
    body.pop("external_ref")
    body["department"] = "kommunstaben"
    requests = []
    for i in range(BURST):
        if i % 3 == 0:
            requests.append(("GET", "/v1/me", {"headers": submitter}))
        elif i % 3 == 1:
            requests.append(("POST", "/v1/screenings", {"headers": submitter, "json": body}))
        else:
            requests.append(("POST", "/v1/proposals", {"headers": submitter, "json": {**body, "title": f"Resa {i}"}}))
    responses = _burst(client, requests)
    assert [r.status_code for r in responses] == [200 if i % 3 != 2 else 201 for i in range(BURST)]
    listed = client.get("/v1/proposals", params={"limit": 200}, headers=submitter).json()
    assert len(listed["items"]) == BURST // 3


def test_the_thread_pool_size_is_a_setting(database_url):
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings(database_url=database_url, worker_threads=3))) as test_client:
        tokens = test_client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3
    assert Settings(database_url=database_url).worker_threads == 40



def test_sqlite_keeps_its_connections_through_a_burst(client, submitter, database_url):
    """With a pool smaller than the thread pool, connections beyond it were closed as they came back and reopened
    for the next request (the open, the pragmas, the schema parsed again): after a burst every connection the
    server opened is still pooled."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's pool is db_pool_size, a setting")
    engine = client.app.state.engine
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    responses = _burst(client, [("GET", "/v1/me", {"headers": submitter})] * 60)
    assert {r.status_code for r in responses} == {200}
    assert engine.pool.size() == client.app.state.settings.worker_threads + 2
    assert opened and engine.pool.checkedin() >= len(opened)
