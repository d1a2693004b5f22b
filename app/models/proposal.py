"""Stored proposals: the validated body of SPEC §7a plus server-owned fields; `external_ref` unique per client."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.base import new_id, utcnow
from app.screening.policy import FocusArea
from app.screening.proposal import (
    VISIBLE,
    EuFunding,
    GoalClaim,
    IsoDate,
    Kind,
    Proposal,
    ShortText,
    Slug,
    Text,
    Title,
    TravelPlan,
    ValueAdded,
)
from app.screening.result import Screening


class Status(StrEnum):
    screened = "screened"
    approved = "approved"
    rejected = "rejected"
    returned = "returned"
    withdrawn = "withdrawn"


class ProposalRecord(SQLModel, table=True):
    __tablename__ = "proposal"
    __table_args__ = (UniqueConstraint("client_id", "external_ref", name="uq_proposal_client_external_ref"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    client_id: str = Field(foreign_key="client.id", index=True, max_length=36)
    submitted_by: str = Field(max_length=100)
    external_ref: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=20, index=True)
    title: str = Field(max_length=200)
    # title and external_ref folded as place names are (lower case, no accents, words split on anything else), for
    # the list's text filter: q=uleaborg finds "Uleåborg"
    search_text: str = Field(default="", sa_column=Column(SAText, nullable=False))  # folding can lengthen (ß, ﬃ)
    department: str = Field(max_length=64, index=True)
    status: str = Field(default=Status.screened, max_length=20, index=True)
    focus_area: str | None = Field(default=None, max_length=20, index=True)
    start_date: dt.date | None = Field(default=None, index=True)
    end_date: dt.date | None = None
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    recommendation: str = Field(max_length=30, index=True)
    score: float
    co2e_kg: float | None = None
    # what the aggregates of SPEC §8 read, from the current screening (app.services.facts)
    co2e_kg_without_rf: float | None = None
    travellers: int | None = None
    digital_saving_kg: float | None = Field(default=None, description="trip CO2e minus the digital meeting's")
    mode_shift_saving_kg: float = Field(default=0.0, description="over legs with a mode-shift condition")
    goals: str = Field(default="", max_length=40, description="motivated goals, comma-separated: 5,8")
    policy_version: str = Field(default="", max_length=100)
    period_year: int = Field(default=0, index=True, description="of start_date, else of created_at")
    period_month: str = Field(default="", max_length=7, index=True, description="YYYY-MM, as period_year")
    departs: bool | None = Field(default=None, description="the decision departs from the recommendation")
    screening_id: str | None = Field(default=None, max_length=36)
    revision: int = Field(default=1)
    decision: str | None = Field(default=None, max_length=20)
    decision_reason: str | None = Field(default=None, sa_column=Column(SAText, nullable=True))
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: dt.datetime | None = Field(default=None, index=True)  # the latest decisions, newest first
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow)


# -- API schemas (never table models) --------------------------------------------------------


class ProposalUpdate(BaseModel):
    """Top-level fields of a proposal: each one given replaces the stored one whole; null removes an optional one."""

    model_config = ConfigDict(extra="forbid")

    # Fields a proposal must have can be replaced but not removed: not nullable here.
    kind: Kind = Field(default=None)
    title: Title = Field(default=None)
    description: Text | None = None
    department: Slug = Field(default=None)
    external_ref: ShortText | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    focus_area: FocusArea | None = None
    partners: Annotated[list[ShortText], PydanticField(max_length=50)] | None = None
    value_added: ValueAdded = Field(default=None)
    goals: Annotated[list[GoalClaim], PydanticField(max_length=9)] | None = None  # as in the proposal itself
    gender_equality: Text | None = None
    eu_funding: EuFunding | None = None
    budget_sek: Annotated[float, PydanticField(ge=0, le=1e12, strict=True)] | None = None
    travel: TravelPlan | None = None


class DecisionKind(StrEnum):
    approved = "approved"
    rejected = "rejected"
    returned = "returned"


class DecisionCreate(BaseModel):
    """An officer's decision on a screened proposal."""

    model_config = ConfigDict(extra="forbid")

    decision: DecisionKind
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=VISIBLE)]


class Decision(BaseModel):
    decision: DecisionKind
    reason: str
    decided_by: str
    decided_at: dt.datetime


class ProposalPublic(Proposal):
    """A stored proposal: the body as sent, the server-owned fields, and its current screening."""

    id: str
    status: Status
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_by: str
    summary: str
    screening: Screening
    decision: Decision | None = None


class PreviousScreening(BaseModel):
    id: str
    policy_version: str
    recommendation: str
    score: float


class ProposalRescreened(ProposalPublic):
    """The proposal with its new screening, and the one it replaced."""

    previous_screening: PreviousScreening


class ProposalListItem(BaseModel):
    id: str
    external_ref: str | None
    kind: str
    title: str
    department: str
    status: Status
    focus_area: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    recommendation: str
    score: float
    co2e_kg: float | None = PydanticField(description="the current screening's travel CO2e, kg (RF and WTT included)")
    co2e_kg_without_rf: float | None
    goals: list[int] = PydanticField(description="the motivated goals (1-9) of the current screening")
    decision: DecisionKind | None = PydanticField(description="the decision in force (none once a returned proposal "
                                                              "is amended)")
    decided_by: str | None
    decided_at: dt.datetime | None
    submitted_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ProposalPage(BaseModel):
    items: list[ProposalListItem]
    limit: int
    next_cursor: str | None


class ScreeningPublic(Screening):
    """A preview screening (nothing stored) with the summary in the language asked for."""

    summary: str


class StoredScreening(BaseModel):
    id: str
    proposal_id: str
    revision: int
    reason: str
    created_at: dt.datetime
    policy_version: str
    policy_hash: str
    engine_version: str
    recommendation: str
    score: float
    input: dict[str, Any]
    result: Screening


class BatchItemResult(BaseModel):
    index: int
    status: int
    id: str | None = None
    external_ref: str | None = None
    recommendation: str | None = None
    score: float | None = None
    problem: dict[str, Any] | None = None


class BatchResult(BaseModel):
    created: int
    failed: int
    results: list[BatchItemResult]
