"""`Client(url, key)`: every operation of SPEC §11 over HTTP, with timeouts, safe retries and one exception type.

Retries: a request the service did not carry out (it could not be sent, or the answer was 429, 503, or 409 with
`Retry-After` — the same `Idempotency-Key` still in progress) is sent again after `Retry-After` or an exponential
backoff with jitter, at most `retries` times. Every POST carries an `Idempotency-Key` (a new one per call unless one
is given), so a POST whose answer was lost is also sent again: the service replays the stored answer instead of doing
the work twice. A PATCH whose answer was lost is not repeated (it could amend twice); GETs always are.

Errors: every answer that is not a success raises `ProblemError` with the RFC 9457 problem details (`status`, `type`,
`title`, `detail`, `errors`); a service that cannot be reached after the retries raises its subclass `Unreachable`.
"""

from __future__ import annotations

import email.utils
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMATS = {"json": "application/json", "csv": "text/csv", "xlsx": XLSX, "svg": "image/svg+xml"}

Format = Literal["json", "csv", "xlsx"]
Decision = Literal["approved", "rejected", "returned"]


class ProblemError(Exception):
    """An answer that is not a success, with its RFC 9457 problem details."""

    def __init__(self, status: int | None, title: str, detail: str, *, type: str = "about:blank",  # noqa: A002
                 errors: list[dict[str, Any]] | None = None, instance: str | None = None,
                 headers: Mapping[str, str] | None = None, body: Mapping[str, Any] | None = None):
        super().__init__(f"{status} {title}: {detail}" if status else f"{title}: {detail}")
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = list(errors or [])
        self.instance = instance
        self.headers = dict(headers or {})
        self.body = dict(body or {})

    @classmethod
    def from_response(cls, response: httpx.Response) -> ProblemError:
        body: Any = None
        if "json" in response.headers.get("content-type", ""):
            try:
                body = response.json()
            except ValueError:
                body = None
        if not isinstance(body, dict):  # not problem details: a proxy's page, say
            text = response.text.strip().splitlines()
            return cls(response.status_code, response.reason_phrase or "Error", text[0][:300] if text else "",
                       headers=response.headers)
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        return cls(int(body.get("status") or response.status_code), str(body.get("title") or response.reason_phrase),
                   str(body.get("detail") or ""), type=str(body.get("type") or "about:blank"), errors=errors,
                   instance=body.get("instance"), headers=response.headers, body=body)


class Unreachable(ProblemError):
    """The service could not be reached, or stayed unavailable, after every retry."""


