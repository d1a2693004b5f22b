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
    """A stored proposal's status: screened (awaiting a decision), approved, rejected, returned (sent back to be
    amended; it can be decided again once amended), withdrawn (by the submitting department)."""

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
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)  # updated_since (SPEC §12)


# -- API schemas (never table models) --------------------------------------------------------


class ProposalUpdate(BaseModel):
    """Top-level fields of a proposal: each one given replaces the stored one whole; null removes an optional one."""

    model_config = ConfigDict(extra="forbid")

    # Fields a proposal must have can be replaced but not removed: not nullable here.
    kind: Kind = Field(default=None, description="replaces the kind: trip, project or activity (cannot be removed)")
    title: Title = Field(default=None, description="replaces the title, at most 200 characters (cannot be removed)")
    description: Text | None = PydanticField(None, description="replaces the description, at most 5,000 characters; "
                                                               "null removes it")
    department: Slug = Field(default=None, description="replaces the department's slug; a submitter key keeps to its "
                                                       "own (cannot be removed)")
    external_ref: ShortText | None = PydanticField(None, description="replaces the submitting system's own reference, "
                                                                     "at most 200 characters; null removes it")
    start_date: IsoDate | None = PydanticField(None, description="replaces the first day, YYYY-MM-DD; null removes it")
    end_date: IsoDate | None = PydanticField(None, description="replaces the last day, YYYY-MM-DD, not before "
                                                               "start_date; null removes it")
    focus_area: FocusArea | None = PydanticField(None, description="replaces the focus area: regional_arctic, eu, "
                                                                   "twin_town or other; null: taken from the partners")
    partners: Annotated[list[ShortText], PydanticField(max_length=50)] | None = PydanticField(
        None, description="replaces the partners, at most 50; null removes them")
    value_added: ValueAdded = Field(default=None, description="replaces the answers to the three value-added "
                                                              "questions, all three (cannot be removed)")
    goals: Annotated[list[GoalClaim], PydanticField(max_length=9)] | None = PydanticField(
        None, description="replaces the goals claimed, at most 9; null removes them")  # as in the proposal itself
    gender_equality: Text | None = PydanticField(None, description="replaces how gender equality is considered, at "
                                                                   "most 5,000 characters; null removes it")
    eu_funding: EuFunding | None = PydanticField(None, description="replaces the EU co-funding; null removes it")
    budget_sek: Annotated[float, PydanticField(ge=0, le=1e12, strict=True)] | None = PydanticField(
        None, description="replaces the budget in Swedish kronor (SEK), 0 to 10¹²; null removes it")
    travel: TravelPlan | None = PydanticField(None, description="replaces the whole travel plan (not a change inside "
                                                                "it); null removes it (not for a trip)")


class DecisionKind(StrEnum):
    """An officer's decision: approved, rejected, or returned (sent back for more information)."""

    approved = "approved"
    rejected = "rejected"
    returned = "returned"


class DecisionCreate(BaseModel):
    """An officer's decision on a screened proposal."""

    model_config = ConfigDict(extra="forbid")

    decision: DecisionKind = PydanticField(description="approved, rejected or returned")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000,
                                             pattern=VISIBLE)] = PydanticField(
        description="why, at most 5,000 characters; departing from the recommendation needs a substantive reason (the "
                    "policy's least characters and words, by default 20 and 3)")


