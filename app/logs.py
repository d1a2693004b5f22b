"""Structured logs (SPEC §10): one JSON object per line on stderr, from the standard library's logging.

Every request gives one line (`event: "request"`) with its request id, the key's public prefix (never the key), the
route template (never the raw path or query, which may hold names), method, status and latency. No proposal text and
no personal data are logged. The level comes from `VAGVAL_LOG_LEVEL` (debug, info, warning, error).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

REQUESTS = logging.getLogger("vagval.request")
# The lookup part of a key (`vgv_` and twelve characters) is public: it names the key in `vagval keys list`.
_KEY_PREFIX = re.compile(rb"^Bearer\s+(vgv_[A-Za-z0-9]{12})_", re.IGNORECASE)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName",
                                                                             "color_message"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info and record.exc_info[1] is not None:  # the error, not the trace (nor its data)
            error = record.exc_info[1]
            entry["exception"] = f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:300]}"
        return json.dumps(entry, ensure_ascii=False, default=str)


def uvicorn_config(level: str) -> dict[str, Any]:
    """A logging configuration (dictConfig) for `vagval serve`: uvicorn's and the service's loggers as JSON lines.
    uvicorn's own access log is off: the request line above replaces it, without the raw path and query."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "vagval": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def key_prefix(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == b"authorization":
            match = _KEY_PREFIX.match(value)
            return match.group(1).decode() if match else None
    return None


def request_line(*, request_id: str | None, key: str | None, method: str, route: str, status: int,
                 seconds: float) -> None:
    if REQUESTS.isEnabledFor(logging.INFO):
        REQUESTS.info("request", extra={"event": "request", "request_id": request_id, "key_prefix": key,
                                        "method": method, "route": route, "status": status,
                                        "duration_ms": round(seconds * 1000, 2)})
