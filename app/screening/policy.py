"""The policy: a municipality's plan as versioned, validated data (SPEC §5)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from app.screening.fieldnames import unknown_field

DEFAULT_POLICY_PATH = Path(__file__).parent / "policies" / "lulea-2019-2023-rev-2021-12-03.toml"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
IataCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
PositiveFactor = Annotated[float, Field(strict=True, ge=0)]


class PartnerStatus(StrEnum):
    """A partner's status under the plan: active; dormant (vilande: a condition to motivate why it is reactivated);
    deprioritised (no longer prioritised: a condition to motivate it and a strong score penalty); ended (avslutat: a
    blocker)."""

    active = "active"
    dormant = "dormant"
    deprioritised = "deprioritised"
    ended = "ended"


class FocusArea(StrEnum):
    """The plan's focus areas: regional_arctic (regional/Arctic cooperation), eu (within the European Union) and
    twin_town (twin towns) are prioritised; other (other parts of the world) is allowed when opportunities arise."""

    regional_arctic = "regional_arctic"
    eu = "eu"
    twin_town = "twin_town"
    other = "other"


class _Model(BaseModel):
    # each field's docstring is its description in the OpenAPI document
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class PolicyInfo(_Model):
    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    """the policy's version: letters, digits, dots, underscores and hyphens, at most 100 characters; a changed policy is
    a new version"""
    municipality: str
    """the municipality whose plan this is"""
    title_sv: str
    """the plan's title, in Swedish"""
    title_en: str
    """the plan's title, in English"""
    adopted: str
    """when the plan was adopted or last updated (YYYY-MM-DD)"""
    source: str
    """where the plan's text is"""


class MotivationRule(_Model):
    """What counts as a substantive motivation (SPEC §3: at least 20 characters and 3 words)."""

    min_chars: Annotated[int, Field(strict=True, ge=0)]
    """the least characters of a substantive motivation (SPEC §3: 20)"""
    min_words: Annotated[int, Field(strict=True, ge=0)]
    """the least different words of a substantive motivation (SPEC §3: 3)"""


class Weights(_Model):
    value_added: Annotated[float, Field(strict=True, ge=0)]
    """weight of the value-added part, 0–100; the seven weights add up to 100"""
    goals: Annotated[float, Field(strict=True, ge=0)]
    """weight of the goals part, 0–100"""
    climate: Annotated[float, Field(strict=True, ge=0)]
    """weight of the climate part, 0–100"""
    focus_area: Annotated[float, Field(strict=True, ge=0)]
    """weight of the focus-area part, 0–100"""
    partners: Annotated[float, Field(strict=True, ge=0)]
    """weight of the partners part, 0–100"""
    gender_equality: Annotated[float, Field(strict=True, ge=0)]
    """weight of the gender-equality part, 0–100"""
    eu_funding: Annotated[float, Field(strict=True, ge=0)]
    """weight of the EU-funding part, 0–100"""

    @model_validator(mode="after")
    def _sum_to_100(self) -> Weights:
        total = sum(self.model_dump().values())
        if abs(total - 100) > 1e-9:
            raise ValueError(f"weights must add up to 100, they add up to {total:g}")
        return self


Score = Annotated[float, Field(strict=True, ge=0, le=100)]


class ValueAddedScores(_Model):
    yes: Score
    """score 0–100 of a question answered yes with a substantive motivation"""
    partly: Score
    """score 0–100 of a question answered partly (or yes without a substantive motivation)"""
    no: Score
    """score 0–100 of a question answered no"""


class GoalScores(_Model):
    first_goal: Score
    """score 0–100 of the goals part for the first motivated goal"""
    additional_goal: Score
    """score added for each further motivated goal (the part at most 100)"""


class ClimateScores(_Model):
    kg_per_point: Annotated[float, Field(strict=True, gt=0)]
    """kg CO2e per traveller that cost one point of the climate part (which starts at 100)"""
    max_emission_penalty: Score
    """the most points the emissions can cost, 0–100"""
    avoidable_flight_penalty: Score
    """points deducted for each flight leg the mode-shift rule says should go by surface"""


class FocusAreaScores(_Model):
    prioritised: Score
    """score 0–100 in one of the plan's prioritised focus areas"""
    other: Score
    """score 0–100 outside them"""


