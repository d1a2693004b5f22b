"""Idempotency records: a POST's key, the hash of its request, and the response to replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_idempotency_record_client_key"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="client.id", max_length=36)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    state: str = Field(max_length=20)  # "in_progress" or "done"
    # an in-progress claim: who holds it (a random token) and since when; after the lease a retry may take it over
    claim: str | None = Field(default=None, max_length=32)
    claimed_at: dt.datetime | None = None
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response_headers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
