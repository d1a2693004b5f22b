"""Database engine and sessions: SQLite (WAL, busy timeout) by default, PostgreSQL (pool_pre_ping) in production."""

from __future__ import annotations

import sqlite3
import threading

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
        busy = settings.sqlite_busy_timeout_ms
        writers = _OneWriter(busy / 1000)
        # LIFO: the connection used last (its page cache warm) is handed out next
        engine = create_engine(url, json_serializer=_json, pool_use_lifo=True,
                               connect_args={"check_same_thread": False, "timeout": busy / 1000,
                                             "factory": writers.connection_class})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy)}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a killed process loses no committed write
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA mmap_size=268435456")  # pages read from the OS cache without a system call each
            cursor.close()

        event.listen(engine, "before_cursor_execute", writers.before_execute)
        return engine
    return create_engine(url, json_serializer=_json, pool_pre_ping=True, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_pool_size)


class RawJson(str):
    """A value for a JSON column that is JSON text already (serialised once, used for the column and the answer)."""

    __slots__ = ()


def _json(value: object) -> str:
    """JSON columns are serialised by pydantic-core: the same output as json.dumps, several times faster."""
    if isinstance(value, RawJson):
        return str.__str__(value)
    return to_json(value).decode()



_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _OneWriter:
    """SQLite has one writer at a time, and a second one waits in SQLite's busy handler, which sleeps between tries
    (up to 100 ms a time): under concurrent writes most of the time went to sleeping. Within this process the
    writers queue on a lock instead, taken at a transaction's first write and handed over the moment it commits or
    rolls back. Other processes (the CLI, another worker) are still covered by the busy timeout; reads never wait."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self, wait_s: float):
        self.wait_s = wait_s
        lock = threading.Lock()  # not an RLock: a transaction may end on another thread than the one that began it
        self.lock = lock

        class Connection(sqlite3.Connection):
            writer = False

            def _release(self) -> None:
                if self.writer:
                    self.writer = False
                    lock.release()

            def commit(self) -> None:
                try:
                    super().commit()
                finally:
                    self._release()

            def rollback(self) -> None:
                try:
                    super().rollback()
                finally:
                    self._release()

            def close(self) -> None:
                try:
                    super().close()
                finally:
                    self._release()

        self.connection_class = Connection

    def before_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG002
        dbapi = cursor.connection
        if isinstance(dbapi, self.connection_class) and not dbapi.writer \
                and statement.lstrip()[:7].upper().startswith(self.WRITES):
            # bounded: should a thread ever wait for itself, SQLite's own busy handling takes over as before
            if self.lock.acquire(timeout=self.wait_s):
                dbapi.writer = True
