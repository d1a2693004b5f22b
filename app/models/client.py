"""Clients (a named system or person with a role) and their API keys (stored as hash and prefix only)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.base import new_id, utcnow


class Role(StrEnum):
    submitter = "submitter"
    officer = "officer"
    viewer = "viewer"
    admin = "admin"


class Client(SQLModel, table=True):
    __tablename__ = "client"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=20)
    department: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    client_id: str = Field(foreign_key="client.id", index=True, max_length=36)
    prefix: str = Field(max_length=32, unique=True)
    key_hash: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
