"""The client's retries (SPEC §11): what the service did not carry out is sent again, after Retry-After; a POST keeps
its Idempotency-Key across attempts; nothing else is repeated. A scripted transport plays the service's answers."""

from __future__ import annotations

import httpx
import pytest

from app.client import Client, ProblemError, Unreachable

PROBLEM = {"content-type": "application/problem+json"}


def scripted(*answers):
    """A transport answering with `answers` in turn (a status, (status, headers), or an exception to raise)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[len(seen) - 1]
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        if status < 400:
            return httpx.Response(status, json={"id": "p1", "status": "screened"}, headers=headers)
        return httpx.Response(status, headers=PROBLEM | headers,
                              json={"type": "https://vagval.lulea.se/problems/x", "title": "T", "status": status,
                                    "detail": f"answer {status}"})

    return httpx.MockTransport(handler), seen


def client(transport, waits, retries=4):
    return Client("http://vagval.test", "k", transport=transport, retries=retries, sleep=waits.append, backoff=0.5,
                  max_backoff=30)


def test_busy_answers_are_retried_after_retry_after_with_the_same_idempotency_key():
    transport, seen = scripted((503, {"Retry-After": "3"}), (429, {"Retry-After": "7"}),
                               (409, {"Retry-After": "1"}), (201, {"Idempotent-Replayed": "true"}))
    waits: list[float] = []
    with client(transport, waits) as c:
        stored = c.create({"title": "x"})
    assert stored["id"] == "p1" and stored.replayed
    assert len(seen) == 4
    keys = {r.headers["Idempotency-Key"] for r in seen}
    assert len(keys) == 1 and next(iter(keys)).startswith("vagval-client-")
    assert waits[0] >= 3 and waits[1] >= 7 and waits[2] >= 1  # never sooner than the service asked
    assert all(r.headers["Authorization"] == "Bearer k" for r in seen)


def test_a_409_without_retry_after_is_a_conflict_not_a_wait():
    transport, seen = scripted(409)
    waits: list[float] = []
    with client(transport, waits) as c, pytest.raises(ProblemError) as caught:
        c.create({"title": "x"}, idempotency_key="mine")
    assert caught.value.status == 409 and caught.value.detail == "answer 409" and waits == [] and len(seen) == 1
    assert seen[0].headers["Idempotency-Key"] == "mine"


def test_giving_up_after_the_retries_raises_unreachable_with_the_last_problem():
    transport, seen = scripted(*[(503, {"Retry-After": "1"})] * 3)
    waits: list[float] = []
    with client(transport, waits, retries=2) as c, pytest.raises(Unreachable) as caught:
        c.get("p1")
    assert caught.value.status == 503 and len(seen) == 3 and len(waits) == 2


def test_backoff_grows_when_the_service_does_not_say_how_long():
    transport, _ = scripted(429, 429, 429, 200)
    waits: list[float] = []
    with client(transport, waits) as c:
        c.get("p1")
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0 and 1.0 <= waits[2] <= 2.0  # 0.5 · 2ⁿ, jitter ½


def test_a_lost_answer_is_asked_again_for_get_and_post_but_not_for_patch():
    lost = httpx.ReadError("connection reset")
    transport, seen = scripted(lost, 200)
    waits: list[float] = []
    with client(transport, waits) as c:
        c.get("p1")
    assert len(seen) == 2
    transport, seen = scripted(lost, 201)
    with client(transport, waits) as c:
        c.create({"title": "x"})
    assert len(seen) == 2 and seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    transport, seen = scripted(lost, 200)
    with client(transport, waits) as c, pytest.raises(Unreachable):
        c.amend("p1", {"title": "y"})  # could amend twice: not repeated
    assert len(seen) == 1


def test_a_refused_connection_is_retried_for_every_method():
    refused = httpx.ConnectError("refused")
    transport, seen = scripted(refused, 200)
    with client(transport, []) as c:
        c.amend("p1", {"title": "y"}, if_match='"e"')
    assert len(seen) == 2 and seen[1].headers["If-Match"] == '"e"'


def test_an_answer_that_is_not_problem_details_still_raises_one_problem():
    transport = httpx.MockTransport(lambda r: httpx.Response(502, text="<html>Bad gateway</html>"))
    with client(transport, [], retries=0) as c, pytest.raises(ProblemError) as caught:
        c.get("p1")
    assert caught.value.status == 502 and caught.value.detail == "<html>Bad gateway</html>"
