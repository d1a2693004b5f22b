"""One error path: domain exceptions and framework errors -> RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.screening import PolicyError, ProposalError, UnknownPlaceError
from app.screening.fieldnames import ABSENT, client_loc, unknown_field
from app.screening.policy import field_path
from app.screening.proposal import NO_NUL, VISIBLE

log = logging.getLogger("vagval")

PROBLEM = "application/problem+json"
TYPE_BASE = "https://vagval.lulea.se/problems/"


class FieldError(BaseModel):
    field: str = Field(description="where the problem is, as a dotted path (`travel.legs[0].to`)")
    message: str = Field(description="what is wrong with it")
    type: str | None = Field(None, description="the kind of problem: pydantic's error type (missing, extra_forbidden, "
                                               "string_too_long, …) or the service's own (proposal, policy, header, "
                                               "cursor, …)")
    suggestions: list[str] | None = Field(default=None, description="what was likely meant: the known place for an "
                                          "unknown one, the real field for an unknown field (`start-date` -> "
                                          "`start_date`)")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[TYPE_BASE + "validation"], description="a URI naming the kind of problem")
    title: str = Field(examples=["Ogiltig begäran / Invalid request"],
                       description="a short summary of the kind of problem")
    status: int = Field(examples=[422], description="the HTTP status code")
    detail: str = Field(examples=["travel.legs[0].to: unknown place 'Tromsoo'; did you mean Tromsø?"],
                        description="what went wrong in this request, in words")
    instance: str | None = Field(None, description="the request path it happened on")
    errors: list[FieldError] | None = Field(None, description="for validation errors, every offending field")
    existing_id: str | None = Field(default=None, description="on 409 for a duplicate, the id of the first")


class ApiError(Exception):
    """A domain error with its HTTP status; the one handler turns it into problem details."""

    status = 400
    kind = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class MalformedJson(ApiError):
    status, kind, title = 400, "malformed-json", "Malformed JSON"


class MalformedToml(ApiError):
    status, kind, title = 400, "malformed-toml", "Malformed TOML"


class NotAcceptable(ApiError):
    status, kind, title = 406, "not-acceptable", "Not acceptable"


class Unauthorized(ApiError):
    status, kind, title = 401, "unauthorized", "Unauthorized"

    def __init__(self, detail: str):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="vagval"'})


class Forbidden(ApiError):
    status, kind, title = 403, "forbidden", "Forbidden"


class NotFound(ApiError):
    status, kind, title = 404, "not-found", "Not found"


class Conflict(ApiError):
    status, kind, title = 409, "conflict", "Conflict"


class PreconditionFailed(ApiError):
    status, kind, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(ApiError):
    status, kind, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(ApiError):
    status, kind, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(ApiError):
    status, kind, title = 422, "validation", "Unprocessable content"


class PreconditionRequired(ApiError):
    status, kind, title = 428, "precondition-required", "Precondition required"


class TooManyRequests(ApiError):
    status, kind, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, retry_after: int = 1):
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class Unavailable(ApiError):
    status, kind, title = 503, "unavailable", "Service unavailable"

    def __init__(self, detail: str, retry_after: int = 2):
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


def problem_response(status: int, kind: str, title: str, detail: str, *, errors: list[dict] | None = None,
                     headers: dict[str, str] | None = None, instance: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


def location(loc: tuple | list) -> str:
    """A pydantic error location as a dotted path: ('travel', 'legs', 0, 'to') -> travel.legs[0].to."""
    return field_path(loc, "(body)")


_TYPE_MISMATCH = {"string_type", "model_type", "model_attributes_type", "dict_type", "int_type", "float_type",
                  "bool_type", "list_type"}
_PARAMETER_KINDS = ("query", "path", "header", "cookie")


def _field(loc: list[Any], strip: tuple[str, ...], data: Any = ABSENT) -> tuple[str, list[Any] | None]:
    """The field as the client wrote it, and for a body its location without union member tags (None for a
    parameter). `data` is the input the location (after `strip`) points into."""
    if len(loc) >= 2 and loc[0] in _PARAMETER_KINDS:  # a parameter: its name as the client sends it
        name = str(loc[1])
        return ("-".join(part.capitalize() for part in name.split("-")) if loc[0] == "header" else name), None
    if loc and loc[0] in strip:
        loc = loc[1:]
    loc = client_loc(loc, data)
    return location(loc), loc


def _message(error: dict[str, Any]) -> str:
    """pydantic's message, or for the text patterns what they mean (the pattern itself helps nobody)."""
    if error.get("type") == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        if pattern == VISIBLE:
            return ("must hold a visible character, and no control characters (other than tab and newline) or "
                    "bidirectional overrides")
        if pattern == NO_NUL:
            return "no control characters (other than tab and newline) or bidirectional overrides"
    return str(error.get("msg", "")).removeprefix("Value error, ")


