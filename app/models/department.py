"""Departments (förvaltningar and bolag) as reference data (SPEC §13): what proposals, submitter keys and filters
name. A retired department keeps its history and takes no new proposals."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from app.models.base import utcnow
from app.screening.proposal import VISIBLE

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class DepartmentKind(StrEnum):
    """A förvaltning (an administration under a committee) or a bolag (a municipal company), as SPEC §13 names them."""

    forvaltning = "förvaltning"
    bolag = "bolag"


class Department(SQLModel, table=True):
    __tablename__ = "department"

    slug: str = Field(primary_key=True, max_length=64)
    name_sv: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    active: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    retired_at: dt.datetime | None = None


Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SLUG_PATTERN)]
NameSv = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=VISIBLE)]


class DepartmentPublic(BaseModel):
    slug: str = PydanticField(description="what proposals, submitter keys and filters name", examples=["kommunstaben"])
    name_sv: str = PydanticField(description="the Swedish name", examples=["Kommunstaben"])
    kind: DepartmentKind = PydanticField(description="förvaltning (an administration under a committee) or bolag (a municipal company)")
    active: bool = PydanticField(description="false: retired; its history stays, it takes no new proposals")
    created_at: dt.datetime = PydanticField(description="when it was added, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    updated_at: dt.datetime = PydanticField(description="when it was last changed, UTC, RFC 3339")
    retired_at: dt.datetime | None = PydanticField(description="when it was retired, UTC, RFC 3339 (null while "
                                                               "active)")


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug = PydanticField(description="lower case ASCII words joined by hyphens (å, ä, ö written a, a, o)",
                               examples=["lulea-hamn"])
    name_sv: NameSv = PydanticField(description="the Swedish name, as the organisation writes it",
                                    examples=["Luleå Hamn AB"])
    kind: DepartmentKind = PydanticField(description="förvaltning (an administration under a committee) or bolag (a municipal company)")
    active: bool = PydanticField(default=True, description="false adds it as retired (history only)")


class DepartmentUpdate(BaseModel):
    """The fields to change; at least one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    # none of them nullable: a field is changed or left out
    name_sv: NameSv = PydanticField(default=None, description="a new Swedish name")
    kind: DepartmentKind = PydanticField(default=None, description="a corrected kind: förvaltning or bolag")
    active: bool = PydanticField(default=None, description="false retires it, true takes it back into use")
