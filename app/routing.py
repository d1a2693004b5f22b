"""The route class of every router: a route that takes a JSON body refuses another media type (415) and a body that
is not strict JSON (400, malformed-json) before FastAPI reads it: an empty body, NaN or Infinity, nesting or an
integer too large to parse, bytes that are not text. (FastAPI answered these with a 422 about a missing or
non-object body, or with a bare 400 of another type.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.errors import MalformedJson, Unprocessable, UnsupportedMediaType


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def check_json(body: bytes) -> Any:
    """The body parsed as strict JSON (RFC 8259), or MalformedJson saying why not."""
    if not body.strip():
        raise MalformedJson("the request body is empty; send a JSON object")
    try:
        return json.loads(body, parse_constant=_no_constants)
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


class JsonBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
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