class PartnerScores(_Model):
    none: Score
    """score 0–100 when no partner is named"""
    active: Score
    """score 0–100 of an active partner (the part is the lowest of the named partners)"""
    dormant: Score
    """score 0–100 of a dormant partner"""
    deprioritised: Score
    """score 0–100 of a deprioritised partner"""
    ended: Score
    """score 0–100 of a partner whose cooperation has ended"""
    unmatched: Score
    """score 0–100 of a name that is not among the policy's partners"""


class GenderEqualityScores(_Model):
    described: Score
    """score 0–100 when the proposal describes, with substance, how gender equality is considered"""
    missing: Score
    """score 0–100 when it does not"""


class EuFundingScores(_Model):
    cofunded: Score
    """score 0–100 with EU co-funding"""
    none: Score
    """score 0–100 without"""


class Scoring(_Model):
    approve_threshold: Score
    """the least score, 0–100, for an approval of any kind"""
    weights: Weights
    """each part's weight in the score"""
    value_added: ValueAddedScores
    """scores of the value-added answers"""
    goals: GoalScores
    """scores of the goals part"""
    climate: ClimateScores
    """how the climate part is scored"""
    focus_area: FocusAreaScores
    """scores of the focus-area part"""
    partners: PartnerScores
    """scores of the partners part, by partner status"""
    gender_equality: GenderEqualityScores
    """scores of the gender-equality part"""
    eu_funding: EuFundingScores
    """scores of the EU-funding part"""


class Question(_Model):
    key: Literal["development", "environmental_scanning", "influence"]
    """development, environmental_scanning or influence"""
    question_sv: str
    """the plan's question, in Swedish"""
    question_en: str
    """the plan's question, in English"""


class Goal(_Model):
    number: Annotated[int, Field(strict=True, ge=1, le=9)]
    """the goal's number, 1–9"""
    label: str
    """a one-word label for the goal, in Swedish"""
    title_sv: str
    """the goal's title, in Swedish"""
    title_en: str
    """the goal's title, in English"""
    sdgs_official: list[Annotated[int, Field(strict=True, ge=1, le=17)]]
    """UN Sustainable Development Goals (1–17) the municipality links to the goal"""
    sdgs_proposed: list[Annotated[int, Field(strict=True, ge=1, le=17)]]
    """SDGs (1–17) the policy proposes where there is no official link"""
    sdg_note: str
    """where the SDG links come from"""


class FocusAreaInfo(_Model):
    key: FocusArea
    """regional_arctic, eu, twin_town or other"""
    title_sv: str
    """the focus area's name, in Swedish"""
    title_en: str
    """the focus area's name, in English"""
    prioritised: bool
    """whether the plan prioritises it"""


class Partner(_Model):
    slug: Slug
    """the partner's identifier: lower-case letters and digits in hyphenated words, at most 64 characters"""
    name_sv: str
    """the partner's name, in Swedish"""
    name_en: str
    """the partner's name, in English"""
    aliases: list[str] = []
    """other names a proposal may use for the partner (matched without regard to case or accents)"""
    kind: Literal["network", "organisation", "city", "twin_town", "agreement", "country"]
    """network, organisation, city, twin_town, agreement or country"""
    focus_areas: list[FocusArea]
    """the focus areas the partner belongs to (one or several)"""
    status: PartnerStatus
    """active, dormant, deprioritised or ended under the plan"""
    place: str | None = None
    """the key of the partner's place in the policy's places; null when none"""
    note: str = ""
    """what the plan says about the partner"""


class Place(_Model):
    """A place in the policy's own gazetteer (SPEC §6)."""

    key: Slug
    """the place's identifier (a slug)"""
    name: str
    """the place's name"""
    names: list[str] = []
    """other names for it (Swedish, English, local), matched without regard to case or accents"""
    country: CountryCode
    """ISO 3166-1 alpha-2 country code"""
    lat: Latitude
    """latitude, degrees north (WGS 84), −90 to 90"""
    lon: Longitude
    """longitude, degrees east (WGS 84), −180 to 180"""
    airport: IataCode | None = None
    """the IATA code of the airport a flight to the place uses; null: the nearest airport with scheduled service"""
    surface: bool = True
    """false when the place has no surface alternative in practice (air only)"""
    source: str
    """where the coordinates come from"""