class Resource(dict):
    """A JSON object the service answered, with what its headers said: `etag`, `location`, `replayed`."""

    etag: str | None = None
    location: str | None = None
    replayed: bool = False

    @classmethod
    def of(cls, response: httpx.Response) -> Resource:
        resource = cls(response.json())
        resource.etag = response.headers.get("etag")
        resource.location = response.headers.get("location")
        resource.replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
        return resource


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _params(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Filters as query parameters: None left out, `from_` sent as `from`, dates and enums as text."""
    out = {}
    for name, value in filters.items():
        if value is None:
            continue
        out[name.rstrip("_")] = value.isoformat() if hasattr(value, "isoformat") else str(getattr(value, "value", value))
    return out


class Client:
    """The Vägval API for scripts. Use as a context manager, or call `close()`."""

    def __init__(self, url: str = DEFAULT_URL, key: str | None = None, *, timeout: float = 30.0, retries: int = 4,
                 backoff: float = 0.5, max_backoff: float = 30.0, language: str | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep):
        headers = {"User-Agent": "vagval-client/0.1", "Accept": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if language:
            headers["Accept-Language"] = language
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._http = httpx.Client(base_url=self.url, headers=headers, transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the one request path --------------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                headers: Mapping[str, str] | None = None, idempotency_key: str | None = None,
                accept: str | None = None, stream_to: IO[bytes] | None = None) -> httpx.Response:
        """Send one request (again while it may be retried); raise `ProblemError` unless the answer is a success."""
        method = method.upper()
        sent_headers = dict(headers or {})
        if method == "POST":
            sent_headers["Idempotency-Key"] = idempotency_key or f"vagval-client-{uuid.uuid4()}"
        if accept:
            sent_headers["Accept"] = accept
        repeatable = method in ("GET", "HEAD") or "Idempotency-Key" in sent_headers
        attempt = 0
        while True:
            wait: float | None = None
            try:
                request = self._http.build_request(method, path, params=params, json=json, headers=sent_headers)
                response = self._http.send(request, stream=stream_to is not None)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:  # never reached the service
                failure: ProblemError = Unreachable(None, "Service unreachable", f"{self.url}: {_reason(exc)}")
            except httpx.TransportError as exc:  # sent, but the answer was lost
                failure = Unreachable(None, "No answer", f"{self.url}: {_reason(exc)}")
                if not repeatable:
                    raise failure from None
            else:
                if response.is_success:
                    if stream_to is not None:
                        try:
                            for chunk in response.iter_bytes():
                                stream_to.write(chunk)
                        except httpx.TransportError as exc:  # cut off half-way: the caller drops what it wrote
                            raise Unreachable(None, "Download cut off", f"{self.url}: {_reason(exc)}") from None
                        finally:
                            response.close()
                    return response
                if stream_to is not None:
                    response.read()
                    response.close()
                failure = ProblemError.from_response(response)
                busy = response.status_code in (429, 503) or (
                    response.status_code == 409 and "retry-after" in response.headers)
                if not busy:
                    raise failure
                if response.status_code == 503:
                    failure = Unreachable(failure.status, failure.title, failure.detail, type=failure.type,
                                          errors=failure.errors, headers=failure.headers, body=failure.body)
                wait = _retry_after(response)
            if attempt >= self.retries:
                raise failure
            backoff = min(self.max_backoff, self.backoff * 2 ** attempt) * random.uniform(0.5, 1.0)  # noqa: S311
            self._sleep(min(self.max_backoff, max(wait or 0.0, backoff)))
            attempt += 1

    def _json(self, method: str, path: str, **kwargs: Any) -> Resource:
        return Resource.of(self.request(method, path, **kwargs))

    # -- screening and proposals ----------------------------------------------------------------------------------

    def screen(self, proposal: Mapping[str, Any]) -> Resource:
        """Screen a proposal under the active policy without storing it (`POST /v1/screenings`)."""
        return self._json("POST", "/v1/screenings", json=proposal)

    def create(self, proposal: Mapping[str, Any], *, idempotency_key: str | None = None) -> Resource:
        """Store and screen a proposal (`POST /v1/proposals`); `.replayed` when the key had already stored it."""
        return self._json("POST", "/v1/proposals", json=proposal, idempotency_key=idempotency_key)

    def batch(self, proposals: Sequence[Mapping[str, Any]], *, idempotency_key: str | None = None) -> Resource:
        """Store many proposals in one call; the answer has one result per item (`created`, `failed`, `results`)."""
        return self._json("POST", "/v1/proposals/batch", json={"proposals": list(proposals)},
                          idempotency_key=idempotency_key)

    def page(self, *, limit: int = 200, cursor: str | None = None, **filters: Any) -> Resource:
        """One page of `GET /v1/proposals`: `items`, `limit`, `next_cursor`."""
        return self._json("GET", "/v1/proposals", params=_params(filters | {"limit": limit, "cursor": cursor}))

    def proposals(self, *, page_size: int = 200, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every proposal the filters select, newest first, across all pages. Filters as in `GET /v1/proposals`:
        kind, department, status, recommendation, focus_area, start_from, start_to, year, q."""
        cursor = None
        while True:
            body = self.page(limit=page_size, cursor=cursor, **filters)
            yield from body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return

    def export(self, out: IO[bytes] | str | Path, *, format: Format = "csv", **filters: Any) -> None:  # noqa: A002
        """Every proposal the filters select, as CSV or XLSX, streamed into a file or a binary stream."""
        if isinstance(out, (str, Path)):
            with open(out, "wb") as stream:
                self.export(stream, format=format, **filters)
            return
        self.request("GET", "/v1/proposals", params=_params(filters), accept=_FORMATS[format], stream_to=out)

    def get(self, proposal_id: str) -> Resource:
        """The proposal, its status and current screening; `.etag` for `If-Match`."""
        return self._json("GET", f"/v1/proposals/{proposal_id}")

    def screenings(self, proposal_id: str) -> list[dict[str, Any]]:
        return self.request("GET", f"/v1/proposals/{proposal_id}/screenings").json()

    def audit(self, proposal_id: str) -> list[dict[str, Any]]:
        """Who did what when (officer keys)."""
        return self.request("GET", f"/v1/proposals/{proposal_id}/audit").json()

    def amend(self, proposal_id: str, changes: Mapping[str, Any], *, if_match: str | None = None) -> Resource:
        """Replace top-level fields of the proposal; it is screened again. `if_match`: the ETag as last read."""
        return self._json("PATCH", f"/v1/proposals/{proposal_id}", json=changes,
                          headers={"If-Match": if_match} if if_match else None)

    def withdraw(self, proposal_id: str, *, reason: str | None = None, if_match: str | None = None,
                 idempotency_key: str | None = None) -> Resource:
        """Withdraw the proposal before a decision (submitter keys); `reason` is kept in the audit trail."""
        return self._json("POST", f"/v1/proposals/{proposal_id}/withdraw", idempotency_key=idempotency_key,
                          json={"reason": reason} if reason is not None else None,
                          headers={"If-Match": if_match} if if_match else None)

    def decide(self, proposal_id: str, decision: Decision, reason: str, *, if_match: str | None = None,
               idempotency_key: str | None = None) -> Resource:
        """Decide with `If-Match`: the ETag given, or the one read just now. A 412 raises `ProblemError`."""
        if if_match is None:
            if_match = self.get(proposal_id).etag
        return self._json("POST", f"/v1/proposals/{proposal_id}/decision",
                          json={"decision": decision, "reason": reason}, headers={"If-Match": if_match or ""},
                          idempotency_key=idempotency_key)

    def rescreen(self, proposal_id: str, *, idempotency_key: str | None = None) -> Resource:
        return self._json("POST", f"/v1/proposals/{proposal_id}/rescreen", idempotency_key=idempotency_key)

    # -- aggregates, reports, events, reference data ----------------------------------------------------------------

    def stats(self, dimension: str | None = None, **filters: Any) -> Resource:
        """`GET /v1/stats/summary`, or `/v1/stats/by/{dimension}` (year, month, department, kind, focus_area,
        partner, goal, sdg, recommendation, status, mode). Filters: year, from_, to, department, kind, focus_area,
        status, recommendation."""
        path = f"/v1/stats/by/{dimension}" if dimension else "/v1/stats/summary"
        return self._json("GET", path, params=_params(filters))

    def decisions(self, *, limit: int = 10, **filters: Any) -> Resource:
        return self._json("GET", "/v1/stats/decisions", params=_params(filters | {"limit": limit}))

    def report(self, name: Literal["activity-plan", "climate"], *, format: Format = "json",  # noqa: A002
               out: IO[bytes] | str | Path | None = None, **filters: Any) -> Resource | None:
        """A report of SPEC §8 as JSON, or as CSV/XLSX streamed into `out`."""
        if format == "json":
            return self._json("GET", f"/v1/reports/{name}", params=_params(filters))
        if out is None:
            raise ValueError("a CSV or XLSX report needs out: a file name or a binary stream")
        if isinstance(out, (str, Path)):
            with open(out, "wb") as stream:
                return self.report(name, format=format, out=stream, **filters)
        self.request("GET", f"/v1/reports/{name}", params=_params(filters), accept=_FORMATS[format], stream_to=out)
        return None

    def events(self, *, after: str | None = None, limit: int = 200, type: str | None = None,  # noqa: A002
               follow: bool = False, poll_seconds: float = 5.0) -> Iterator[dict[str, Any]]:
        """The change feed of SPEC §12 (`GET /v1/events`): every event after the cursor `after`, oldest first, page
        by page (`items`, `next_cursor`). Without `follow` it stops at the end; with it, it polls for new events."""
        cursor = after
        while True:
            body = self.request("GET", "/v1/events",
                                params=_params({"after": cursor, "limit": limit, "type": type})).json()
            items = body.get("items") or []
            yield from items
            cursor = body.get("next_cursor") or cursor
            if len(items) < limit:  # the end of the feed, for now
                if not follow:
                    return
                self._sleep(poll_seconds)

    def policy(self) -> Resource:
        """The active policy, with its content (goals, focus areas, partners, factors)."""
        return self._json("GET", "/v1/policies/active")

    def places(self, q: str) -> list[dict[str, Any]]:
        return self.request("GET", "/v1/places", params={"q": q}).json()


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
