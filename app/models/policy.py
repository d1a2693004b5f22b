"""Stored policies: immutable, identified by version and content hash; exactly one is active."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class PolicyRecord(SQLModel, table=True):
    __tablename__ = "policy"

    version: str = Field(primary_key=True, max_length=100)
    content_hash: str = Field(max_length=80)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=False, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=100)
    activated_at: dt.datetime | None = None


class PolicyPublic(SQLModel):
    version: str = Field(description="the policy's version")
    content_hash: str = Field(description="sha256 of the policy's canonical JSON (sha256:…): the same content gives "
                                          "the same hash")
    active: bool = Field(description="whether new screenings use it (exactly one policy is active)")
    created_at: dt.datetime = Field(description="when it was stored, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    created_by: str = Field(description="the name of the key that stored it (`vagval (default policy)` for the "
                                        "shipped one)")
    activated_at: dt.datetime | None = Field(description="when it was last made active, UTC, RFC 3339 "
                                                         "(2027-03-10T08:00:00Z); null if never")
    title_sv: str = Field(description="the plan's title, in Swedish")
    title_en: str = Field(description="the plan's title, in English")
    municipality: str = Field(description="the municipality whose plan it is")


class PolicyDetail(PolicyPublic):
    content: dict[str, Any] = Field(description="the policy itself, as `POST /v1/policies` takes it: change it and upload "
                                                "it under a new version")