def validation_errors(errors: list[dict[str, Any]], strip: tuple[str, ...] = (), *, data: Any = ABSENT,
                      model: Any = None) -> list[dict[str, Any]]:
    """pydantic's errors as problem entries naming each field as the client wrote it. `data` is the validated input
    and `model` its type: with them an unknown field is told apart from pydantic's union tags whatever its shape,
    and gets the real field of that object it was likely meant as (`suggestions`)."""
    out = []
    for e in errors:
        field, loc = _field(list(e.get("loc", ())), strip, data)
        entry: dict[str, Any] = {"field": field, "message": _message(e), "type": e.get("type")}
        if e.get("type") == "extra_forbidden" and loc:
            entry["message"], suggestion = unknown_field(model, loc, data)
            if suggestion:
                entry["suggestions"] = [suggestion]
        out.append(entry)

    # Of a union's members, the one the input was meant for explains the problem; "not a string" about a place
    # given as coordinates does not. Type mismatches go when the same field has another error.
    def other_error(e: dict[str, Any]) -> bool:
        return any(o is not e and o["type"] not in _TYPE_MISMATCH
                   and (o["field"] == e["field"] or o["field"].startswith(e["field"] + ".")) for o in out)

    kept = [e for e in out if e["type"] not in _TYPE_MISMATCH or not other_error(e)]
    unique: list[dict[str, Any]] = []
    for e in kept:
        if e not in unique:
            unique.append(e)
    return unique


def proposal_error(exc: ProposalError, prefix: str = "") -> Unprocessable:
    field = f"{prefix}{exc.field}" if exc.field else (prefix.rstrip(".") or "(body)")
    err: dict[str, Any] = {"field": field, "message": exc.message, "type": "proposal"}
    if isinstance(exc, UnknownPlaceError):
        err["type"] = "unknown_place"
        err["suggestions"] = exc.suggestions
    return Unprocessable(f"{field}: {exc.message}", errors=[err])


def policy_error(exc: PolicyError) -> Unprocessable:
    errors = [{"field": e["field"], "message": e["reason"], "type": "policy",
               **({"suggestions": e["suggestions"]} if e.get("suggestions") else {})} for e in exc.errors]
    return Unprocessable("invalid policy: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


def install(app: FastAPI) -> None:
    """Register the single error path for domain errors, framework errors, validation and database outages."""

    @app.exception_handler(ApiError)
    def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(exc.status, exc.kind, exc.title, exc.detail, errors=exc.errors, headers=exc.headers,
                                instance=request.url.path, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        if status == PayloadTooLarge.status:  # one problem type for 413, whether Content-Length or the stream told
            title = PayloadTooLarge.title
        detail = exc.detail if isinstance(exc.detail, str) else title
        if status == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
            if len(request.url.path) > 1 and request.url.path.endswith("/"):
                detail += f" (paths have no trailing slash: {request.url.path.rstrip('/')})"
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 405:
            allowed = _allowed_methods(request)
            detail = f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}"
            headers["Allow"] = ", ".join(allowed)
        kind = PayloadTooLarge.kind if status == PayloadTooLarge.status else title.lower().replace(" ", "-")
        return problem_response(status, kind, title, detail, headers=headers or None, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            where = next(e for e in errors if e.get("type") == "json_invalid")
            return problem_response(400, "malformed-json", "Malformed JSON",
                                    f"the request body is not valid JSON: {where.get('ctx', {}).get('error', where.get('msg'))}",
                                    instance=request.url.path)
        body_field = getattr(request.scope.get("route"), "body_field", None)
        listed = validation_errors(errors, strip=("body",), data=ABSENT if exc.body is None else exc.body,
                                   model=body_field.field_info.annotation if body_field is not None else None)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in listed[:5])
        return problem_response(422, "validation", "Unprocessable content", detail, errors=listed,
                                instance=request.url.path)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    def _database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, _route(request), exc.__class__.__name__)
        return problem_response(503, "unavailable", "Service unavailable", "the database is not reachable; retry later",
                                headers={"Retry-After": "2"}, instance=request.url.path)

    @app.exception_handler(DataError)
    def _data_error(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(422, "validation", "Unprocessable content",
                                "a value in the request cannot be stored (out of range or an invalid character)",
                                instance=request.url.path)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, _route(request), exc_info=exc)
        return problem_response(500, "internal", "Internal server error", "an unexpected error occurred; it has been logged",
                                instance=request.url.path)


def _route(request: Request) -> str:
    """The route's path template for a log line (`/v1/proposals/{proposal_id}`), never the raw path."""
    return getattr(request.scope.get("route"), "path", None) or "(unmatched)"


def _allowed_methods(request: Request) -> list[str]:
    """Every method the OpenAPI document lists for this path (Starlette names only the first matching route's)."""
    paths = request.app.openapi().get("paths", {})
    path = request.url.path
    if path in paths:  # a literal path (/v1/proposals/batch) is not also /v1/proposals/{proposal_id}
        matching = [paths[path]]
    else:
        matching = [ops for template, ops in paths.items()
                    if re.match("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$", path)]
    methods = {m.upper() for ops in matching for m in ops}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for problem responses, with the application/problem+json content type."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
