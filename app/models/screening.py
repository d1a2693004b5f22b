"""Stored screenings: immutable; each records the policy, the engine version and the validated input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.base import new_id, utcnow


class ScreeningRecord(SQLModel, table=True):
    __tablename__ = "screening"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    proposal_id: str = Field(foreign_key="proposal.id", index=True, max_length=36)
    revision: int
    reason: str = Field(max_length=20)
    policy_version: str = Field(max_length=100)
    policy_hash: str = Field(max_length=80)
    engine_version: str = Field(max_length=20)
    recommendation: str = Field(max_length=30)
    score: float
    input: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
