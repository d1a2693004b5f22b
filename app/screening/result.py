"""The screening result (SPEC §4): what the engine returns, every number with its reason."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Severity(StrEnum):
    info = "info"
    advice = "advice"
    missing = "missing"
    condition = "condition"
    blocker = "blocker"


class Recommendation(StrEnum):
    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    prefer_digital = "prefer_digital"
    needs_information = "needs_information"
    reject = "reject"


class Finding(_Out):
    code: str
    severity: Severity
    message_sv: str
    message_en: str
    plan_ref: str


class Condition(_Out):
    code: str
    text_sv: str
    text_en: str


class ScorePart(_Out):
    part: str
    score: float
    weight: float
    points: float
    reason_sv: str
    reason_en: str


class QuestionResult(_Out):
    key: str
    question_sv: str
    question_en: str
    answer: str
    motivation_substantive: bool
    counted_as: str
    score: float


class GoalResult(_Out):
    goal: int
    title_sv: str
    title_en: str
    claimed: bool
    motivated: bool
    score: float
    sdgs: list[int]
    sdgs_official: list[int]
    sdgs_proposed: list[int]
    reason_sv: str
    reason_en: str


class FactorUsed(_Out):
    mode: str
    variant: str
    value: float
    value_without_rf: float
    with_rf: float
    without_rf: float | None
    wtt: float | None
    wtt_included: bool
    unit: str
    source: str
    year: int


class PlaceUsed(_Out):
    query: str
    name: str
    lat: float
    lon: float
    country: str | None
    kind: str
    iata: str | None
    source: str


class Alternative(_Out):
    mode: str
    distance_km: float
    distance_basis: str
    co2e_kg: float
    saving_kg: float
    factor: FactorUsed


class LegResult(_Out):
    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    index: int
    from_: PlaceUsed = Field(alias="from")
    to: PlaceUsed
    mode: str
    cabin: str | None
    round_trip: bool
    great_circle_km: float
    distance_km: float
    distance_basis: str
    haul: str | None
    travellers: int
    occupants: int | None
    vehicles: int | None
    trips: int
    co2e_kg: float
    co2e_kg_without_rf: float
    factor: FactorUsed
    corridor: str | None
    mode_shift: bool
    alternatives: list[Alternative]


class DigitalMeeting(_Out):
    participants: int
    hours: float
    hours_basis: str
    co2e_kg: float
    co2e_kg_low: float
    co2e_kg_high: float
    saving_kg: float
    climate_gain: bool
    factor: FactorUsed


class TripAlternative(_Out):
    mode: str
    description_sv: str
    description_en: str
    co2e_kg: float
    saving_kg: float


class Climate(_Out):
    co2e_kg: float
    co2e_kg_without_rf: float
    co2e_kg_per_traveller: float
    travellers: int
    legs: list[LegResult]
    alternatives: list[TripAlternative]
    digital_meeting: DigitalMeeting
    mode_shift_saving_kg: float


class PartnerResult(_Out):
    query: str
    matched: bool
    slug: str | None
    name_sv: str | None
    name_en: str | None
    status: str | None
    focus_areas: list[str]


class FocusAreaResult(_Out):
    stated: str | None
    effective: list[str]
    prioritised: bool


class Screening(_Out):
    recommendation: Recommendation
    score: float
    approve_threshold: float
    score_parts: list[ScorePart]
    summary_sv: str
    summary_en: str
    findings: list[Finding]
    conditions: list[Condition]
    value_added: list[QuestionResult]
    goals: list[GoalResult]
    focus_area: FocusAreaResult
    partners: list[PartnerResult]
    climate: Climate | None
    policy_version: str
    policy_hash: str
    engine_version: str
