"""Shared pieces of the table models: the metadata naming convention, ids and UTC timestamps."""

from __future__ import annotations

import datetime as dt
import os
import time
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
    """A UUID of version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. New rows land at the end of
    the primary-key and foreign-key indexes instead of on a random page of each."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10)) & ((1 << 80) - 1)
    value = value & ~(0xF000 << 64) | 0x7000 << 64  # version 7
    value = value & ~(0xC000 << 48) | 0x8000 << 48  # variant 10xx
    return str(uuid.UUID(int=value))
