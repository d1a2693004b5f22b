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

DEFAULT_POLICY_PATH = Path(__file__).parent / "policies" / "lulea-2019-2023-rev-2021-12-03.toml"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
IataCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
PositiveFactor = Annotated[float, Field(strict=True, ge=0)]


class PartnerStatus(StrEnum):
    active = "active"
    dormant = "dormant"
    deprioritised = "deprioritised"
    ended = "ended"


class FocusArea(StrEnum):
    regional_arctic = "regional_arctic"
    eu = "eu"
    twin_town = "twin_town"
    other = "other"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyInfo(_Model):
    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    municipality: str
    title_sv: str
    title_en: str
    adopted: str
    source: str


class MotivationRule(_Model):
    """What counts as a substantive motivation (SPEC §3: at least 20 characters and 3 words)."""

    min_chars: Annotated[int, Field(strict=True, ge=0)]
    min_words: Annotated[int, Field(strict=True, ge=0)]


class Weights(_Model):
    value_added: Annotated[float, Field(strict=True, ge=0)]
    goals: Annotated[float, Field(strict=True, ge=0)]
    climate: Annotated[float, Field(strict=True, ge=0)]
    focus_area: Annotated[float, Field(strict=True, ge=0)]
    partners: Annotated[float, Field(strict=True, ge=0)]
    gender_equality: Annotated[float, Field(strict=True, ge=0)]
    eu_funding: Annotated[float, Field(strict=True, ge=0)]

    @model_validator(mode="after")
    def _sum_to_100(self) -> Weights:
        total = sum(self.model_dump().values())
        if abs(total - 100) > 1e-9:
            raise ValueError(f"weights must add up to 100, they add up to {total:g}")
        return self


Score = Annotated[float, Field(strict=True, ge=0, le=100)]


class ValueAddedScores(_Model):
    yes: Score
    partly: Score
    no: Score


class GoalScores(_Model):
    first_goal: Score
    additional_goal: Score


class ClimateScores(_Model):
    kg_per_point: Annotated[float, Field(strict=True, gt=0)]
    max_emission_penalty: Score
    avoidable_flight_penalty: Score


class FocusAreaScores(_Model):
    prioritised: Score
    other: Score


class PartnerScores(_Model):
    none: Score
    active: Score
    dormant: Score
    deprioritised: Score
    ended: Score
    unmatched: Score


class GenderEqualityScores(_Model):
    described: Score
    missing: Score


class EuFundingScores(_Model):
    cofunded: Score
    none: Score


class Scoring(_Model):
    approve_threshold: Score
    weights: Weights
    value_added: ValueAddedScores
    goals: GoalScores
    climate: ClimateScores
    focus_area: FocusAreaScores
    partners: PartnerScores
    gender_equality: GenderEqualityScores
    eu_funding: EuFundingScores


class Question(_Model):
    key: Literal["development", "environmental_scanning", "influence"]
    question_sv: str
    question_en: str


class Goal(_Model):
    number: Annotated[int, Field(strict=True, ge=1, le=9)]
    label: str
    title_sv: str
    title_en: str
    sdgs_official: list[Annotated[int, Field(strict=True, ge=1, le=17)]]
    sdgs_proposed: list[Annotated[int, Field(strict=True, ge=1, le=17)]]
    sdg_note: str


class FocusAreaInfo(_Model):
    key: FocusArea
    title_sv: str
    title_en: str
    prioritised: bool


class Partner(_Model):
    slug: Slug
    name_sv: str
    name_en: str
    aliases: list[str] = []
    kind: Literal["network", "organisation", "city", "twin_town", "agreement", "country"]
    focus_areas: list[FocusArea]
    status: PartnerStatus
    place: str | None = None
    note: str = ""


class Place(_Model):
    """A place in the policy's own gazetteer (SPEC §6)."""

    key: Slug
    name: str
    names: list[str] = []
    country: CountryCode
    lat: Latitude
    lon: Longitude
    airport: IataCode | None = None
    surface: bool = True
    source: str


