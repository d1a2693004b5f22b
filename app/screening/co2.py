"""CO2e estimate of a proposal's travel, with per-leg alternatives and the digital meeting (SPEC §6)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.screening.errors import ProposalError
from app.screening.places import Gazetteer, ResolvedPlace, UnknownPlaceError, haversine_km
from app.screening.policy import Corridor, Factor, Policy
from app.screening.proposal import Leg, Mode, Proposal, TravelPlan
from app.screening.result import (
    Alternative,
    Climate,
    DigitalMeeting,
    FactorUsed,
    LegResult,
    PlaceUsed,
    TripAlternative,
)

KG_DECIMALS = 3
KM_DECIMALS = 1

_PER_VEHICLE = (Mode.car, Mode.taxi)


def _kg(x: float) -> float:
    return round(x, KG_DECIMALS)


_FACTORS_USED: dict[int, tuple[Factor, FactorUsed]] = {}
_PLACES_USED: dict[ResolvedPlace, PlaceUsed] = {}


def factor_used(f: Factor) -> FactorUsed:
    """The factor as the result shows it (built once per factor object)."""
    hit = _FACTORS_USED.get(id(f))
    if hit is None or hit[0] is not f:
        hit = (f, FactorUsed(
            mode=f.mode, variant=f.variant, value=f.per_unit, value_without_rf=f.per_unit_without_rf,
            with_rf=f.with_rf, without_rf=f.without_rf, wtt=f.wtt, wtt_included=f.wtt_included,
            unit=f.unit, source=f.source, year=f.year,
        ))
        if len(_FACTORS_USED) > 10_000:
            _FACTORS_USED.clear()
        _FACTORS_USED[id(f)] = hit
    return hit[1]


def place_used(p: ResolvedPlace) -> PlaceUsed:
    hit = _PLACES_USED.get(p)
    if hit is None:
        hit = PlaceUsed(query=p.query, name=p.name, lat=p.lat, lon=p.lon, country=p.country, kind=p.kind,
                        iata=p.iata, source=p.source)
        if len(_PLACES_USED) > 100_000:
            _PLACES_USED.clear()
        _PLACES_USED[p] = hit
    return hit


def flight_haul(great_circle_km: float, policy: Policy) -> str:
    """DESNZ bands flights by great-circle distance: short-haul below the limit, long-haul at or above."""
    return "short-haul" if great_circle_km < policy.distance.short_haul_below_km else "long-haul"


@dataclass(frozen=True, slots=True)
class _CorridorEnds:
    """The places that end a corridor, (key, lat, lon), and for each the corridors it ends: (corridor, its other
    end, the corridor's place in the policy and which way round, 0 or 1)."""

    places: tuple[tuple[str, float, float], ...]
    corridors: dict[str, list[tuple[Corridor, str, tuple[int, int]]]]


def _corridor_ends(policy: Policy) -> _CorridorEnds:
    corridors: dict[str, list[tuple[Corridor, str, tuple[int, int]]]] = {}
    for i, corridor in enumerate(policy.corridors):
        e1, e2 = corridor.ends
        corridors.setdefault(e1, []).append((corridor, e2, (i, 0)))
        corridors.setdefault(e2, []).append((corridor, e1, (i, 1)))
    return _CorridorEnds(tuple((key, policy.place(key).lat, policy.place(key).lon) for key in corridors), corridors)


def match_corridor(a: ResolvedPlace, b: ResolvedPlace, policy: Policy) -> Corridor | None:
    """The policy corridor whose two ends lie within the radius of the leg's two ends, either direction (SPEC §6).

    Each end of the leg must also lie nearer its own end of the corridor than the other one, so that a leg
    within one town (a taxi to its airport) is not taken for the corridor that starts there; where several
    corridors match (Luleå–Kalix is also within the radius of Luleå–Tornio), the nearest one wins.
    """
    return policy.memo(("corridor", a.lat, a.lon, b.lat, b.lon), lambda: _match_corridor(a, b, policy))


def _ends_near(p: ResolvedPlace, ends: _CorridorEnds, radius: float, earth: float) -> dict[str, float]:
    """The corridor ends within the radius of a place, with their great-circle km. An end farther than the radius
    in latitude alone is not measured (a great circle is never shorter than its difference in latitude; 0.1 %
    margin for rounding)."""
    reach = math.degrees(radius / earth) * 1.001
    near = {}
    for key, lat, lon in ends.places:
        if abs(lat - p.lat) <= reach and (km := haversine_km(p.lat, p.lon, lat, lon, earth)) <= radius:
            near[key] = km
    return near


def _match_corridor(a: ResolvedPlace, b: ResolvedPlace, policy: Policy) -> Corridor | None:
    ends = policy.memo("corridor_ends", lambda: _corridor_ends(policy))
    radius, earth = policy.travel.corridor_radius_km, policy.distance.earth_radius_km
    near_a = _ends_near(a, ends, radius, earth)
    if not near_a:
        return None  # no corridor starts or ends near this leg's start (most legs)
    near_b = _ends_near(b, ends, radius, earth)
    # The corridors with one end near a and the other near b, in the policy's order (the first wins a tie).
    candidates = sorted(((order, corridor, end_a, end_b) for end_a in near_a
                         for corridor, end_b, order in ends.corridors[end_a] if end_b in near_b),
                        key=lambda c: c[0])
    best, best_km = None, math.inf
    for _, corridor, end_a, end_b in candidates:
        da, db = near_a[end_a], near_b[end_b]
        # an end beyond the radius is farther than both da and db
        if da < near_a.get(end_b, math.inf) and db < near_b.get(end_a, math.inf) and da + db < best_km:
            best, best_km = corridor, da + db
    return best


@dataclass(frozen=True, slots=True)
class ModeEstimate:
    """One mode on one leg: distance, the factor used, and CO2e for the whole party and every trip."""

    mode: str
    distance_km: float
    distance_basis: str
    factor: Factor
    co2e_kg: float
    co2e_kg_without_rf: float
    occupants: int | None
    vehicles: int | None


def _distance(mode: str, great_circle_km: float, corridor: Corridor | None, policy: Policy) -> tuple[float, str]:
    if mode != "flight" and corridor is not None and corridor.routed_km is not None and mode in corridor.modes:
        return corridor.routed_km, f"routed distance pinned by the policy for corridor {corridor.key} ({corridor.routed_km_source})"
    detour = policy.distance.detour[mode]
    if detour == 1:
        return great_circle_km, "great-circle (haversine)"
    return great_circle_km * detour, f"great-circle (haversine) x {detour:g} detour factor for {mode}"


def estimate_mode(
    mode: str, a: ResolvedPlace, b: ResolvedPlace, great_circle_km: float, corridor: Corridor | None,
    travellers: int, trips: int, policy: Policy, cabin: str = "economy", fuel: str = "unknown",
    occupants: int | None = None,
) -> ModeEstimate:
    distance, basis = _distance(mode, great_circle_km, corridor, policy)
    if mode == "flight":
        factor = policy.factor("flight", f"{flight_haul(great_circle_km, policy)}-{cabin}")
    elif mode == "train":
        nordic = policy.distance.nordic_rail_countries
        variant = "electric-nordic" if a.country in nordic and b.country in nordic else "electric-europe"
        factor = policy.factor("train", variant)
    elif mode == "bus":
        factor = policy.factor("bus", "coach")
    elif mode == "car":
        factor = policy.factor("car", fuel)
    elif mode == "taxi":
        factor = policy.factor("taxi", "regular")
    else:
        factor = policy.factor("ferry", "foot-passenger")
    if mode in _PER_VEHICLE:
        occupants = occupants or min(travellers, policy.travel.default_occupants_max)
        vehicles = math.ceil(travellers / occupants)
        units = distance * vehicles * trips
    else:
        occupants = vehicles = None
        units = distance * travellers * trips
    return ModeEstimate(mode, distance, basis, factor, units * factor.per_unit, units * factor.per_unit_without_rf,
                        occupants, vehicles)


def _alternatives(
    leg: Leg, own: ModeEstimate, a: ResolvedPlace, b: ResolvedPlace, great_circle_km: float,
    corridor: Corridor | None, travellers: int, trips: int, policy: Policy,
) -> list[ModeEstimate]:
    """Every lower-emission surface mode the policy allows for this leg's distance and corridor."""
    if leg.mode in (Mode.train, Mode.ferry) and corridor is None:
        return []
    if corridor is not None:
        modes = list(corridor.modes)  # only the modes that serve this corridor (SPEC §6)
    elif (
        not (a.surface and b.surface)
        or great_circle_km > policy.travel.surface_alternative_max_km
        or great_circle_km < policy.travel.surface_alternative_min_km
    ):
        return []
    else:
        modes = list(policy.travel.alternative_modes)
    out = []
    for mode in modes:
        if mode == leg.mode.value:
            continue
        alt = estimate_mode(mode, a, b, great_circle_km, corridor, travellers, trips, policy)
        if alt.co2e_kg < own.co2e_kg:
            out.append(alt)
    return sorted(out, key=lambda e: e.co2e_kg)


@dataclass(frozen=True, slots=True)
class LegEstimate:
    key: tuple
    result: LegResult
    own: ModeEstimate
    best_alternative: ModeEstimate | None
    corridor: Corridor | None


def estimate_leg(index: int, leg: Leg, travellers: int, policy: Policy, gazetteer: Gazetteer) -> LegEstimate:
    flight = leg.mode == Mode.flight
    ends = []
    for attr, name in (("from_", "from"), ("to", "to")):
        try:
            ends.append(gazetteer.resolve(getattr(leg, attr), flight=flight))
        except UnknownPlaceError as exc:
            raise UnknownPlaceError(exc.query, exc.suggestions, f"travel.legs[{index}].{name}") from None
    a, b = ends
    if flight and a.iata is not None and a.iata == b.iata:
        raise ProposalError(
            f"both ends of this flight are served by the same airport, {a.iata} ({a.query!r} and {b.query!r}): "
            "no flight connects them; give the leg a surface mode (train, bus, car, taxi) or the airports flown "
            "between", f"travel.legs[{index}]",
        )
    great_circle = haversine_km(a.lat, a.lon, b.lat, b.lon, policy.distance.earth_radius_km)
    corridor = match_corridor(a, b, policy)
    trips = 2 if leg.round_trip else 1
    car = leg.car
    own = estimate_mode(
        leg.mode.value, a, b, great_circle, corridor, travellers, trips, policy, cabin=leg.cabin.value,
        fuel=car.fuel.value if car else "unknown", occupants=car.occupants if car else None,
    )
    alternatives = _alternatives(leg, own, a, b, great_circle, corridor, travellers, trips, policy)
    mode_shift = (
        flight and corridor is not None and not corridor.night_train
        and great_circle < policy.travel.mode_shift_max_km and bool(alternatives)
    )
    result = LegResult(
        index=index, from_=place_used(a), to=place_used(b), mode=leg.mode.value,
        cabin=leg.cabin.value if flight else None, round_trip=leg.round_trip,
        great_circle_km=round(great_circle, KM_DECIMALS), distance_km=round(own.distance_km, KM_DECIMALS),
        distance_basis=own.distance_basis, haul=flight_haul(great_circle, policy) if flight else None,
        travellers=travellers, occupants=own.occupants, vehicles=own.vehicles, trips=trips,
        co2e_kg=_kg(own.co2e_kg), co2e_kg_without_rf=_kg(own.co2e_kg_without_rf), factor=factor_used(own.factor),
        corridor=corridor.key if corridor else None, mode_shift=mode_shift,
        alternatives=[
            Alternative(mode=alt.mode, distance_km=round(alt.distance_km, KM_DECIMALS), distance_basis=alt.distance_basis,
                        co2e_kg=_kg(alt.co2e_kg), saving_kg=_kg(own.co2e_kg - alt.co2e_kg), factor=factor_used(alt.factor))
            for alt in alternatives
        ],
    )
    return LegEstimate((index, leg, travellers), result, own, alternatives[0] if alternatives else None, corridor)


def meeting_hours(proposal: Proposal, travel: TravelPlan, policy: Policy) -> tuple[float, str]:
    per_day = policy.digital.default_hours_per_day
    if travel.meeting_hours is not None:
        return travel.meeting_hours, "meeting_hours as stated"
    if proposal.start_date and proposal.end_date:
        days = (proposal.end_date - proposal.start_date).days + 1
        return per_day * days, f"{per_day:g} h per day x {days} days from start_date to end_date"
    return per_day, f"{per_day:g} h for one day (no dates given)"


@dataclass(frozen=True, slots=True)
class ClimateEstimate:
    key: tuple  # what the estimate depends on: the legs, the travellers and the meeting hours
    climate: Climate
    legs: list[LegEstimate]
    total_kg: float


def estimate(proposal: Proposal, policy: Policy, gazetteer: Gazetteer) -> ClimateEstimate | None:
    """CO2e of the proposal's travel; None when it has none."""
    travel = proposal.travel
    if travel is None:
        return None
    hours, basis = meeting_hours(proposal, travel, policy)
    # The estimate depends only on the legs, the travellers and the meeting hours: computed once per policy.
    key = ("climate", tuple(travel.legs), travel.travellers, hours, basis)
    return policy.memo(key, lambda: _estimate(key, travel, hours, basis, policy, gazetteer))


def _estimate(key: tuple, travel: TravelPlan, hours: float, basis: str, policy: Policy,
              gazetteer: Gazetteer) -> ClimateEstimate:
    n = travel.travellers
    # A leg's estimate depends only on (position, leg, travellers): shared by trips that have the leg in common.
    legs = [
        policy.memo(("leg", i, leg, n), lambda i=i, leg=leg: estimate_leg(i, leg, n, policy, gazetteer))
        for i, leg in enumerate(travel.legs)
    ]
    total = sum(leg.own.co2e_kg for leg in legs)
    total_without_rf = sum(leg.own.co2e_kg_without_rf for leg in legs)

    digital = policy.factor("digital", policy.digital.factor_variant)
    digital_kg = n * hours * digital.per_unit
    digital_meeting = DigitalMeeting(
        participants=n, hours=hours, hours_basis=basis, co2e_kg=_kg(digital_kg),
        co2e_kg_low=_kg(n * hours * policy.digital.range_low), co2e_kg_high=_kg(n * hours * policy.digital.range_high),
        saving_kg=_kg(total - digital_kg), climate_gain=total - digital_kg > 0, factor=factor_used(digital),
    )
    alternatives = [
        TripAlternative(
            mode="digital",
            description_sv=f"Digitalt möte: {n} deltagare x {hours:g} h",
            description_en=f"Digital meeting: {n} participants x {hours:g} h",
            co2e_kg=_kg(digital_kg), saving_kg=_kg(total - digital_kg),
        )
    ]
    lowest = sum(leg.best_alternative.co2e_kg if leg.best_alternative else leg.own.co2e_kg for leg in legs)
    if lowest < total:
        alternatives.append(TripAlternative(
            mode="lowest_emission_modes",
            description_sv="Samma resa med det lägst utsläppande alternativet på varje delsträcka",
            description_en="The same trip by the lowest-emission alternative on every leg",
            co2e_kg=_kg(lowest), saving_kg=_kg(total - lowest),
        ))
    mode_shift_saving = sum(
        leg.own.co2e_kg - leg.best_alternative.co2e_kg for leg in legs if leg.result.mode_shift and leg.best_alternative
    )
    climate = Climate(
        co2e_kg=_kg(total), co2e_kg_without_rf=_kg(total_without_rf), co2e_kg_per_traveller=_kg(total / n),
        travellers=n, legs=[leg.result for leg in legs], alternatives=alternatives,
        digital_meeting=digital_meeting, mode_shift_saving_kg=_kg(mode_shift_saving),
    )
    return ClimateEstimate(key, climate, legs, total)
