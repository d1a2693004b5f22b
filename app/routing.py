"""The route class of every router: a route that takes a JSON body refuses another media type (415) and a body that
is not strict JSON (400, malformed-json) before FastAPI reads it: an empty body, NaN or Infinity, nesting or an
integer too large to parse, bytes that are not text. (FastAPI answered these with a 422 about a missing or
non-object body, or with a bare 400 of another type.) An API operation refuses a query parameter it does not take
(422), as a body refuses an unknown field."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.errors import MalformedJson, Unprocessable, UnsupportedMediaType
from app.screening.fieldnames import suggest, unknown_field_message


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def check_json(body: bytes) -> Any:
    """The body parsed as strict JSON (RFC 8259), or MalformedJson saying why not."""
    if not body.strip():
        raise MalformedJson("the request body is empty; send a JSON object")
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise MalformedJson("the request body is not valid JSON: it starts with a byte-order mark; send UTF-8 "
                            "without one (RFC 8259 §8.1)")
    try:
        text = body.decode("utf-8")  # json.loads would also take UTF-16 and UTF-32: JSON over HTTP is UTF-8
    except UnicodeDecodeError as exc:
        raise MalformedJson(f"the request body is not valid JSON: it is not UTF-8 (byte {exc.start}); send UTF-8") \
            from None
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise MalformedJson("the request body is not valid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(f"the request body is not valid JSON: {exc}") from None


def is_json_media_type(content_type: str | None) -> bool:
    """application/json or application/<anything>+json (merge-patch+json, problem+json); absent counts as JSON."""
    if not content_type:
        return True
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters an operation takes, its dependencies' included, as the client spells them."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _authenticates(dependant: Dependant) -> bool:
    from app.deps import get_principal

    return dependant.call is get_principal or any(_authenticates(sub) for sub in dependant.dependencies)


class JsonBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = self._json_body_handler()
        if not self.path.startswith("/v1/"):
            return handler
        known = sorted(_query_names(self.dependant))
        after_auth = _authenticates(self.dependant)

        async def strict_query(request: Request) -> Response:
            # a misspelt or guessed parameter (?from= for ?start_from=) would otherwise be dropped without a word,
            # and the answer would look like one that applied it
            unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
            if unknown:
                takes = f"this operation takes {', '.join(known)}" if known else "this operation takes none"
                errors = []
                for name in unknown:
                    suggestion = suggest(name, known)
                    errors.append({"field": name, "message": unknown_field_message(name, suggestion, "query parameter"),
                                   "type": "extra_forbidden", **({"suggestions": [suggestion]} if suggestion else {})})
                error = Unprocessable(f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
                                      f"{', '.join(unknown)}; {takes}", errors=errors)
                if not after_auth:
                    raise error
                request.state.query_error = error  # raised once the key is known: 401 comes first
            return await handler(request)

        return strict_query

    def _json_body_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        raw_body = "requestBody" in (self.openapi_extra or {})  # read by the route itself (batch, policy upload)
        if self.body_field is None and not raw_body and self.methods & {"POST", "PUT", "PATCH"}:
            async def bodiless(request: Request) -> Response:
                # an operation that takes no body: a body with something in it would be dropped without a word
                body = await request.body()
                if body.strip() and check_json(body) not in ({}, None):
                    raise Unprocessable("this operation takes no body; send none (or {})", errors=[
                        {"field": "(body)", "message": "no body is expected here", "type": "extra_forbidden"}])
                return await handler(request)

            return bodiless
        if self.body_field is None or isinstance(self.body_field.field_info, params.Form):
            return handler
        required = self.body_field.field_info.is_required()

        async def checked(request: Request) -> Response:
            if not required and not (await request.body()).strip():
                # an optional body left out (empty or blank, whatever the Content-Type): as if none was sent
                request._body = b""  # noqa: SLF001
                return await handler(request)
            content_type = request.headers.get("content-type")
            if not is_json_media_type(content_type):
                raise UnsupportedMediaType(f"send the body as application/json, not {content_type.split(';')[0].strip()}")
            body = await request.body()
            if body or required:
                # Starlette's Request.json() keeps its result in `_json`: FastAPI reads the body through it, so the
                # body is parsed once, here
                request._json = check_json(body)  # noqa: SLF001
            return await handler(request)

        return checked


def negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered media type the client prefers by its Accept header (RFC 9110 §12.5.1: the most specific range
    that matches sets a type's q; the highest q wins, the first offered on a tie); None when none is acceptable.
    No Accept header accepts anything."""
    if accept is None or not accept.strip():
        return offered[0]
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (field.strip() for field in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    continue  # an unreadable weight is ignored: the range counts as q=1
                if math.isfinite(weight):
                    q = min(max(weight, 0.0), 1.0)
        ranges.append((media.lower(), q))
    best, best_q = None, 0.0
    for media in offered:
        kind = media.split("/")[0] + "/*"
        fit, q = -1, 0.0
        for pattern, pattern_q in ranges:
            specificity = 2 if pattern == media else 1 if pattern == kind else 0 if pattern == "*/*" else -1
            if specificity > fit:
                fit, q = specificity, pattern_q
        if fit >= 0 and q > best_q:
            best, best_q = media, q
    return best


def entity_tag(body: bytes) -> str:
    """A strong validator of an answer's bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


def not_modified(tag: str, if_none_match: str | None) -> bool:
    """If-None-Match names this tag (RFC 9110 §13.1.2: weak comparison, `*` matches any)."""
    if not if_none_match:
        return False
    given = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in given or tag in given


def conditional(body: bytes, media_type: str, if_none_match: str | None,
                headers: dict[str, str] | None = None) -> Response:
    """The answer with its ETag, or 304 Not Modified when If-None-Match names it (RFC 9110 §13.1.2: weak
    comparison, `*` matches any)."""
    tag = entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", **(headers or {})}
    if not_modified(tag, if_none_match):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
