"""Alembic: upgrade head works on an empty database, and the models have not drifted from the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.settings import Settings


def test_upgrade_head_creates_every_table_and_no_drift(database_url):
    engine = make_engine(Settings(database_url=database_url))
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert set(SQLModel.metadata.tables) <= tables
            assert "alembic_version" in tables
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", sqlite_busy_timeout_ms=4321))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
    engine.dispose()


def test_database_url_falls_back_to_database_url(monkeypatch):
    monkeypatch.delenv("VAGVAL_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert Settings().database_url == "postgresql://u@h/db"
    monkeypatch.setenv("VAGVAL_DATABASE_URL", "sqlite:///x.db")
    assert Settings().database_url == "sqlite:///x.db"


def test_the_search_text_migration_folds_the_proposals_stored_before_it(tmp_path):
    import sqlite3

    from app.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "1f7ceae56f6a")  # the schema before the folded search text
    with sqlite3.connect(tmp_path / "old.db") as conn:  # foreign keys are off on a plain connection
        conn.execute(
            "INSERT INTO proposal (id, client_id, submitted_by, external_ref, kind, title, department, status, body, "
            "recommendation, score, revision, created_at, updated_at) VALUES ('p1', 'c1', 'Kommunstaben', 'DNR-2027/1', "
            "'trip', 'Resa till Uleåborg och TROMSØ', 'kommunstaben', 'screened', '{}', 'approve', 80.0, 1, "
            "'2027-01-01 00:00:00', '2027-01-01 00:00:00')")
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as conn:
        assert conn.execute("SELECT search_text FROM proposal").fetchone() == (
            "resa till uleaborg och tromso | dnr 2027 1",)
    # and back, with the proposal and a screening that refers to it (a copied table would break the foreign key)
    from alembic import command
    from app.db import make_engine
    from app.migrate import alembic_config
    from app.settings import Settings

    engine = make_engine(Settings(database_url=url))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO screening (id, proposal_id, revision, reason, policy_version, policy_hash, engine_version, "
            "recommendation, score, input, result, created_at) VALUES ('s1', 'p1', 1, 'created', 'v', 'h', '1', "
            "'approve', 80.0, '{}', '{}', '2027-01-01 00:00:00')")
    engine.dispose()
    command.downgrade(alembic_config(url), "1f7ceae56f6a")
    with sqlite3.connect(tmp_path / "old.db") as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(proposal)")]
        assert "search_text" not in columns
        assert conn.execute("SELECT count(*) FROM screening").fetchone() == (1,)
