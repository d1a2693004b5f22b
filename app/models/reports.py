"""Response shapes of the reports (SPEC §8): the activity plan and the climate report."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models.stats import StatsFilters


class PlanDecision(BaseModel):
    decision: str
    reason: str | None
    decided_by: str | None
    decided_at: str


class PlanItem(BaseModel):
    id: str
    external_ref: str | None
    title: str
    kind: str
    department: str
    focus_area: str | None
    start_date: str | None
    end_date: str | None
    partners: list[str] = Field(description="as the proposal names them")
    goals: list[int] = Field(description="the motivated goals")
    status: str
    recommendation: str
    score: float
    co2e_kg: float | None
    decision: PlanDecision | None


class PlanTotals(BaseModel):
    proposals: int
    by_status: dict[str, int]
    travellers: int
    co2e_kg: float
    co2e_kg_without_rf: float
    co2e_kg_approved: float
    avoided_digital_kg: float
    avoided_mode_shift_kg: float
    potential_avoided_kg: float


class PlanFocusArea(BaseModel):
    key: str | None
    label_sv: str
    label_en: str
    totals: PlanTotals
    proposals: list[PlanItem]


class PlanGoal(PlanTotals):
    goal: int
    label_sv: str
    label_en: str
    sdgs: list[int]


class ActivityPlan(BaseModel):
    year: int
    department: str | None
    filters: StatsFilters
    focus_areas: list[PlanFocusArea] = Field(description="in the policy's order; proposals by start date and title")
    goals: list[PlanGoal] = Field(description="totals per motivated goal")
    totals: PlanTotals
    policy_versions: list[str]
    as_of: str | None


class CategoryFigures(BaseModel):
    co2e_kg: float
    co2e_kg_without_rf: float
    passenger_km: float


class ClimateYear(BaseModel):
    year: int
    co2e_kg: float = Field(description="approved travel, kg CO2e with radiative forcing and WTT")
    co2e_kg_without_rf: float
    passenger_km: float
    categories: dict[str, CategoryFigures] = Field(description="flight_short, flight_long, train, bus, car (taxi "
                                                               "included), ferry")
    trips: int = Field(description="approved proposals that travel")
    trips_turned_digital: int
    avoided_digital_kg: float
    avoided_mode_shift_kg: float
    avoided_kg: float
    change_from_baseline_kg: float | None
    change_from_baseline: float | None = Field(description="(this year - baseline year) / baseline year")
    path_co2e_kg: float | None = Field(description="the straight line from the baseline year's figure to zero in "
                                                   "the target year")
    above_path: bool | None
    policy_versions: list[str]


class ClimateFilters(StatsFilters):
    from_year: int
    to_year: int


class CategoryLabel(BaseModel):
    key: str
    label_sv: str
    label_en: str


class FactorRow(BaseModel):
    mode: str
    variant: str
    value: float
    value_without_rf: float
    unit: str
    source: str
    year: int


class FactorSet(BaseModel):
    policy_version: str
    factors: list[FactorRow]


class ClimateReport(BaseModel):
    filters: ClimateFilters
    baseline_year: int | None
    baseline_co2e_kg: float | None = Field(description="approved travel in the baseline year; null when it has none")
    target_year: int | None
    flight_split_km: float
    sources: dict[str, str] | None = Field(description="where the baseline year, target year and split come from")
    categories: list[CategoryLabel]
    years: list[ClimateYear]
    policy_versions: list[str]
    factor_sets: list[FactorSet]
    note_sv: str | None
    note_en: str | None