class AirportPin(_Model):
    """Pinned airport coordinates where the airport data set is wrong or unchecked."""

    iata: IataCode
    lat: Latitude
    lon: Longitude
    surface: bool = True
    source: str


class Corridor(_Model):
    """A surface connection the policy knows (SPEC §6, mode shift)."""

    key: Slug
    ends: tuple[str, str]
    modes: list[Literal["train", "bus", "ferry"]]
    night_train: bool = False
    routed_km: Annotated[float, Field(strict=True, gt=0)] | None = None
    routed_km_source: str | None = None
    via_sv: str = ""
    via_en: str = ""

    @model_validator(mode="after")
    def _routed_has_source(self) -> Corridor:
        if self.routed_km is not None and not self.routed_km_source:
            raise FieldProblems([(("routed_km_source",), "required when routed_km is given")])
        return self


class PresenceReason(_Model):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    label_sv: str
    label_en: str
    needs_motivation: bool = False


class Travel(_Model):
    presence_reasons: list[PresenceReason]
    traffic_safety_max_car_km: Annotated[float, Field(strict=True, gt=0)]
    mode_shift_max_km: Annotated[float, Field(strict=True, gt=0)]
    corridor_radius_km: Annotated[float, Field(strict=True, gt=0)]
    alternative_modes: list[Literal["train", "bus", "ferry"]]
    surface_alternative_min_km: Annotated[float, Field(strict=True, ge=0)]
    surface_alternative_max_km: Annotated[float, Field(strict=True, gt=0)]
    default_occupants_max: Annotated[int, Field(strict=True, ge=1, le=9)]


class Distance(_Model):
    earth_radius_km: Annotated[float, Field(strict=True, gt=0)]
    short_haul_below_km: Annotated[float, Field(strict=True, gt=0)]
    detour: dict[Literal["flight", "train", "bus", "car", "taxi", "ferry"], Annotated[float, Field(strict=True, ge=1)]]
    detour_source: str
    nordic_rail_countries: list[CountryCode]

    @model_validator(mode="after")
    def _every_mode(self) -> Distance:
        missing = {"flight", "train", "bus", "car", "taxi", "ferry"} - set(self.detour)
        if missing:
            raise FieldProblems([(("detour",), f"detour factor missing for {', '.join(sorted(missing))}")])
        return self


class Factor(_Model):
    """One row of the emission factor table (SPEC §6a), in kg CO2e per unit."""

    mode: Literal["flight", "train", "bus", "car", "taxi", "ferry", "digital"]
    variant: Slug
    with_rf: PositiveFactor
    without_rf: PositiveFactor | None = None
    wtt: PositiveFactor | None = None
    wtt_included: bool = False
    unit: Literal["pkm", "vkm", "participant_hour"]
    source: str
    year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    note: str = ""

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
    range_low: PositiveFactor
    range_high: PositiveFactor
    range_source: str
    default_hours_per_day: Annotated[float, Field(strict=True, gt=0, le=24)]


class Reporting(_Model):
    """What the climate report (SPEC §8) measures against: a baseline year, the target year of climate neutrality
    (a straight line from the baseline year's figure to zero) and where flights split short from long."""

    baseline_year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    baseline_year_source: str
    target_year: Annotated[int, Field(strict=True, ge=1990, le=2200)]
    target_year_source: str
    flight_split_km: Annotated[float, Field(strict=True, gt=0)]
    flight_split_source: str

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
    plan_refs: dict[str, str]
    motivation: MotivationRule
    scoring: Scoring
    value_added_questions: list[Question]
    goals: list[Goal]
    focus_areas: list[FocusAreaInfo]
    partners: list[Partner]
    travel: Travel
    distance: Distance
    places: list[Place]
    airport_pins: list[AirportPin]
    corridors: list[Corridor]
    factors: list[Factor]
    digital: Digital
    reporting: Reporting | None = None  # policies stored before the climate report have none

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