class WithdrawalCreate(BaseModel):
    """The submitter's withdrawal; the reason, when given, is kept in the audit trail (the text rules of a decision's
    reason)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000,
                                             pattern=VISIBLE)] | None = PydanticField(
        default=None, description="why it is withdrawn (1–5,000 characters); kept in the audit trail and the "
                                  "proposal.withdrawn event")


class Decision(BaseModel):
    decision: DecisionKind = PydanticField(description="approved, rejected or returned")
    reason: str = PydanticField(description="the officer's reason")
    decided_by: str = PydanticField(description="the name of the key that decided")
    decided_at: dt.datetime = PydanticField(description="when, UTC, RFC 3339 (2027-03-10T08:00:00Z)")


class ProposalPublic(Proposal):
    """A stored proposal: the body as sent, the server-owned fields, and its current screening."""

    id: str = PydanticField(description="the proposal's id (a UUID)")
    status: Status = PydanticField(description="screened, approved, rejected, returned or withdrawn")
    revision: int = PydanticField(description="1 when stored, one more with every change (amendment, re-screening, "
                                              "decision, withdrawal)")
    created_at: dt.datetime = PydanticField(description="when it was stored, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    updated_at: dt.datetime = PydanticField(description="when it last changed, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    submitted_by: str = PydanticField(description="the name of the key that stored it")
    summary: str = PydanticField(description="the current screening's summary in the language of Accept-Language (sv "
                                             "or en)")
    screening: Screening = PydanticField(description="the current screening")
    decision: Decision | None = PydanticField(None, description="the decision in force; null while there is none")


class PreviousScreening(BaseModel):
    id: str = PydanticField(description="the replaced screening's id")
    policy_version: str = PydanticField(description="the policy it was computed under")
    recommendation: str = PydanticField(description="its recommendation")
    score: float = PydanticField(description="its score, 0–100")


class ProposalRescreened(ProposalPublic):
    """The proposal with its new screening, and the one it replaced."""

    previous_screening: PreviousScreening = PydanticField(description="the screening this one replaced")


class ProposalListItem(BaseModel):
    id: str = PydanticField(description="the proposal's id (a UUID)")
    external_ref: str | None = PydanticField(description="the submitting system's own reference; null when none")
    kind: str = PydanticField(description="trip, project or activity")
    title: str = PydanticField(description="the proposal's title")
    department: str = PydanticField(description="the submitting department's slug")
    status: Status = PydanticField(description="screened, approved, rejected, returned or withdrawn")
    focus_area: str | None = PydanticField(description="the focus area screened: the stated one, else the first of "
                                                       "the partners', else other")
    start_date: dt.date | None = PydanticField(description="the first day, YYYY-MM-DD; null when not given")
    end_date: dt.date | None = PydanticField(description="the last day, YYYY-MM-DD; null when not given")
    recommendation: str = PydanticField(description="the current screening's recommendation: approve, "
                                                    "approve_with_conditions, prefer_digital, needs_information or "
                                                    "reject")
    score: float = PydanticField(description="the current screening's score, 0–100")
    co2e_kg: float | None = PydanticField(description="the current screening's travel CO2e, kg (RF and WTT included)")
    co2e_kg_without_rf: float | None = PydanticField(description="the current screening's travel CO2e without "
                                                                 "radiative forcing, kg; null without travel")
    goals: list[int] = PydanticField(description="the motivated goals (1-9) of the current screening")
    decision: DecisionKind | None = PydanticField(description="the decision in force (none once a returned proposal "
                                                              "is amended)")
    decided_by: str | None = PydanticField(description="the name of the key that made the decision in force; null "
                                                       "when none")
    decided_at: dt.datetime | None = PydanticField(description="when the decision in force was made, UTC, RFC 3339 "
                                                               "(2027-03-10T08:00:00Z); null when none")
    submitted_by: str = PydanticField(description="the name of the key that stored it")
    created_at: dt.datetime = PydanticField(description="when it was stored, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    updated_at: dt.datetime = PydanticField(description="when it last changed, UTC, RFC 3339 (2027-03-10T08:00:00Z)")


class ProposalPage(BaseModel):
    items: list[ProposalListItem] = PydanticField(description="the proposals of this page, newest first")
    limit: int = PydanticField(description="the page size asked for, 1–200 (default 50)")
    next_cursor: str | None = PydanticField(description="pass as `cursor` (with the same filters) for the next page; "
                                                        "null on the last page")


class ScreeningPublic(Screening):
    """A preview screening (nothing stored) with the summary in the language asked for."""

    summary: str = PydanticField(description="summary_sv or summary_en, by Accept-Language (sv by default)")


class StoredScreening(BaseModel):
    id: str = PydanticField(description="the screening's id (a UUID)")
    proposal_id: str = PydanticField(description="the proposal it belongs to")
    revision: int = PydanticField(description="the proposal's revision it was made for")
    reason: str = PydanticField(description="why it was made: created, amended or rescreen")
    created_at: dt.datetime = PydanticField(description="when, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    policy_version: str = PydanticField(description="the policy it was computed under")
    policy_hash: str = PydanticField(description="sha256 of that policy's content (sha256:…)")
    engine_version: str = PydanticField(description="the version of the screening engine")
    recommendation: str = PydanticField(description="its recommendation")
    score: float = PydanticField(description="its score, 0–100")
    input: dict[str, Any] = PydanticField(description="the proposal body as validated and screened")
    result: Screening = PydanticField(description="the screening as computed then")


class BatchItemResult(BaseModel):
    index: int = PydanticField(description="the item's position in proposals, from 0")
    status: int = PydanticField(description="the item's own HTTP status: 201 stored; 422 invalid, 403 another "
                                            "department, 409 a duplicate external_ref")
    id: str | None = PydanticField(None, description="the stored proposal's id; null when the item was refused")
    external_ref: str | None = PydanticField(None, description="the item's external_ref, when it has one")
    recommendation: str | None = PydanticField(None, description="the stored proposal's recommendation; null when "
                                                                 "refused")
    score: float | None = PydanticField(None, description="the stored proposal's score, 0–100; null when refused")
    problem: dict[str, Any] | None = PydanticField(None, description="why the item was refused, as RFC 9457 problem "
                                                                     "details (type, title, status, detail, errors); "
                                                                     "null when stored")


class BatchResult(BaseModel):
    created: int = PydanticField(description="items stored")
    failed: int = PydanticField(description="items refused")
    results: list[BatchItemResult] = PydanticField(description="one result per item, in the order sent")
