"""Database engine and sessions: SQLite (WAL, busy timeout) by default, PostgreSQL (pool_pre_ping) in production."""

from __future__ import annotations

from pydantic_core import to_json
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import create_engine

from app.settings import Settings


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// use the psycopg 3 driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(settings: Settings) -> Engine:
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, json_serializer=_json,
                               connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000})
        busy = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy)}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a killed process loses no committed write
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, json_serializer=_json, pool_pre_ping=True, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_pool_size)


def _json(value: object) -> str:
    """JSON columns are serialised by pydantic-core: the same output as json.dumps, several times faster."""
    return to_json(value).decode()
