"""The SQLite engine: one writer at a time within the process, checkpoints off the request path, ordered ids."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app.db import checkpointer, dispose, make_engine, write_lock
from app.models.base import new_id
from app.settings import Settings


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/db.sqlite"


def _table(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)"))


def test_the_write_lock_is_held_from_the_first_write_to_the_commit(sqlite_url):
    engine = make_engine(Settings(database_url=sqlite_url))
    _table(engine)
    lock = write_lock(engine)
    assert lock is not None and not lock.locked()
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
        assert not lock.locked()  # reads never take it
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert lock.locked()
        conn.commit()
        assert not lock.locked()
    engine.dispose()


def test_a_failed_write_releases_the_lock_and_the_next_writer_goes_on(sqlite_url):
    engine = make_engine(Settings(database_url=sqlite_url))
    _table(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    assert not write_lock(engine).locked()
    with engine.connect() as conn:  # a transaction abandoned without commit or rollback: closing releases it
        conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
        assert write_lock(engine).locked()
    assert not write_lock(engine).locked()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t ORDER BY v")).scalars().all() == ["a", "c"]
    engine.dispose()


def test_concurrent_writers_in_threads_all_commit(sqlite_url):
    engine = make_engine(Settings(database_url=sqlite_url))
    _table(engine)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{n}-{i}"})
                    assert write_lock(engine).locked()
                    time.sleep(0)  # let another thread run inside the transaction
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 160
    engine.dispose()


def test_the_server_checkpoints_in_the_background_and_on_stop(sqlite_url):
    settings = Settings(database_url=sqlite_url, sqlite_checkpoint_interval_ms=3_600_000)  # only when asked
    engine = make_engine(settings, background_checkpoints=True)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0  # no request pays for a checkpoint
    _table(engine)
    with engine.begin() as conn:
        for i in range(50):
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": str(i)})
    busy, frames, copied = checkpointer(engine).checkpoint()
    assert busy == 0 and frames > 0 and copied == frames
    dispose(engine)
    assert checkpointer(engine) is None
    plain = make_engine(Settings(database_url=sqlite_url))  # the CLI's engine keeps SQLite's automatic checkpoints
    with plain.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 50
    plain.dispose()



def test_the_log_is_cut_to_nothing_at_rest_and_at_shutdown(sqlite_url):
    """A write-ahead log of hundreds of MB stayed that large while the server was idle: SQLite keeps a reset log at its
    size until the next write. Once an interval passes without writes the checkpointer truncates it, and the last
    checkpoint at shutdown does too."""
    from pathlib import Path

    wal = Path(make_url(sqlite_url).database + "-wal")
    engine = make_engine(Settings(database_url=sqlite_url, sqlite_checkpoint_interval_ms=50),
                         background_checkpoints=True)
    _table(engine)
    with engine.begin() as conn:
        for i in range(2000):
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{i:06d}" + "x" * 2000})
    assert wal.stat().st_size > 1_000_000
    deadline = time.monotonic() + 30
    while wal.stat().st_size > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wal.stat().st_size == 0
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('after')"))
    dispose(engine)  # the last checkpoint
    assert not wal.exists() or wal.stat().st_size == 0
    plain = make_engine(Settings(database_url=sqlite_url))
    with plain.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2001
    plain.dispose()


def test_the_log_starts_again_under_a_steady_stream_of_writes(sqlite_url):
    """A checkpoint that only ever copied beside the writers never finished under a steady stream of writes, so SQLite
    never started the log again from its beginning: it grew without end. Each checkpoint now finishes, and the log it
    reports holds only what was written since the last one."""
    engine = make_engine(Settings(database_url=sqlite_url, sqlite_checkpoint_interval_ms=3_600_000),
                         background_checkpoints=True)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == 64 * 1024 * 1024
    _table(engine)
    stop = threading.Event()
    written = [0]

    def write() -> None:
        while not stop.is_set():
            with engine.begin() as conn:  # a row of 3 KB: a page or more of the log per commit
                conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{written[0]:06d}" + "x" * 3000})
            written[0] += 1

    def read() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM t")).scalar()

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    reports = []
    try:
        for _ in range(20):
            time.sleep(0.03)
            reports.append(checkpointer(engine).checkpoint())
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert written[0] > 40 and sum(busy == 0 for busy, _f, _c in reports) >= 10
    # The log started again: the last checkpoints found about one interval's writes in it (a page or more for each
    # of a twentieth of the rows), not everything written since the start (more than a page for every row).
    assert min(frames for _busy, frames, _copied in reports[-5:]) < written[0] / 2
    dispose(engine)

def test_ids_are_uuid_version_7_in_time_order():
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    for value in (first, second):
        parsed = uuid.UUID(value)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122 and str(parsed) == value
    assert first < second
    assert abs((uuid.UUID(second).int >> 80) - time.time_ns() // 1_000_000) < 60_000  # Unix milliseconds