class AirportPin(_Model):
    """Pinned airport coordinates where the airport data set is wrong or unchecked."""

    iata: IataCode
    """the airport's IATA code"""
    lat: Latitude
    """latitude, degrees north (WGS 84), from a second source"""
    lon: Longitude
    """longitude, degrees east (WGS 84), from a second source"""
    surface: bool = True
    """false when the airport's place has no surface alternative in practice"""
    source: str
    """where the coordinates come from"""


class Corridor(_Model):
    """A surface connection the policy knows (SPEC §6, mode shift)."""

    key: Slug
    """the corridor's identifier (a slug)"""
    ends: tuple[str, str]
    """the keys of its two places; a leg matches when both its ends lie within corridor_radius_km of them, either
    direction"""
    modes: list[Literal["train", "bus", "ferry"]]
    """the surface modes that serve it: train, bus, ferry"""
    night_train: bool = False
    """true when a night train serves it: advice at any distance instead of a mode-shift condition"""
    routed_km: Annotated[float, Field(strict=True, gt=0)] | None = None
    """a routed distance for the corridor, km, used instead of great-circle × detour; null when none"""
    routed_km_source: str | None = None
    """where routed_km comes from; required with it"""
    via_sv: str = ""
    """how the surface journey goes, in Swedish"""
    via_en: str = ""
    """how the surface journey goes, in English"""

    @model_validator(mode="after")
    def _routed_has_source(self) -> Corridor:
        if self.routed_km is not None and not self.routed_km_source:
            raise FieldProblems([(("routed_km_source",), "required when routed_km is given")])
        return self


class PresenceReason(_Model):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    """the reason's key, as travel.presence.reason gives it"""
    label_sv: str
    """the reason, in Swedish"""
    label_en: str
    """the reason, in English"""
    needs_motivation: bool = False
    """true when presence for this reason must also be motivated (other)"""


class Travel(_Model):
    presence_reasons: list[PresenceReason]
    """the reasons for presence in person the policy accepts"""
    traffic_safety_max_car_km: Annotated[float, Field(strict=True, gt=0)]
    """car and taxi legs longer than this, km one way, get traffic-safety advice (default 300)"""
    mode_shift_max_km: Annotated[float, Field(strict=True, gt=0)]
    """a flight leg shorter than this great-circle distance, km, on a corridor with a surface connection gets a
    mode-shift condition (default 500: the “50 mil” rule)"""
    corridor_radius_km: Annotated[float, Field(strict=True, gt=0)]
    """how near a leg's ends must lie to a corridor's ends, km (default 50)"""
    alternative_modes: list[Literal["train", "bus", "ferry"]]
    """the surface modes offered as alternatives off the corridors: train, bus, ferry"""
    surface_alternative_min_km: Annotated[float, Field(strict=True, ge=0)]
    """legs shorter than this great-circle distance, km, get no alternative unless a corridor serves them"""
    surface_alternative_max_km: Annotated[float, Field(strict=True, gt=0)]
    """legs longer than this great-circle distance, km, get no surface alternative"""
    default_occupants_max: Annotated[int, Field(strict=True, ge=1, le=9)]
    """the most people per car or taxi when occupants is not given, 1–9 (default 4)"""


class Distance(_Model):
    earth_radius_km: Annotated[float, Field(strict=True, gt=0)]
    """the sphere's radius for great-circle distances, km (6371.0088)"""
    short_haul_below_km: Annotated[float, Field(strict=True, gt=0)]
    """flights shorter than this great-circle distance, km, are short-haul (DESNZ: 3,700)"""
    detour: dict[Literal["flight", "train", "bus", "car", "taxi", "ferry"], Annotated[float, Field(strict=True, ge=1)]]
    """the factor each mode's great-circle distance is multiplied by: flight, train, bus, car, taxi, ferry (each at
    least 1)"""
    detour_source: str
    """where the detour factors come from"""
    nordic_rail_countries: list[CountryCode]
    """ISO 3166-1 alpha-2 codes of the countries whose rail factor applies when both ends lie in them (SE, NO, FI)"""

    @model_validator(mode="after")
    def _every_mode(self) -> Distance:
        missing = {"flight", "train", "bus", "car", "taxi", "ferry"} - set(self.detour)
        if missing:
            raise FieldProblems([(("detour",), f"detour factor missing for {', '.join(sorted(missing))}")])
        return self


