"""The built-in dashboard page (SPEC §8) and its static files, served by the service itself: nothing from elsewhere."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from app.errors import NotFound
from app.routing import JsonBodyRoute, not_modified

router = APIRouter(tags=["dashboard"], route_class=JsonBodyRoute)

STATIC = Path(__file__).resolve().parent.parent / "dashboard" / "static"
FILES = {"dashboard.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"}
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
SECURITY = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@cache
def _file(name: str) -> tuple[bytes, str]:
    """A static file's bytes and its ETag, read once per process."""
    body = (STATIC / name).read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _serve(name: str, media_type: str, cache_control: str, if_none_match: str | None) -> Response:
    body, tag = _file(name)
    headers = {**SECURITY, "ETag": tag, "Cache-Control": cache_control}
    if not_modified(tag, if_none_match):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/dashboard", response_class=Response, summary="The dashboard page for a browser",
            responses={200: {"description": "The dashboard (HTML); it asks for an API key and reads /v1/stats",
                             "content": {"text/html": {"schema": {"type": "string"}}}}})
def read_dashboard(if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None) -> Response:
    """The headline figures, charts with data tables, the latest decisions and the report downloads, in Swedish or
    English. The page keeps the key in the browser session only and loads nothing from outside the service."""
    return _serve("index.html", "text/html; charset=utf-8", "no-cache", if_none_match)


@router.get("/dashboard/static/{name}", response_class=Response, include_in_schema=False)
def read_dashboard_file(name: str, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """One of the page's own files, by exact name (nothing else of the folder or the disk is reachable)."""
    media_type = FILES.get(name)
    if media_type is None:
        raise NotFound(f"the dashboard has no file {name[:100]!r}")
    return _serve(name, media_type, "public, max-age=300, must-revalidate", if_none_match)
