"""Reference data from the active policy: goals, partners, emission factors, places."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.screening.engine import gazetteer
from app.screening.places import search
from app.services import policies


def goals(session: Session) -> list[dict[str, Any]]:
    policy = policies.active(session)
    return [{"goal": g.number, "label": g.label, "title_sv": g.title_sv, "title_en": g.title_en,
             "sdgs": sorted(set(g.sdgs_official) | set(g.sdgs_proposed)), "sdgs_official": g.sdgs_official,
             "sdgs_proposed": g.sdgs_proposed, "sdg_note": g.sdg_note} for g in sorted(policy.goals, key=lambda g: g.number)]


def partners(session: Session) -> list[dict[str, Any]]:
    policy = policies.active(session)
    return [p.model_dump(mode="json") for p in policy.partners]


def emission_factors(session: Session) -> dict[str, Any]:
    policy = policies.active(session)
    return {
        "policy_version": policy.version,
        "factors": [f.model_dump(mode="json") | {"value": f.per_unit, "value_without_rf": f.per_unit_without_rf}
                    for f in policy.factors],
        "digital": policy.digital.model_dump(mode="json"),
        "distance": policy.distance.model_dump(mode="json"),
    }


def places(session: Session, q: str, limit: int) -> list[dict[str, Any]]:
    policy = policies.active(session)
    return [{"name": p.name, "country": p.country, "lat": p.lat, "lon": p.lon, "kind": p.kind, "iata": p.iata,
             "source": p.source, "surface_link": p.surface} for p in search(gazetteer(policy), q, limit)]
