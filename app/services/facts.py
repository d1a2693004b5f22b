"""The facts the aggregates of SPEC §8 read, derived from a proposal's current screening: columns of the proposal
row, one row per leg and one per tag (matched partner, motivated goal, SDG of a motivated goal). Written in the same
transaction as the screening they come from (create, amend, re-screen), so every figure is consistent with it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from app.models import ProposalLeg, ProposalTag
from app.screening import Screening


@dataclass(frozen=True, slots=True)
class Facts:
    columns: dict[str, Any]
    legs: list[dict[str, Any]]
    tags: list[dict[str, Any]]


def period(start_date: dt.date | None, created_at: dt.datetime) -> tuple[int, str]:
    """SPEC §8: the year (and month) of start_date; a proposal without dates counts when it was created."""
    day = start_date or created_at.date()
    return day.year, f"{day.year:04d}-{day.month:02d}"


def facts(proposal_id: str, result: Screening | dict[str, Any], start_date: dt.date | None,
          created_at: dt.datetime) -> Facts:
    """Everything the aggregates need from one screening (a Screening, or its stored JSON)."""
    if isinstance(result, Screening):  # read from the result itself: serialising it again would cost ~0.5 ms
        climate = result.climate
        goals = [(g.goal, g.motivated, g.sdgs) for g in result.goals]
        partners = [(p.matched, p.slug) for p in result.partners]
        version = result.policy_version
        total = None if climate is None else {
            "co2e_kg": climate.co2e_kg, "co2e_kg_without_rf": climate.co2e_kg_without_rf,
            "travellers": climate.travellers, "digital_saving_kg": climate.digital_meeting.saving_kg,
            "mode_shift_saving_kg": climate.mode_shift_saving_kg}
        legs = [] if climate is None else [
            (leg.index, leg.mode, leg.great_circle_km, leg.distance_km * leg.travellers * leg.trips, leg.co2e_kg,
             leg.co2e_kg_without_rf) for leg in climate.legs]
    else:
        climate = result.get("climate")
        goals = [(g["goal"], g["motivated"], g["sdgs"]) for g in result["goals"]]
        partners = [(p["matched"], p["slug"]) for p in result["partners"]]
        version = result["policy_version"]
        total = None if not climate else {
            "co2e_kg": climate["co2e_kg"], "co2e_kg_without_rf": climate["co2e_kg_without_rf"],
            "travellers": climate["travellers"], "digital_saving_kg": climate["digital_meeting"]["saving_kg"],
            "mode_shift_saving_kg": climate["mode_shift_saving_kg"]}
        legs = [] if not climate else [
            (leg["index"], leg["mode"], leg["great_circle_km"], leg["distance_km"] * leg["travellers"] * leg["trips"],
             leg["co2e_kg"], leg["co2e_kg_without_rf"]) for leg in climate["legs"]]
    motivated = sorted(goal for goal, ok, _ in goals if ok)
    sdgs = sorted({sdg for _, ok, linked in goals if ok for sdg in linked})
    slugs = sorted({slug for matched, slug in partners if matched and slug})
    year, month = period(start_date, created_at)
    columns = {
        **(total or {"co2e_kg": None, "co2e_kg_without_rf": None, "travellers": None, "digital_saving_kg": None,
                     "mode_shift_saving_kg": 0.0}),
        "goals": ",".join(str(g) for g in motivated),
        "policy_version": version,
        "period_year": year,
        "period_month": month,
    }
    leg_rows = [{"proposal_id": proposal_id, "position": index, "mode": mode, "great_circle_km": great_circle,
                 "passenger_km": pkm, "co2e_kg": co2e, "co2e_kg_without_rf": co2e_without_rf}
                for index, mode, great_circle, pkm, co2e, co2e_without_rf in legs]
    tags = ([{"proposal_id": proposal_id, "dim": "partner", "key": slug} for slug in slugs]
            + [{"proposal_id": proposal_id, "dim": "goal", "key": str(g)} for g in motivated]
            + [{"proposal_id": proposal_id, "dim": "sdg", "key": str(s)} for s in sdgs])
    return Facts(columns, leg_rows, tags)


_INSERT_LEG = insert(ProposalLeg.__table__)
_INSERT_TAG = insert(ProposalTag.__table__)


def insert_rows(conn: Connection, many: list[Facts]) -> None:
    legs = [leg for f in many for leg in f.legs]
    tags = [tag for f in many for tag in f.tags]
    if legs:
        conn.execute(_INSERT_LEG, legs)
    if tags:
        conn.execute(_INSERT_TAG, tags)


def replace_rows(conn: Connection, proposal_id: str, new: Facts) -> None:
    """A new screening of a stored proposal: its legs and tags are the new screening's."""
    conn.execute(delete(ProposalLeg).where(ProposalLeg.proposal_id == proposal_id))
    conn.execute(delete(ProposalTag).where(ProposalTag.proposal_id == proposal_id))
    insert_rows(conn, [new])
