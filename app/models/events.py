"""The change feed and its webhooks (SPEC §12): events, written in the change's own transaction, are also the
webhooks' outbox; a webhook's deliveries are made from them by the delivery worker (app.services.webhooks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, UniqueConstraint
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.base import new_id, utcnow

# SQLite gives INTEGER PRIMARY KEY columns their rowid (and AUTOINCREMENT: never reused); elsewhere a 64-bit identity
EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")


class Event(SQLModel, table=True):
    """One change of a proposal (or a policy activation). Ids are taken in commit order (app.services.events), so
    the feed's order is the ids'."""

    __tablename__ = "event"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, sa_column=Column(EVENT_ID, primary_key=True, autoincrement=True))
    type: str = Field(max_length=40, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    proposal_id: str | None = Field(default=None, max_length=36, index=True)
    department: str | None = Field(default=None, max_length=64, index=True)
    external_ref: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Webhook(SQLModel, table=True):
    """A receiver registered by an admin: which events it gets, and how far the worker has fanned the feed out to it
    (the id of the last event considered)."""

    __tablename__ = "webhook"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # empty: every type
    department: str | None = Field(default=None, max_length=64)
    secret: str = Field(max_length=100)  # whsec_…: needed in the clear to sign each delivery
    created_by: str = Field(max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)
    deleted_at: dt.datetime | None = None
    cursor_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: pending until delivered (a 2xx) or, after 24 hours of retries, failed. A worker
    claims it with a random token and a lease before sending, so one worker sends it at a time."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("webhook_id", "event_id", name="uq_webhook_delivery_webhook_event"),)

    id: int | None = Field(default=None, sa_column=Column(EVENT_ID, primary_key=True, autoincrement=True))
    webhook_id: str = Field(foreign_key="webhook.id", max_length=36, index=True)
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    event_type: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20)  # pending, delivered, failed, cancelled
    attempts: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utcnow)
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, index=True)
    claim: str | None = Field(default=None, max_length=32)
    lease_until: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(SAText, nullable=True))
    delivered_at: dt.datetime | None = None