class Factor(_Model):
    """One row of the emission factor table (SPEC §6a), in kg CO2e per unit."""

    mode: Literal["flight", "train", "bus", "car", "taxi", "ferry", "digital"]
    """flight, train, bus, car, taxi, ferry or digital"""
    variant: Slug
    """the row within the mode, e.g. short-haul-economy, electric-nordic, coach, petrol, video-meeting"""
    with_rf: PositiveFactor
    """the factor in kg CO2e per unit, radiative forcing included for flights"""
    without_rf: PositiveFactor | None = None
    """flights: the factor without radiative forcing, kg CO2e per unit; null for other modes"""
    wtt: PositiveFactor | None = None
    """the well-to-tank add-on (fuel production), kg CO2e per unit, added to the headline; null when none"""
    wtt_included: bool = False
    """true when with_rf already includes well-to-tank"""
    unit: Literal["pkm", "vkm", "participant_hour"]
    """pkm (per passenger-km), vkm (per vehicle-km, shared by the occupants) or participant_hour"""
    source: str
    """where the factor comes from"""
    year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    """the year of the source's factor set, 1990–2100"""
    note: str = ""
    """an explanation, e.g. an assumption of the policy"""

    @property
    def per_unit(self) -> float:
        """The headline factor: with RF, plus WTT where it is a separate add-on."""
        return round(self.with_rf + (self.wtt or 0.0), 10)  # 0.12576 + 0.02249 is 0.14825, not 0.14825000000000002

    @property
    def per_unit_without_rf(self) -> float:
        base = self.without_rf if self.without_rf is not None else self.with_rf
        return round(base + (self.wtt or 0.0), 10)


class Digital(_Model):
    factor_variant: Slug
    """the digital factor used for a digital meeting (video-meeting)"""
    range_low: PositiveFactor
    """the low end of the digital factor's sensitivity range, kg CO2e per participant-hour (0.03)"""
    range_high: PositiveFactor
    """the high end of the digital factor's sensitivity range, kg CO2e per participant-hour (0.16)"""
    range_source: str
    """where the sensitivity range comes from"""
    default_hours_per_day: Annotated[float, Field(strict=True, gt=0, le=24)]
    """meeting hours per day when meeting_hours is not given, over 0 and at most 24 (default 6)"""


class Reporting(_Model):
    """What the climate report (SPEC §8) measures against: a baseline year, the target year of climate neutrality
    (a straight line from the baseline year's figure to zero) and where flights split short from long."""

    baseline_year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    """the year the climate report compares against"""
    baseline_year_source: str
    """why that year"""
    target_year: Annotated[int, Field(strict=True, ge=1990, le=2200)]
    """the year of climate neutrality (Luleå: 2040); the path runs straight from the baseline year's figure to zero in
    it"""
    target_year_source: str
    """where the target year comes from"""
    flight_split_km: Annotated[float, Field(strict=True, gt=0)]
    """the flight distance, km, that splits the report's short and long flights (500)"""
    flight_split_source: str
    """where the split comes from"""

    @model_validator(mode="after")
    def _target_after_baseline(self) -> Reporting:
        if self.target_year <= self.baseline_year:
            raise FieldProblems([(("target_year",), "must be after baseline_year")])
        return self


REQUIRED_FACTORS: dict[str, set[str]] = {
    "flight": {"short-haul-economy", "short-haul-business", "long-haul-economy", "long-haul-business"},
    "train": {"electric-nordic", "electric-europe"},
    "bus": {"coach"},
    "car": {"petrol", "diesel", "hybrid", "electric", "unknown"},
    "taxi": {"regular"},
    "ferry": {"foot-passenger"},
    "digital": {"video-meeting"},
}


RULE_CODES = (
    "VALUE_ADDED", "DIGITAL_FIRST", "CLIMATE", "TRAFFIC_SAFETY", "FOCUS_AREA",
    "PARTNER_STATUS", "GENDER_EQUALITY", "EU_FUNDING", "GOALS", "SCORE",
)


T = TypeVar("T")
# Bound on what a policy remembers about the proposals it has screened (leg estimates, findings): beyond this the memo
# starts again, so memory stays bounded (roughly 100 MB at worst) whatever clients send.
MEMO_MAX_ENTRIES = 20_000


