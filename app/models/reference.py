"""Response shapes of the reference and case endpoints, so an integrator can read them from the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.models.client import Role
from app.screening.policy import Digital, Distance
from app.screening.result import Recommendation


class Me(BaseModel):
    client: str = Field(description="the key's name")
    role: Role
    department: str | None = Field(description="the department a submitter key may create proposals for")


class GoalInfo(BaseModel):
    goal: int = Field(ge=1, le=9)
    label: str
    title_sv: str
    title_en: str
    sdgs: list[int] = Field(description="every linked SDG, official and proposed")
    sdgs_official: list[int]
    sdgs_proposed: list[int]
    sdg_note: str


class PartnerInfo(BaseModel):
    slug: str
    name_sv: str
    name_en: str
    aliases: list[str]
    kind: Literal["network", "organisation", "city", "twin_town", "agreement", "country"]
    focus_areas: list[str]
    status: Literal["active", "dormant", "deprioritised", "ended"]
    place: str | None
    note: str


class FactorInfo(BaseModel):
    mode: Literal["flight", "train", "bus", "car", "taxi", "ferry", "digital"]
    variant: str
    with_rf: float
    without_rf: float | None
    wtt: float | None = Field(description="well-to-tank add-on, where it is separate")
    wtt_included: bool
    unit: Literal["pkm", "vkm", "participant_hour"]
    source: str
    year: int
    note: str
    value: float = Field(description="the factor used for the headline co2e_kg: with RF, plus WTT")
    value_without_rf: float


class EmissionFactors(BaseModel):
    policy_version: str
    factors: list[FactorInfo]
    digital: Digital
    distance: Distance


class PlaceFound(BaseModel):
    name: str
    country: str | None
    lat: float
    lon: float
    kind: Literal["airport", "gazetteer", "city", "coordinates"]
    iata: str | None
    source: str
    surface_link: bool = Field(description="false where the policy knows no surface connection (air only)")


class AuditEntry(BaseModel):
    id: int
    at: str = Field(description="UTC, ISO 8601")
    actor: str = Field(description="the name of the key that acted")
    request_id: str | None
    action: str
    details: dict[str, Any]


class RescreenChange(BaseModel):
    id: str
    title: str
    department: str
    from_: Recommendation = Field(alias="from")
    to: Recommendation
    score_from: float
    score_to: float


class RescreenFailure(BaseModel):
    id: str
    detail: str


class RescreenAllResult(BaseModel):
    policy_version: str
    rescreened: int
    changed: int = Field(description="how many changed recommendation")
    changes: list[RescreenChange]
    failed: list[RescreenFailure]
