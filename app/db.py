"""Database engine and sessions: SQLite (WAL, busy timeout) by default, PostgreSQL (pool_pre_ping) in production."""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref

from pydantic_core import to_json
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import create_engine

from app.settings import Settings

log = logging.getLogger("vagval")
_CHECKPOINTERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WRITE_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # bytes the server's write-ahead log file keeps when it starts again


def write_lock(engine: Engine) -> threading.Lock | None:
    """The in-process writers' lock of an SQLite engine (None for other databases)."""
    return _WRITE_LOCKS.get(engine)


def checkpointer(engine: Engine) -> Checkpointer | None:
    """The background checkpointer of a server's SQLite engine (None otherwise)."""
    return _CHECKPOINTERS.get(engine)


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// use the psycopg 3 driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(settings: Settings, *, background_checkpoints: bool = False) -> Engine:
    """The engine for the configured database. With background_checkpoints (the server), an SQLite write-ahead log
    is copied back into the database file by a thread of its own (`Checkpointer`), not by whichever request's
    commit happens to fill it: the copy and its fsync leave the request path."""
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite":
        busy = settings.sqlite_busy_timeout_ms
        writers = _OneWriter(busy / 1000)
        # LIFO: the connection used last (its page cache warm) is handed out next. One pooled connection per thread
        # that can hold one (the worker threads, the checkpointer, a spare): with SQLAlchemy's default of 5 (+10
        # overflow), a burst of 16 clients closed and reopened a connection on about one request in twelve, each
        # paying the open, the pragmas and a fresh parse of the schema.
        engine = create_engine(url, json_serializer=_json, pool_use_lifo=True,
                               pool_size=settings.worker_threads + 2, max_overflow=10,
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
            if background_checkpoints:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")  # the log file shrinks back after a burst
            cursor.close()

        event.listen(engine, "before_cursor_execute", writers.before_execute)
        _WRITE_LOCKS[engine] = writers.lock
        if background_checkpoints:
            _CHECKPOINTERS[engine] = Checkpointer(engine, settings.sqlite_checkpoint_interval_ms / 1000, writers.lock,
                                                  int(busy))
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


class Checkpointer:
    """Copies the SQLite write-ahead log back into the database file every interval, in a daemon thread that sleeps
    while there is nothing to do; `stop()` runs a last checkpoint. Other processes on the same file (the CLI) keep
    SQLite's automatic checkpoints.

    A PASSIVE checkpoint alone never waits for anyone, but under a steady stream of writes it never finishes either
    (new frames arrive while it copies), and SQLite starts the log again from its beginning only after a checkpoint
    that finished: the log grew without end (640 MB after 12 s of creations) and every read and write slowed as it
    grew. So each checkpoint copies the bulk PASSIVE, beside readers and writers, then takes the in-process writers'
    lock (writers queue on it for the short rest, as they queue for each other) and finishes with RESTART, which
    waits up to `RESTART_WAIT_MS` for readers of older snapshots, so that the next write starts the log afresh."""

    RESTART_WAIT_MS = 50

    def __init__(self, engine: Engine, interval_s: float, writers: threading.Lock, busy_timeout_ms: int):
        self.engine = engine
        self.writers = writers
        self.busy_timeout_ms = busy_timeout_ms
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vagval-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def checkpoint(self, finish: str = "RESTART") -> tuple[int, int, int]:
        """(busy, frames in the log, frames copied), as SQLite reports them for the finishing RESTART (busy 1: a
        reader or a long write kept it from finishing; the next interval tries again). With finish="TRUNCATE" the
        log file is also cut to nothing (at rest: SQLite itself keeps a reset log at its size until the next
        write, and journal_size_limit only trims it then)."""
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            if not self.writers.acquire(timeout=self.interval_s):  # a long transaction (a large batch) is writing
                return 1, int(row[1]), int(row[2])
            try:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={self.RESTART_WAIT_MS}")
                row = conn.exec_driver_sql(f"PRAGMA wal_checkpoint({finish})").one()
            finally:
                self.writers.release()
                conn.exec_driver_sql(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        return int(row[0]), int(row[1]), int(row[2])

    def _run(self) -> None:
        last = None
        while not self._stop.wait(self.interval_s):
            try:
                now = self.checkpoint()
                if now == last and now[0] == 0 and now[1] > 0:  # nothing written for a whole interval: at rest
                    now = self.checkpoint("TRUNCATE")  # the log file goes back to 0 bytes
                last = now
            except Exception:  # noqa: BLE001 - a failed checkpoint is retried at the next interval
                log.warning("SQLite checkpoint failed; retrying in %.1f s", self.interval_s, exc_info=True)

    def stop(self) -> None:
        """The last checkpoint, at shutdown: the log copied into the database file and cut to nothing."""
        self._stop.set()
        self._thread.join(timeout=10)
        try:
            self.checkpoint("TRUNCATE")
        except Exception:  # noqa: BLE001
            log.warning("last SQLite checkpoint failed", exc_info=True)


def dispose(engine: Engine) -> None:
    """Stop the engine's checkpointer (with a last checkpoint), then close its connections."""
    checkpointer = _CHECKPOINTERS.pop(engine, None)
    if checkpointer is not None:
        checkpointer.stop()
    engine.dispose()
