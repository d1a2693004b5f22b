"""The API's documentation pages, Swagger UI at /docs and ReDoc at /redoc, with every script, style and icon served by
the service itself (the copies in the fastapi-offline package): they work with no internet and ask nothing of any
other origin. Each page has its own content security policy: the one inline script Swagger UI's page starts with is
admitted by its hash, nothing else inline runs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from functools import cache
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import Response

from app.errors import NotFound
from app.routing import not_modified

router = APIRouter(include_in_schema=False)

STATIC = files("fastapi_offline") / "static"
FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
COMPRESSIBLE = {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"}
STATIC_PATH = "/docs/static"
IMMUTABLE = "public, max-age=31536000, immutable"  # the URL names the file's version: a new one is a new URL
REVALIDATE = "public, max-age=300, must-revalidate"
SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

# Swagger UI: its inline start-up script by hash (computed from the page itself); styles only from the service
# (Swagger UI sets element styles through the DOM, which a policy does not restrict); the icons are data: URIs.
SWAGGER_CSP = ("default-src 'none'; script-src 'self' {script}; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
# ReDoc: no inline script at all. Its styles are made at run time (styled-components writes <style> elements and
# offers no way to give them a nonce), so styles may be inline; its search runs in a worker made from a blob: URL.
REDOC_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "font-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; "
             "form-action 'none'")

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

# The one thing from elsewhere the files would load: ReDoc's sidebar shows Redocly's logo from its CDN beside the
# "API docs by Redocly" link. It is served as a transparent pixel instead (the link stays), so the page asks nothing
# of another origin and its policy has nothing to refuse.
PIXEL = b"data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
OUTSIDE = {"redoc.standalone.js": [(b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"' + PIXEL + b'"')]}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    """A static file's bytes as served and its version (a prefix of their sha256), read once per process."""
    body = (STATIC / name).read_bytes()
    for original, local in OUTSIDE.get(name, []):
        body = body.replace(original, local)
    return body, hashlib.sha256(body).hexdigest()[:16]


@cache
def _gzipped(name: str) -> bytes:
    return gzip.compress(_asset(name)[0], compresslevel=9, mtime=0)


def _url(request: Request, name: str) -> str:
    return f"{request.scope.get('root_path', '')}{STATIC_PATH}/{name}?v={_asset(name)[1]}"


def _script_hashes(html: str) -> str:
    """'sha256-…' of every inline script of the page, for its Content-Security-Policy."""
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                    for s in _INLINE_SCRIPT.findall(html))


def _page(html: str, policy: str) -> Response:
    headers = {**SECURITY, "Content-Security-Policy": policy, "Cache-Control": "no-cache"}
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/docs")
def read_swagger_ui(request: Request) -> Response:
    """Swagger UI over /openapi.json: every operation, its parameters and schemas, and "Try it out" with a key."""
    root = request.scope.get("root_path", "")
    html = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} – API (Swagger UI)",
        swagger_js_url=_url(request, "swagger-ui-bundle.js"), swagger_css_url=_url(request, "swagger-ui.css"),
        swagger_favicon_url=_url(request, "favicon.png"), oauth2_redirect_url=None,
        # validatorUrl: no badge that would send the document to validator.swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    ).body.decode()
    return _page(html, SWAGGER_CSP.format(script=_script_hashes(html)))


@router.get("/redoc")
def read_redoc(request: Request) -> Response:
    """ReDoc over /openapi.json: the same document as one readable page."""
    root = request.scope.get("root_path", "")
    html = get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} – API (ReDoc)",
        redoc_js_url=_url(request, "redoc.standalone.js"), redoc_favicon_url=_url(request, "favicon.png"),
        with_google_fonts=False,
    ).body.decode()
    return _page(html, REDOC_CSP)


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "gzip":
            q = params.strip().removeprefix("q=").strip()
            return not q or q not in ("0", "0.0", "0.00", "0.000")
    return False


@router.get(STATIC_PATH + "/{name}")
def read_docs_file(
    name: str, v: Annotated[str | None, Query(max_length=64)] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """One of the pages' own files, by exact name (nothing else of the folder or the disk is reachable); cached for a
    year when the URL names its current version (as the pages' URLs do), else revalidated after five minutes."""
    media_type = FILES.get(name)
    if media_type is None:
        raise NotFound(f"the documentation pages have no file {name[:100]!r}")
    body, version = _asset(name)
    headers = {**SECURITY, "Cache-Control": IMMUTABLE if v == version else REVALIDATE}
    tag = f'"{version}"'
    if name in COMPRESSIBLE:
        headers["Vary"] = "Accept-Encoding"
        if _accepts_gzip(accept_encoding):
            body, tag = _gzipped(name), f'"{version}-gzip"'
            headers["Content-Encoding"] = "gzip"
    headers["ETag"] = tag
    if not_modified(tag, if_none_match):
        headers.pop("Content-Encoding", None)
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
