"""The change feed (SPEC §12): what changed, oldest first, for systems that follow it instead of polling proposals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from app.deps import Reader, SessionDep
from app.errors import responses
from app.screening.proposal import NO_NUL
from app.services import events

router = APIRouter(prefix="/v1/events", tags=["events"])

MAX_LIMIT = 200


class EventData(BaseModel):
    """What the change left: the proposal's status, recommendation, score and revision after it, and what the event
    type adds (a decision and its reason, a withdrawal's reason, the fields an amendment changed, the screening and
    policy version of a screening, the recommendation before a re-screening; for policy.activated the version)."""

    model_config = {"extra": "allow"}

    status: str | None = Field(default=None, description="the proposal's status after the change")
    recommendation: str | None = Field(default=None, description="the proposal's recommendation after the change")
    score: float | None = Field(default=None, description="its value-added score, 0–100, after the change")
    revision: int | None = Field(default=None, description="the proposal's revision after the change")


class EventPublic(BaseModel):
    id: str = Field(description="the event's id, unique in this service; the webhook-id of its deliveries")
    type: str = Field(description="what happened: " + ", ".join(events.TYPES))
    created_at: str = Field(description="when the change was made (RFC 3339, UTC)")
    proposal_id: str | None = Field(description="the proposal changed; null for policy.activated")
    department: str | None = Field(description="the proposal's department (its slug) after the change")
    external_ref: str | None = Field(description="the submitting system's own reference of the proposal")
    data: EventData = Field(description="what the change left (see EventData)")


class EventPage(BaseModel):
    items: list[EventPublic] = Field(description="events after the cursor, oldest first")
    next_cursor: str = Field(description="send as `after` to continue; it stays where it was when nothing is new")


@router.get("", response_model=EventPage, responses=responses(401, 403, 422, 503),
            summary="The change feed: every event after a cursor, oldest first")
def list_events(
    session: SessionDep, principal: Reader,
    after: Annotated[str | None, Query(max_length=200, pattern=NO_NUL,
                                       description="next_cursor of the previous page; without it the feed starts at "
                                                   "its first event")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="events per page, at most 200")] = 100,
    type: Annotated[list[events.EventType] | None, Query(  # noqa: A002 - the parameter's name in SPEC §12
        max_length=len(events.TYPES), description="only these types (repeat the parameter for several)")] = None,
) -> Response:
    """Submitter keys see their own department's proposals' events (and policy activations); officer and admin keys
    see all. A reader that follows `next_cursor` gets every event exactly once, in one order, also while many writers
    commit at once: an event's id is taken under a lock its transaction holds until it commits, so an event with a
    lower id is always committed before one with a higher id, and a cursor is never moved past one still to come.
    Poll with the last `next_cursor`; an empty page means nothing new yet."""
    types = sorted({t.value for t in type}) if type else None
    body: dict[str, Any] = events.page(session, principal, after, limit, types)
    return Response(to_json(body), media_type="application/json")
