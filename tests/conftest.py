"""Databases for the API, migration and CLI tests: a fresh SQLite file per test, and PostgreSQL when
TEST_DATABASE_URL is set (one database per run, emptied between tests)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url
from app.migrate import upgrade

# Tests send requests faster than people do: the per-key rate limit is off unless a test turns it on (test_ratelimit).
os.environ.setdefault("VAGVAL_RATE_LIMIT_PER_MINUTE", "0")

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@contextmanager
def new_postgres_database(prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own on TEST_DATABASE_URL's server, dropped when the block ends."""
    base = make_url(normalise_url(PG_URL))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated to head, dropped at the end."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with new_postgres_database("vagval_test") as url:
        upgrade(url)
        yield url


TABLES = ["webhook_delivery", "webhook", "event", "audit_event", "idempotency_record", "screening", "proposal_leg", "proposal_tag", "stats_rollup", "proposal", "api_key",
          "client", "policy"]


def reset_departments(conn) -> None:  # noqa: ANN001
    """The department table as the migration left it (the seed, all active): not emptied with the others, since
    every proposal and submitter key names one of them; tests that add, rename or retire one are undone here."""
    from app.models import Department
    from app.models.base import utcnow
    from app.services.departments import SEED

    now = utcnow()
    conn.execute(Department.__table__.delete())
    conn.execute(Department.__table__.insert(), [{**d, "active": True, "created_at": now, "updated_at": now,
                                                  "retired_at": None} for d in SEED])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "vagval.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        reset_departments(conn)
    engine.dispose()
    yield url