class Policy(_Model):
    policy: PolicyInfo
    """the policy's version, municipality, title and source"""
    plan_refs: dict[str, str]
    """for each rule code (VALUE_ADDED, DIGITAL_FIRST, CLIMATE, TRAFFIC_SAFETY, FOCUS_AREA, PARTNER_STATUS,
    GENDER_EQUALITY, EU_FUNDING, GOALS, SCORE), the plan's words its findings quote"""
    motivation: MotivationRule
    """what counts as a substantive motivation"""
    scoring: Scoring
    """the threshold, weights and scores"""
    value_added_questions: list[Question]
    """the plan's three value-added questions"""
    goals: list[Goal]
    """the nine overarching goals and their SDGs"""
    focus_areas: list[FocusAreaInfo]
    """the four focus areas"""
    partners: list[Partner]
    """the partners and networks the plan names, with status and focus areas"""
    travel: Travel
    """presence reasons and the limits of the travel rules"""
    distance: Distance
    """how distances are computed"""
    places: list[Place]
    """the policy's own gazetteer, found before other place data"""
    airport_pins: list[AirportPin]
    """airport coordinates checked against a second source; they win over the airport data set"""
    corridors: list[Corridor]
    """the surface connections the policy knows"""
    factors: list[Factor]
    """the emission factor table (SPEC §6a)"""
    digital: Digital
    """the digital meeting's factor and sensitivity range"""
    reporting: Reporting | None = None  # policies stored before the climate report have none
    """the climate report's baseline year, target year and flight split; null in policies stored before the climate
    report"""

    _memo: dict[Any, Any] = PrivateAttr(default_factory=dict)

    def memo(self, key: Any, factory: Callable[[], T]) -> T:
        """A value derived from this (immutable) policy, computed once: indexes, constant findings."""
        memo = self.__pydantic_private__["_memo"]  # direct: pydantic's __getattr__ is slow on a hot path
        try:
            return memo[key]
        except KeyError:
            if len(memo) > MEMO_MAX_ENTRIES:
                memo.clear()
            value = memo[key] = factory()
            return value

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        problems: list[tuple[tuple[Any, ...], str]] = []
        keys = [q.key for q in self.value_added_questions]
        if sorted(keys) != ["development", "environmental_scanning", "influence"]:
            problems.append((("value_added_questions",), "must hold each of the three questions exactly once"))
        if sorted(g.number for g in self.goals) != list(range(1, 10)):
            problems.append((("goals",), "must hold each of the goals 1-9 exactly once"))
        if {f.key for f in self.focus_areas} != set(FocusArea):
            problems.append((("focus_areas",), f"must describe each of {', '.join(FocusArea)}"))
        problems += _unique(("partners",), [p.slug for p in self.partners])
        problems += _unique(("places",), [p.key for p in self.places])
        problems += _unique(("corridors",), [c.key for c in self.corridors])
        problems += _unique(("airport_pins",), [a.iata for a in self.airport_pins])
        place_keys = {p.key for p in self.places}
        for i, p in enumerate(self.partners):
            if p.place is not None and p.place not in place_keys:
                problems.append((("partners", i, "place"), f"partner {p.slug!r} names place {p.place!r}, which is not in places"))
        for i, c in enumerate(self.corridors):
            for j, end in enumerate(c.ends):
                if end not in place_keys:
                    problems.append((("corridors", i, "ends", j),
                                     f"corridor {c.key!r} names place {end!r}, which is not in places"))
        problems += _unique(("travel", "presence_reasons"), [r.key for r in self.travel.presence_reasons])
        for code in sorted(set(RULE_CODES) - set(self.plan_refs)):
            problems.append((("plan_refs", code), "missing: every rule's findings cite the plan"))
        have: dict[str, set[str]] = {}
        for i, f in enumerate(self.factors):
            if f.variant in have.setdefault(f.mode, set()):
                problems.append((("factors", i), f"factor {f.mode}/{f.variant} is listed twice"))
            have[f.mode].add(f.variant)
        for mode, variants in REQUIRED_FACTORS.items():
            missing = variants - have.get(mode, set())
            if missing:
                problems.append((("factors",), f"factors missing for {mode}: {', '.join(sorted(missing))}"))
        if self.digital.factor_variant not in have.get("digital", set()):
            problems.append((("digital", "factor_variant"),
                             f"{self.digital.factor_variant!r} is not a digital factor"))
        if problems:
            raise FieldProblems(problems)
        return self

    # -- look-ups used by the engine (cheap, computed once per policy object) --

    def factor(self, mode: str, variant: str) -> Factor:
        return self._index["factors"][(mode, variant)]

    def partner_by_name(self, name: str) -> Partner | None:
        from app.screening.places import normalise

        return self._index["partners"].get(normalise(name))

    def presence_reason(self, key: str) -> PresenceReason | None:
        return self._index["reasons"].get(key)

    def focus_area_info(self, key: str) -> FocusAreaInfo:
        return self._index["focus_areas"][key]

    def goal(self, number: int) -> Goal:
        return self._index["goals"][number]

    def place(self, key: str) -> Place:
        return self._index["places"][key]

    @property
    def _index(self) -> dict[str, Any]:
        return self.memo("index", self._build_index)

    def _build_index(self) -> dict[str, Any]:
        from app.screening.places import normalise

        partners: dict[str, Partner] = {}
        for p in self.partners:
            for name in (p.slug, p.name_sv, p.name_en, *p.aliases):
                partners.setdefault(normalise(name), p)
        return {
            "factors": {(f.mode, f.variant): f for f in self.factors},
            "partners": partners,
            "goals": {g.number: g for g in self.goals},
            "places": {p.key: p for p in self.places},
            "reasons": {r.key: r for r in self.travel.presence_reasons},
            "focus_areas": {f.key.value: f for f in self.focus_areas},
        }

    @property
    def content_hash(self) -> str:
        """sha256 of the policy's canonical JSON: the same content gives the same hash."""
        return self.memo("content_hash", self._hash)

    def _hash(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def version(self) -> str:
        return self.policy.version


def _unique(where: tuple[str, ...], keys: list[str]) -> list[tuple[tuple[Any, ...], str]]:
    seen: set[str] = set()
    problems = []
    for i, k in enumerate(keys):
        if k in seen:
            problems.append(((*where, i), f"{k!r} is listed twice"))
        seen.add(k)
    return problems


class FieldProblems(ValueError):
    """Raised by a model validator that checks several fields at once: each problem with its location relative to
    the model, so the error names the exact field (pydantic places a model validator's error on the model)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field_path(loc)}: {msg}" for loc, msg in problems))


class PolicyError(ValueError):
    """A policy file that cannot be used; `errors` names each field and what is wrong with it."""

    def __init__(self, source: str, errors: list[dict[str, str]]):
        self.source = source
        self.errors = errors
        lines = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        super().__init__(f"invalid policy {source}: {lines}")


def field_path(loc: tuple[Any, ...] | list[Any], empty: str = "(policy)") -> str:
    """A pydantic error location as a dotted path: ('travel', 'legs', 0, 'to') -> travel.legs[0].to."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or empty


def parse_policy(data: dict[str, Any], source: str = "<data>") -> Policy:
    """Validate policy data; raise PolicyError naming each offending field."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = []
        for e in exc.errors():
            cause = e.get("ctx", {}).get("error")
            if isinstance(cause, FieldProblems):
                errors += [{"field": field_path((*e["loc"], *loc)), "reason": msg} for loc, msg in cause.problems]
            elif e["type"] == "extra_forbidden":  # named as written, with the real field it likely meant
                reason, suggestion = unknown_field(Policy, e["loc"], data)
                errors.append({"field": field_path(e["loc"]), "reason": reason,
                               **({"suggestions": [suggestion]} if suggestion else {})})
            else:
                errors.append({"field": field_path(e["loc"]), "reason": e["msg"].removeprefix("Value error, ")})
        raise PolicyError(source, errors) from None


def parse_policy_toml(text: str, source: str = "<toml>") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [{"field": "(file)", "reason": f"not valid TOML: {exc}"}]) from None
    return parse_policy(data, source)


def load_policy(path: str | Path = DEFAULT_POLICY_PATH) -> Policy:
    """Load and validate a policy TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(str(path), [{"field": "(file)", "reason": exc.strerror or str(exc)}]) from None
    return parse_policy_toml(text, str(path))


_default: Policy | None = None


def default_policy() -> Policy:
    """The shipped default policy, loaded once."""
    global _default
    if _default is None:
        _default = load_policy(DEFAULT_POLICY_PATH)
    return _default
