"""Shared pieces of the table models: the metadata naming convention, ids and UTC timestamps."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(t: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive)."""
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def iso(t: dt.datetime) -> str:
    """RFC 3339 in UTC with a Z: 2027-03-10T08:00:00.123456Z."""
    return as_utc(t).isoformat().replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())
