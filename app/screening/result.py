"""The screening result (SPEC §4): what the engine returns, every number with its reason."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    # each field's docstring is its description in the OpenAPI document
    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)


class Severity(StrEnum):
    """How much a finding weighs: info (no effect), advice (shown, no effect on the recommendation), missing
    (information needed to decide), condition (an approval must carry it), blocker (the proposal cannot be
    recommended for approval)."""

    info = "info"
    advice = "advice"
    missing = "missing"
    condition = "condition"
    blocker = "blocker"


class Recommendation(StrEnum):
    """The engine's recommendation (SPEC §4), by precedence: reject (a blocker finding), prefer_digital (the
    digital-first rule fired), needs_information (a missing finding, or a score below the policy's threshold),
    approve_with_conditions (a condition finding), approve."""

    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    prefer_digital = "prefer_digital"
    needs_information = "needs_information"
    reject = "reject"


class Finding(_Out):
    code: str
    """the rule's code of SPEC §3 and what it found, e.g. CLIMATE_MODE_SHIFT or VALUE_ADDED_NO_MOTIVATION"""
    severity: Severity
    """info, advice, missing, condition or blocker (see Severity)"""
    message_sv: str
    """what was found and why, in Swedish"""
    message_en: str
    """what was found and why, in English"""
    plan_ref: str
    """where the rule comes from: the plan's words, quoted from the policy"""


class Condition(_Out):
    code: str
    """the code of the condition finding it comes from"""
    text_sv: str
    """the condition an approval carries, in Swedish"""
    text_en: str
    """the condition an approval carries, in English"""


class ScorePart(_Out):
    part: str
    """value_added, goals, climate, focus_area, partners, gender_equality or eu_funding"""
    score: float
    """the part's own score, 0–100"""
    weight: float
    """the part's weight in the policy, 0–100 (the weights add up to 100)"""
    points: float
    """score × weight / 100: what the part adds to the total score"""
    reason_sv: str
    """why the part scores so, in Swedish"""
    reason_en: str
    """why the part scores so, in English"""


class QuestionResult(_Out):
    key: str
    """the question: development, environmental_scanning or influence"""
    question_sv: str
    """the plan's question, in Swedish"""
    question_en: str
    """the plan's question, in English"""
    answer: str
    """the answer as given: yes, partly or no"""
    motivation_substantive: bool
    """whether the motivation has substance (the policy's least characters and words, by default 20 and 3)"""
    counted_as: str
    """the answer as scored: a yes or partly without a substantive motivation counts as partly"""
    score: float
    """the policy's score for counted_as, 0–100"""


class GoalResult(_Out):
    goal: int
    """the overarching goal's number, 1–9"""
    title_sv: str
    """the goal's title, in Swedish"""
    title_en: str
    """the goal's title, in English"""
    claimed: bool
    """whether the proposal names the goal"""
    motivated: bool
    """whether it names it with a substantive motivation: only motivated goals count"""
    score: float
    """100 for a motivated goal, else 0 (the scale of the score parts, 0–100)"""
    sdgs: list[int]
    """the UN Sustainable Development Goals (1–17) linked to the goal, official and proposed"""
    sdgs_official: list[int]
    """SDGs the municipality itself links to the goal"""
    sdgs_proposed: list[int]
    """SDGs the policy proposes where the municipality has no official link"""
    reason_sv: str
    """why the goal scores so, in Swedish"""
    reason_en: str
    """why the goal scores so, in English"""


class FactorUsed(_Out):
    mode: str
    """flight, train, bus, car, taxi, ferry or digital"""
    variant: str
    """the row of the factor table, e.g. short-haul-economy, electric-nordic, coach, petrol"""
    value: float
    """kg CO2e per unit used for the headline co2e_kg: with_rf plus wtt where that is a separate add-on"""
    value_without_rf: float
    """kg CO2e per unit without radiative forcing (well-to-tank kept), for co2e_kg_without_rf"""
    with_rf: float
    """the source's factor in kg CO2e per unit, radiative forcing included for flights"""
    without_rf: float | None
    """flights: the source's factor without radiative forcing, kg CO2e per unit; null for other modes"""
    wtt: float | None
    """the well-to-tank add-on (fuel production), kg CO2e per unit; null where the source gives none"""
    wtt_included: bool
    """true when with_rf already includes well-to-tank"""
    unit: str
    """pkm (per passenger-km), vkm (per vehicle-km, shared by the occupants) or participant_hour"""
    source: str
    """where the factor comes from"""
    year: int
    """the year of the source's factor set"""


class PlaceUsed(_Out):
    query: str
    """the place as the proposal gave it (a name, an IATA code, or the coordinates' name)"""
    name: str
    """the place the engine chose, named so a reader can check it (on a flight leg, its airport)"""
    lat: float
    """latitude, degrees north (WGS 84), −90 to 90"""
    lon: float
    """longitude, degrees east (WGS 84), −180 to 180"""
    country: str | None
    """ISO 3166-1 alpha-2 country code; null when unknown"""
    kind: str
    """what matched: airport, gazetteer (the policy's own places), city or coordinates"""
    iata: str | None
    """the airport's IATA code, for an airport; else null"""
    source: str
    """the data set or policy entry the coordinates come from"""


class Alternative(_Out):
    mode: str
    """a lower-emission mode that can serve the leg: train, bus or ferry"""
    distance_km: float
    """the distance by that mode, km (great-circle × the mode's detour factor, or a routed distance the policy pins)"""
    distance_basis: str
    """how distance_km was found"""
    co2e_kg: float
    """kg CO2e of the leg by this mode, for every traveller and both ways of a round trip"""
    saving_kg: float
    """kg CO2e saved against the leg as proposed (its co2e_kg minus this one's)"""
    factor: FactorUsed
    """the emission factor used"""


class LegResult(_Out):
    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    index: int
    """the leg's position in travel.legs, from 0"""
    from_: PlaceUsed = Field(alias="from")
    """where the leg starts, as resolved"""
    to: PlaceUsed
    """where the leg ends, as resolved"""
    mode: str
    """flight, train, bus, car, taxi or ferry"""
    cabin: str | None
    """flights: economy or business; null for other modes"""
    round_trip: bool
    """true: there and back (trips is 2)"""
    great_circle_km: float
    """great-circle distance between the two ends, km (haversine on a sphere of radius 6371.0088 km)"""
    distance_km: float
    """the one-way distance the factor is applied to, km: great-circle for flights and ferries, × the detour factor for
    train (1.2), bus (1.5), car and taxi (1.3), or a routed distance the policy pins"""
    distance_basis: str
    """how distance_km was found"""
    haul: str | None
    """flights: short-haul (great-circle under 3,700 km) or long-haul (DESNZ's bands); null for other modes"""
    travellers: int
    """the travellers of the travel plan"""
    occupants: int | None
    """car and taxi: people per vehicle; null for other modes"""
    vehicles: int | None
    """car and taxi: vehicles needed, ceil(travellers / occupants); null for other modes"""
    trips: int
    """1, or 2 for a round trip"""
    co2e_kg: float
    """kg CO2e of the leg for every traveller (car and taxi: every vehicle) and every trip, radiative forcing and
    well-to-tank included"""
    co2e_kg_without_rf: float
    """the same without radiative forcing (well-to-tank kept), kg CO2e"""
    factor: FactorUsed
    """the emission factor used"""
    corridor: str | None
    """the key of the policy's surface corridor the leg lies on; null when none"""
    mode_shift: bool
    """true when the leg is a flight shorter than the policy's mode-shift limit (default 500 km) on a corridor with a
    surface connection: a condition says to go by surface"""
    alternatives: list[Alternative]
    """every lower-emission mode the policy allows for this leg, lowest CO2e first"""


class DigitalMeeting(_Out):
    participants: int
    """the travellers, as participants of the meeting"""
    hours: float
    """meeting hours per participant"""
    hours_basis: str
    """where hours come from: meeting_hours as stated, or the policy's hours per day (default 6) times the days from
    start_date to end_date inclusive (one day without dates)"""
    co2e_kg: float
    """kg CO2e of the digital meeting: participants × hours × the factor (default 0.05 kg per participant-hour)"""
    co2e_kg_low: float
    """the same at the low end of the policy's sensitivity range (default 0.03 kg per participant-hour)"""
    co2e_kg_high: float
    """the same at the high end of the policy's sensitivity range (default 0.16 kg per participant-hour)"""
    saving_kg: float
    """the trip's co2e_kg minus the meeting's: what meeting digitally avoids, kg CO2e; negative when the meeting emits
    more than the travel"""
    climate_gain: bool
    """true when saving_kg is positive"""
    factor: FactorUsed
    """the emission factor used"""


class TripAlternative(_Out):
    mode: str
    """digital (a video meeting instead of the trip) or lowest_emission_modes (the lowest-emission alternative on every
    leg)"""
    description_sv: str
    """the alternative, in Swedish"""
    description_en: str
    """the alternative, in English"""
    co2e_kg: float
    """kg CO2e of the alternative"""
    saving_kg: float
    """kg CO2e saved against the trip as proposed; negative when the alternative emits more"""


class Climate(_Out):
    co2e_kg: float
    """kg CO2e of all legs, radiative forcing and well-to-tank included: the headline figure"""
    co2e_kg_without_rf: float
    """the same without radiative forcing (well-to-tank kept), kg CO2e"""
    co2e_kg_per_traveller: float
    """kg CO2e per traveller: co2e_kg divided by the travellers"""
    travellers: int
    """the travellers of the travel plan"""
    legs: list[LegResult]
    """each leg with its distance, factor, CO2e and alternatives"""
    alternatives: list[TripAlternative]
    """alternatives for the whole trip: a digital meeting, and the lowest-emission mode on every leg when that emits
    less"""
    digital_meeting: DigitalMeeting
    """the digital meeting that could replace the trip"""
    mode_shift_saving_kg: float
    """kg CO2e saved if every leg with a mode-shift condition went by its lowest-emission alternative"""


class PartnerResult(_Out):
    query: str
    """the partner as the proposal names it"""
    matched: bool
    """whether it is one of the policy's partners (by slug, Swedish or English name, or alias)"""
    slug: str | None
    """the policy's slug for the partner; null when unmatched"""
    name_sv: str | None
    """the partner's Swedish name; null when unmatched"""
    name_en: str | None
    """the partner's English name; null when unmatched"""
    status: str | None
    """active, dormant, deprioritised or ended under the plan; null when unmatched"""
    focus_areas: list[str]
    """the partner's focus areas (empty when unmatched)"""


class FocusAreaResult(_Out):
    stated: str | None
    """the proposal's focus_area; null when it gave none"""
    effective: list[str]
    """the focus areas screened: the stated one, else those of the matched partners, else other"""
    prioritised: bool
    """whether one of them is a focus area the plan prioritises"""


class Screening(_Out):
    recommendation: Recommendation
    """approve, approve_with_conditions, prefer_digital, needs_information or reject (see Recommendation)"""
    score: float
    """0–100: the sum of the score parts' points, rounded to 0.1"""
    approve_threshold: float
    """the policy's least score for an approval of any kind, 0–100"""
    score_parts: list[ScorePart]
    """each part of the score with its own score, weight and reason"""
    summary_sv: str
    """the recommendation and its main reasons in one paragraph, in Swedish"""
    summary_en: str
    """the recommendation and its main reasons in one paragraph, in English"""
    findings: list[Finding]
    """everything the rules found, each with its severity and the plan's words"""
    conditions: list[Condition]
    """the conditions an approval carries (the condition findings), whatever the recommendation"""
    value_added: list[QuestionResult]
    """the plan's three value-added questions with answer, motivation check and score"""
    goals: list[GoalResult]
    """each of the nine overarching goals: claimed, motivated, score and SDGs"""
    focus_area: FocusAreaResult
    """the focus area stated and the ones screened"""
    partners: list[PartnerResult]
    """each partner named, matched against the policy's partners"""
    climate: Climate | None
    """the travel's CO2e per leg and in total, with alternatives; null when the proposal has no travel"""
    policy_version: str
    """the version of the policy the screening was computed under"""
    policy_hash: str
    """sha256 of that policy's content (sha256:…)"""
    engine_version: str
    """the version of the screening engine"""
