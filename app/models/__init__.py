"""Table models, one module per entity; importing this package registers every table on SQLModel.metadata."""

from app.models.audit import AuditEvent
from app.models.client import ApiKey, Client, Role
from app.models.department import Department
from app.models.events import Event, Webhook, WebhookDelivery
from app.models.facts import ProposalLeg, ProposalTag
from app.models.idempotency import IdempotencyRecord
from app.models.policy import PolicyRecord
from app.models.proposal import ProposalRecord, Status
from app.models.rollup import StatsRollup
from app.models.screening import ScreeningRecord

__all__ = ["ApiKey", "AuditEvent", "Client", "Department", "Event", "IdempotencyRecord", "PolicyRecord", "ProposalLeg", "ProposalRecord",
           "ProposalTag", "Role", "ScreeningRecord", "Status", "StatsRollup", "Webhook",
           "WebhookDelivery"]
