"""Response shapes of the aggregates and reports (SPEC §8), so a dashboard author can read them from the OpenAPI
document. kg are rounded to 0.1; shares are fractions from 0 to 1, null when there is nothing to divide by."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StatsFilters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    year: int | None = Field(description="of start_date; a proposal without dates counts in the year it was created")
    from_: str | None = Field(alias="from", description="start_date on or after (YYYY-MM-DD)")
    to: str | None = Field(description="start_date on or before (YYYY-MM-DD)")
    department: str | None = Field(description="the department's slug asked for; null: every department")
    kind: str | None = Field(description="trip, project or activity asked for; null: every kind")
    focus_area: str | None = Field(description="the focus area asked for; null: every one")
    status: str | None = Field(description="the status asked for; null: every status")
    recommendation: str | None = Field(description="the current recommendation asked for; null: every one")


class Measures(BaseModel):
    proposals: int = Field(description="stored proposals matching the filters (withdrawn ones included)")
    by_status: dict[str, int] = Field(description="every status, withdrawn included")
    by_recommendation: dict[str, int] = Field(description="current recommendation; withdrawn proposals not counted")
    travellers: int = Field(description="sum of travel.travellers (withdrawn excluded)")
    co2e_kg: float = Field(description="the current screenings' travel CO2e, kg, with RF and WTT (withdrawn excluded)")
    co2e_kg_without_rf: float = Field(description="the same without radiative forcing, kg")
    co2e_kg_approved: float = Field(description="co2e_kg over approved proposals: the travel that happens, kg")
    avoided_digital_kg: float = Field(description="rejected proposals screened prefer_digital: trip CO2e minus the "
                                                  "digital meeting's, kg")
    avoided_mode_shift_kg: float = Field(description="approved proposals with a mode-shift condition: each such leg's "
                                                     "CO2e minus its lowest-emission alternative's, kg")
    potential_avoided_kg: float = Field(description="the two above over undecided proposals (screened, returned), as "
                                                    "if the recommendation were followed, kg")
    trips_decided: int = Field(description="trip proposals approved or rejected")
    trips_turned_digital: int = Field(description="of those, rejected with the recommendation prefer_digital")
    share_turned_digital: float | None = Field(description="trips_turned_digital / trips_decided, 0–1; null when no "
                                                           "trip is decided")
    decided: int = Field(description="proposals approved or rejected (a returned one is still open)")
    share_approved: float | None = Field(description="approved / decided, 0–1; null when none is decided")
    departures: int = Field(description="decisions that depart from the recommendation")
    median_days_to_decision: float | None = Field(description="median of decided_at - created_at, days")
    passenger_km: dict[str, float] = Field(description="passenger-km by mode: distance (km) x travellers x 2 "
                                                       "for round trips")


class StatsSummary(Measures):
    filters: StatsFilters = Field(description="the filters applied")
    policy_versions: list[str] = Field(description="the policy versions of the current screenings counted")
    as_of: str | None = Field(description="the latest change among the proposals counted (UTC, ISO 8601)")


class StatsRow(BaseModel):
    """One key of a dimension with every measure of the summary (a mode row: per leg, the measures that apply)."""

    key: str | int | None = Field(description="year, goal and sdg keys are numbers; month is YYYY-MM; null: none given")
    label_sv: str = Field(description="the key's name, in Swedish")
    label_en: str = Field(description="the key's name, in English")
    sdgs: list[int] | None = Field(default=None, description="goal rows: the goal's linked SDGs")
    legs: int | None = Field(default=None, description="mode rows: legs of that mode")
    proposals: int = Field(description="proposals counted in the row")
    by_status: dict[str, int] | None = Field(None, description="proposals per status; null on mode rows")
    by_recommendation: dict[str, int] | None = Field(None, description="proposals per current recommendation; null on "
                                                                       "mode rows")
    travellers: int | None = Field(None, description="sum of travel.travellers; null on mode rows")
    co2e_kg: float = Field(description="travel CO2e, kg, with radiative forcing and well-to-tank (withdrawn excluded)")
    co2e_kg_without_rf: float = Field(description="the same without radiative forcing, kg")
    co2e_kg_approved: float = Field(description="co2e_kg over approved proposals, kg")
    avoided_digital_kg: float | None = Field(None, description="rejected proposals screened prefer_digital: trip CO2e "
                                                               "minus the digital meeting's, kg")
    avoided_mode_shift_kg: float | None = Field(None, description="approved mode-shift legs: CO2e minus the "
                                                                  "lowest-emission alternative's, kg")
    potential_avoided_kg: float | None = Field(None, description="the two above over undecided proposals, kg")
    trips_decided: int | None = Field(None, description="trip proposals approved or rejected")
    trips_turned_digital: int | None = Field(None, description="of those, rejected with the recommendation "
                                                               "prefer_digital")
    share_turned_digital: float | None = Field(None, description="trips_turned_digital / trips_decided, 0–1; null "
                                                                 "when none")
    decided: int | None = Field(None, description="proposals approved or rejected")
    share_approved: float | None = Field(None, description="approved / decided, 0–1; null when none")
    departures: int | None = Field(None, description="decisions that depart from the recommendation")
    median_days_to_decision: float | None = Field(None, description="median days from creation to decision; null when "
                                                                    "none")
    passenger_km: dict[str, float] | float = Field(description="by mode; a mode row: that mode's passenger-km")


class StatsByDimension(BaseModel):
    dimension: str = Field(description="what the rows are: year, month, department, kind, focus_area, partner, goal, "
                                       "sdg, recommendation, status or mode")
    filters: StatsFilters = Field(description="the filters applied")
    rows: list[StatsRow] = Field(description="one row per key, sorted by key")
    as_of: str | None = Field(description="the latest change among the proposals counted, UTC, RFC 3339 "
                                          "(2027-03-10T08:00:00Z); null when there are none")


class LatestDecision(BaseModel):
    id: str = Field(description="the proposal's id")
    title: str = Field(description="the proposal's title")
    department: str = Field(description="the submitting department's slug")
    kind: str = Field(description="trip, project or activity")
    decision: str = Field(description="approved, rejected or returned")
    decided_by: str | None = Field(description="the name of the key that decided")
    decided_at: str = Field(description="when, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    recommendation: str = Field(description="the current screening's recommendation: the one decided on")
    departs: bool = Field(description="whether the decision departs from the recommendation")
    co2e_kg: float | None = Field(description="the proposal's travel CO2e, kg; null without travel")


class LatestDecisions(BaseModel):
    filters: StatsFilters = Field(description="the filters applied")
    items: list[LatestDecision] = Field(description="the latest decisions, newest first")
