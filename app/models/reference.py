"""Response shapes of the reference and case endpoints, so an integrator can read them from the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.models.client import Role
from app.screening.policy import Digital, Distance
from app.screening.result import Recommendation


class Me(BaseModel):
    client: str = Field(description="the key's name")
    role: Role = Field(description="submitter, officer, viewer or admin")
    department: str | None = Field(description="the department a submitter key may create proposals for")


class GoalInfo(BaseModel):
    goal: int = Field(ge=1, le=9, description="the goal's number, 1–9")
    label: str = Field(description="a one-word label, in Swedish")
    title_sv: str = Field(description="the goal's title, in Swedish")
    title_en: str = Field(description="the goal's title, in English")
    sdgs: list[int] = Field(description="every linked SDG, official and proposed")
    sdgs_official: list[int] = Field(description="UN Sustainable Development Goals (1–17) the municipality links to "
                                                 "the goal")
    sdgs_proposed: list[int] = Field(description="SDGs (1–17) the policy proposes where there is no official link")
    sdg_note: str = Field(description="where the SDG links come from")


class PartnerInfo(BaseModel):
    slug: str = Field(description="the partner's identifier, as proposals may name it")
    name_sv: str = Field(description="the partner's name, in Swedish")
    name_en: str = Field(description="the partner's name, in English")
    aliases: list[str] = Field(description="other names proposals may use")
    kind: Literal["network", "organisation", "city", "twin_town", "agreement", "country"] = Field(
        description="network, organisation, city, twin_town, agreement or country")
    focus_areas: list[str] = Field(description="the focus areas it belongs to: regional_arctic, eu, twin_town, other")
    status: Literal["active", "dormant", "deprioritised", "ended"] = Field(
        description="active, dormant (a condition to motivate reactivation), deprioritised (a condition and a strong "
                    "score penalty) or ended (a blocker)")
    place: str | None = Field(description="the key of its place in the policy's gazetteer; null when none")
    note: str = Field(description="what the plan says about it")


class FactorInfo(BaseModel):
    mode: Literal["flight", "train", "bus", "car", "taxi", "ferry", "digital"] = Field(
        description="flight, train, bus, car, taxi, ferry or digital")
    variant: str = Field(description="the row within the mode, e.g. short-haul-economy, electric-nordic, coach, petrol")
    with_rf: float = Field(description="the factor in kg CO2e per unit, radiative forcing included for flights")
    without_rf: float | None = Field(description="flights: the factor without radiative forcing, kg CO2e per unit; "
                                                 "null for other modes")
    wtt: float | None = Field(description="well-to-tank add-on, where it is separate")
    wtt_included: bool = Field(description="true when with_rf already includes well-to-tank")
    unit: Literal["pkm", "vkm", "participant_hour"] = Field(description="pkm (per passenger-km), vkm (per vehicle-km, "
                                                                        "shared by the occupants) or participant_hour")
    source: str = Field(description="where the factor comes from")
    year: int = Field(description="the year of the source's factor set")
    note: str = Field(description="an explanation, e.g. an assumption of the policy")
    value: float = Field(description="the factor used for the headline co2e_kg: with RF, plus WTT")
    value_without_rf: float = Field(description="kg CO2e per unit without radiative forcing, well-to-tank kept")


class EmissionFactors(BaseModel):
    policy_version: str = Field(description="the active policy the factors come from")
    factors: list[FactorInfo] = Field(description="the factor table (SPEC §6a)")
    digital: Digital = Field(description="the digital meeting's factor and sensitivity range")
    distance: Distance = Field(description="how distances are computed")


class PlaceFound(BaseModel):
    name: str = Field(description="the place's name as the engine uses it")
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code; null when unknown")
    lat: float = Field(description="latitude, degrees north (WGS 84)")
    lon: float = Field(description="longitude, degrees east (WGS 84)")
    kind: Literal["airport", "gazetteer", "city", "coordinates"] = Field(
        description="airport, gazetteer (the policy's own places), city or coordinates")
    iata: str | None = Field(description="the airport's IATA code; null for other places")
    source: str = Field(description="the data set or policy entry the coordinates come from")
    surface_link: bool = Field(description="false where the policy knows no surface connection (air only)")


class AuditEntry(BaseModel):
    id: int = Field(description="the entry's number, ascending in time")
    at: str = Field(description="UTC, ISO 8601")
    actor: str = Field(description="the name of the key that acted")
    request_id: str | None = Field(description="the X-Request-ID of the request that acted; null when none (a command "
                                               "on the server)")
    action: str = Field(description="what happened: proposal.created, proposal.amended, proposal.decided, "
                                    "proposal.withdrawn, proposal.rescreened")
    details: dict[str, Any] = Field(description="what changed: the fields amended, the decision and reason, the "
                                                "status before and after")


class RescreenChange(BaseModel):
    id: str = Field(description="the proposal's id")
    title: str = Field(description="the proposal's title")
    department: str = Field(description="the submitting department's slug")
    from_: Recommendation = Field(alias="from", description="the recommendation before")
    to: Recommendation = Field(description="the recommendation now")
    score_from: float = Field(description="the score before, 0–100")
    score_to: float = Field(description="the score now, 0–100")


class RescreenFailure(BaseModel):
    id: str = Field(description="the proposal's id")
    detail: str = Field(description="why it could not be re-screened (e.g. a place the new policy cannot resolve)")


class RescreenAllResult(BaseModel):
    policy_version: str = Field(description="the active policy the proposals were re-screened under")
    rescreened: int = Field(description="how many screened or returned proposals got a new screening")
    changed: int = Field(description="how many changed recommendation")
    changes: list[RescreenChange] = Field(description="the proposals whose recommendation changed")
    failed: list[RescreenFailure] = Field(description="the proposals that could not be re-screened, and why")
