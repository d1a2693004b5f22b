"""Webhooks (admin, SPEC §12): register a receiver, read it and its deliveries, delete it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from app.deps import Admin, EngineDep, IdempotencyKey, RequestIdDep, SessionDep, SettingsDep
from app.errors import responses
from app.routing import JsonBodyRoute
from app.services import idempotency, webhooks
from app.services.events import TYPES, EventType
from app.services.idempotency import Outcome

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=JsonBodyRoute)

WebhookId = Annotated[str, Path(description="the webhook's id", max_length=36)]
SHOWN_ONCE = "shown only once, when the webhook was registered; delete it and register again for a new secret"


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=8, max_length=2000,
                              description="where deliveries are POSTed: https, to a public address (plain http and "
                                          "private addresses only where the operator allows them)")]
    events: Annotated[list[EventType] | None, Field(
        max_length=len(TYPES), description="the event types to deliver; absent or empty: every type")] = None
    department: Annotated[str | None, Field(max_length=64, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
                                            description="only this department's proposals' events (policy "
                                                        "activations are then left out); absent: every department")] \
        = None


class DeliveryCounts(BaseModel):
    pending: int = Field(description="waiting for their first or next attempt")
    delivered: int = Field(description="answered with a 2xx status")
    failed: int = Field(description="not delivered within the retry window (24 hours by default)")
    cancelled: int = Field(description="pending when the webhook was deleted")


class WebhookPublic(BaseModel):
    id: str = Field(description="the webhook's id")
    url: str = Field(description="where deliveries are POSTed")
    events: list[str] = Field(description="the event types delivered")
    department: str | None = Field(description="only this department's events; null: every department")
    created_at: str = Field(description="when it was registered (RFC 3339, UTC)")
    created_by: str = Field(description="the admin key's client that registered it")
    deliveries: DeliveryCounts = Field(description="its deliveries by status")


class WebhookCreated(WebhookPublic):
    secret: str | None = Field(description="the signing secret (whsec_…) for the standardwebhooks library's "
                                           "Webhook(secret).verify(body, headers); shown once")


class DeliveryPublic(BaseModel):
    id: str = Field(description="the delivery's id")
    event_id: str = Field(description="the event delivered (its id in GET /v1/events; webhook-id is evt_ and it)")
    event_type: str = Field(description="the event's type")
    status: Literal["pending", "delivered", "failed", "cancelled"] = Field(description="where the delivery stands")
    attempts: int = Field(description="attempts made so far")
    created_at: str = Field(description="when the delivery was made from the event (RFC 3339, UTC)")
    next_attempt_at: str | None = Field(description="when it is next tried, while pending")
    last_attempt_at: str | None = Field(description="when it was last tried")
    last_status_code: int | None = Field(description="the receiver's HTTP status at the last attempt; null when no "
                                                     "answer came")
    last_error: str | None = Field(description="why the last attempt failed, when it did")
    delivered_at: str | None = Field(description="when a 2xx answer came")


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic] = Field(description="deliveries, newest first")
    next_cursor: str | None = Field(description="send as `cursor` for older ones; null at the end")


def _json(body: Any, status: int = 200) -> Response:
    return Response(to_json(body), status_code=status, media_type="application/json")


@router.post("", status_code=201, response_model=WebhookCreated,
             responses=responses(400, 401, 403, 409, 413, 422, 503), summary="Register a webhook (admin)")
def create_webhook(
    body: Annotated[WebhookCreate, Body(openapi_examples={"beslut": {
        "summary": "Beslut till resebokningen",
        "value": {"url": "https://resor.example.org/vagval/webhook", "events": ["proposal.decided"]}}})],
    session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep, request_id: RequestIdDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The receiver gets every event of the chosen types committed from now on, signed with the secret in this
    answer (shown once). Deliveries are POSTs with the Standard Webhooks headers `webhook-id`, `webhook-timestamp`
    and `webhook-signature`; the body is `{"type", "timestamp", "data"}`, `data` being the event as
    `GET /v1/events` shows it. Any 2xx answer counts as delivered; anything else is retried with exponential backoff
    for 24 hours, then the delivery is marked failed. Delivery is at least once: deduplicate by `webhook-id`."""

    def work(s: SessionDep) -> Outcome:
        info, secret = webhooks.create(s, url=body.url, types=[t.value for t in body.events or []],
                                       department=body.department, actor=principal.name, request_id=request_id,
                                       settings=settings)
        return Outcome(201, info | {"secret": secret}, {"Location": f"/v1/webhooks/{info['id']}"},
                       replay_body=info | {"secret": None, "note": SHOWN_ONCE})

    fp = lambda: idempotency.fingerprint("POST", "/v1/webhooks", body.model_dump_json().encode())  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp, work, settings)


@router.get("", response_model=list[WebhookPublic], responses=responses(401, 403, 503),
            summary="List webhooks (admin)")
def list_webhooks(session: SessionDep, principal: Admin) -> Response:
    """Every registered webhook with its deliveries by status; never the secret."""
    return _json(webhooks.list_all(session))


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=responses(401, 403, 404, 503),
            summary="One webhook (admin)")
def read_webhook(webhook_id: WebhookId, session: SessionDep, principal: Admin) -> Response:
    """The webhook and its deliveries by status; never the secret."""
    return _json(webhooks.get(session, webhook_id))


@router.delete("/{webhook_id}", status_code=204, responses=responses(401, 403, 404, 503),
               summary="Delete a webhook (admin)")
def delete_webhook(webhook_id: WebhookId, session: SessionDep, principal: Admin, request_id: RequestIdDep) -> Response:
    """Nothing more is sent to it; its pending deliveries are cancelled."""
    webhooks.delete(session, webhook_id, principal.name, request_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage, responses=responses(401, 403, 404, 422, 503),
            summary="A webhook's deliveries, newest first (admin)")
def list_deliveries(
    webhook_id: WebhookId, session: SessionDep, principal: Admin,
    status: Annotated[Literal["pending", "delivered", "failed", "cancelled"] | None,
                      Query(description="only deliveries in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="deliveries per page, at most 200")] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,19}$", description="next_cursor of the previous page")]
    = None,
) -> Response:
    """Each delivery: its event, status, attempts, the last answer or error, and when it is next tried."""
    return _json(webhooks.deliveries(session, webhook_id, status, limit, int(cursor) if cursor else None))
