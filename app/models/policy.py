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
    version: str
    content_hash: str
    active: bool
    created_at: dt.datetime
    created_by: str
    activated_at: dt.datetime | None
    title_sv: str
    title_en: str
    municipality: str


class PolicyDetail(PolicyPublic):
    content: dict[str, Any] = Field(description="the policy itself, as `POST /v1/policies` takes it: change it and upload "
                                                "it under a new version")
