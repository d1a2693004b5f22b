"""Response shapes of the aggregates and reports (SPEC §8), so a dashboard author can read them from the OpenAPI
document. kg are rounded to 0.1; shares are fractions from 0 to 1, null when there is nothing to divide by."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StatsFilters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    year: int | None = Field(description="of start_date; a proposal without dates counts in the year it was created")
    from_: str | None = Field(alias="from", description="start_date on or after (YYYY-MM-DD)")
    to: str | None = Field(description="start_date on or before (YYYY-MM-DD)")
    department: str | None
    kind: str | None
    focus_area: str | None
    status: str | None
    recommendation: str | None


class Measures(BaseModel):
    proposals: int = Field(description="stored proposals matching the filters (withdrawn ones included)")
    by_status: dict[str, int] = Field(description="every status, withdrawn included")
    by_recommendation: dict[str, int] = Field(description="current recommendation; withdrawn proposals not counted")
    travellers: int = Field(description="sum of travel.travellers (withdrawn excluded)")
    co2e_kg: float = Field(description="the current screenings' travel CO2e, kg, with RF and WTT (withdrawn excluded)")
    co2e_kg_without_rf: float
    co2e_kg_approved: float = Field(description="co2e_kg over approved proposals: the travel that happens")
    avoided_digital_kg: float = Field(description="rejected proposals screened prefer_digital: trip CO2e minus the "
                                                  "digital meeting's")
    avoided_mode_shift_kg: float = Field(description="approved proposals with a mode-shift condition: each such leg's "
                                                     "CO2e minus its lowest-emission alternative's")
    potential_avoided_kg: float = Field(description="the two above over undecided proposals (screened, returned), as "
                                                    "if the recommendation were followed")
    trips_decided: int = Field(description="trip proposals approved or rejected")
    trips_turned_digital: int = Field(description="of those, rejected with the recommendation prefer_digital")
    share_turned_digital: float | None
    decided: int = Field(description="proposals approved or rejected (a returned one is still open)")
    share_approved: float | None
    departures: int = Field(description="decisions that depart from the recommendation")
    median_days_to_decision: float | None = Field(description="median of decided_at - created_at, days")
    passenger_km: dict[str, float] = Field(description="by mode: distance x travellers x 2 for round trips")


class StatsSummary(Measures):
    filters: StatsFilters
    policy_versions: list[str] = Field(description="the policy versions of the current screenings counted")
    as_of: str | None = Field(description="the latest change among the proposals counted (UTC, ISO 8601)")


class StatsRow(BaseModel):
    """One key of a dimension with every measure of the summary (a mode row: per leg, the measures that apply)."""

    key: str | int | None = Field(description="year, goal and sdg keys are numbers; month is YYYY-MM; null: none given")
    label_sv: str
    label_en: str
    sdgs: list[int] | None = Field(default=None, description="goal rows: the goal's linked SDGs")
    legs: int | None = Field(default=None, description="mode rows: legs of that mode")
    proposals: int
    by_status: dict[str, int] | None = None
    by_recommendation: dict[str, int] | None = None
    travellers: int | None = None
    co2e_kg: float
    co2e_kg_without_rf: float
    co2e_kg_approved: float
    avoided_digital_kg: float | None = None
    avoided_mode_shift_kg: float | None = None
    potential_avoided_kg: float | None = None
    trips_decided: int | None = None
    trips_turned_digital: int | None = None
    share_turned_digital: float | None = None
    decided: int | None = None
    share_approved: float | None = None
    departures: int | None = None
    median_days_to_decision: float | None = None
    passenger_km: dict[str, float] | float = Field(description="by mode; a mode row: that mode's passenger-km")


class StatsByDimension(BaseModel):
    dimension: str
    filters: StatsFilters
    rows: list[StatsRow]
    as_of: str | None


class LatestDecision(BaseModel):
    id: str
    title: str
    department: str
    kind: str
    decision: str
    decided_by: str | None
    decided_at: str
    recommendation: str
    departs: bool
    co2e_kg: float | None


class LatestDecisions(BaseModel):
    filters: StatsFilters
    items: list[LatestDecision]
