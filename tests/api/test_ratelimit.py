"""The per-key rate limit (SPEC §10): a token bucket per key, 429 with Retry-After beyond it, other keys unaffected."""

from __future__ import annotations

import pytest

from app.errors import TooManyRequests
from app.ratelimit import RateLimiter
from app.settings import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=60, rate_limit_burst=5)


def test_a_key_beyond_its_burst_gets_429_with_retry_after_and_other_keys_do_not(client, make_key):
    busy, other = make_key("viewer"), make_key("viewer")
    answers = [client.get("/v1/goals", headers=busy) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    problem = answers[-1].json()
    assert answers[-1].headers["retry-after"] == "1" and problem["type"].endswith("/too-many-requests")
    assert "more than 60 requests a minute (bursts of 5)" in problem["detail"]
    assert client.get("/v1/goals", headers=other).status_code == 200
    assert client.get("/healthz").status_code == 200  # no key, no limit


def test_the_bucket_refills_at_the_rate():
    now = [0.0]
    limiter = RateLimiter(per_minute=120, burst=2, clock=lambda: now[0])  # two a second
    limiter.take("k")
    limiter.take("k")
    with pytest.raises(TooManyRequests) as caught:
        limiter.take("k")
    assert caught.value.headers["Retry-After"] == "1"
    now[0] = 0.5  # one token back
    limiter.take("k")
    with pytest.raises(TooManyRequests):
        limiter.take("k")
    RateLimiter(per_minute=0, burst=1).take("k")  # 0: no limit
    for _ in range(1000):
        RateLimiter(per_minute=0, burst=1).take("k")


def test_429_is_documented_on_every_operation_that_takes_a_key(client):
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert "429" in operation["responses"], (method, path)
                assert "Retry-After" in operation["responses"]["429"]["headers"]
