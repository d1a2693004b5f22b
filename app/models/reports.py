"""Response shapes of the reports (SPEC §8): the activity plan and the climate report."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models.stats import StatsFilters


class PlanDecision(BaseModel):
    decision: str = Field(description="approved, rejected or returned")
    reason: str | None = Field(description="the officer's reason")
    decided_by: str | None = Field(description="the name of the key that decided")
    decided_at: str = Field(description="when, UTC, RFC 3339 (2027-03-10T08:00:00Z)")


class PlanItem(BaseModel):
    id: str = Field(description="the proposal's id")
    external_ref: str | None = Field(description="the submitting system's own reference; null when none")
    title: str = Field(description="the proposal's title")
    kind: str = Field(description="trip, project or activity")
    department: str = Field(description="the submitting department's slug")
    focus_area: str | None = Field(description="the focus area screened: the stated one, else the first of the "
                                               "partners', else other")
    start_date: str | None = Field(description="the first day, YYYY-MM-DD; null when not given")
    end_date: str | None = Field(description="the last day, YYYY-MM-DD; null when not given")
    partners: list[str] = Field(description="as the proposal names them")
    goals: list[int] = Field(description="the motivated goals")
    status: str = Field(description="screened, approved, rejected, returned or withdrawn")
    recommendation: str = Field(description="the current screening's recommendation: approve, "
                                            "approve_with_conditions, prefer_digital, needs_information or reject")
    score: float = Field(description="the current screening's score, 0–100")
    co2e_kg: float | None = Field(description="the current screening's travel CO2e, kg (radiative forcing and "
                                              "well-to-tank included); null without travel")
    decision: PlanDecision | None = Field(description="the decision in force; null when none")


class PlanTotals(BaseModel):
    proposals: int = Field(description="proposals counted (withdrawn ones included)")
    by_status: dict[str, int] = Field(description="proposals per status (screened, approved, rejected, returned, "
                                                  "withdrawn)")
    travellers: int = Field(description="sum of travel.travellers (withdrawn excluded)")
    co2e_kg: float = Field(description="the current screenings' travel CO2e, kg, with radiative forcing and "
                                       "well-to-tank (withdrawn excluded)")
    co2e_kg_without_rf: float = Field(description="the same without radiative forcing, kg")
    co2e_kg_approved: float = Field(description="co2e_kg over approved proposals: the travel that happens, kg")
    avoided_digital_kg: float = Field(description="rejected proposals screened prefer_digital: trip CO2e minus the "
                                                  "digital meeting's, kg")
    avoided_mode_shift_kg: float = Field(description="approved proposals with a mode-shift condition: each such leg's "
                                                     "CO2e minus its lowest-emission alternative's, kg")
    potential_avoided_kg: float = Field(description="the two above over undecided proposals (screened, returned), as "
                                                    "if the recommendation were followed, kg")


class PlanFocusArea(BaseModel):
    key: str | None = Field(description="regional_arctic, eu, twin_town or other")
    label_sv: str = Field(description="the focus area's name, in Swedish")
    label_en: str = Field(description="the focus area's name, in English")
    totals: PlanTotals = Field(description="the measures over its proposals")
    proposals: list[PlanItem] = Field(description="its proposals, by start date and title")


class PlanGoal(PlanTotals):
    goal: int = Field(description="the goal's number, 1–9")
    label_sv: str = Field(description="the goal's title, in Swedish")
    label_en: str = Field(description="the goal's title, in English")
    sdgs: list[int] = Field(description="the UN Sustainable Development Goals (1–17) linked to it")


class ActivityPlan(BaseModel):
    year: int = Field(description="the plan's year (of start_date; the current year unless asked)")
    department: str | None = Field(description="the department's slug; null: every department")
    filters: StatsFilters = Field(description="the filters applied")
    focus_areas: list[PlanFocusArea] = Field(description="in the policy's order; proposals by start date and title")
    goals: list[PlanGoal] = Field(description="totals per motivated goal")
    totals: PlanTotals = Field(description="the measures over every proposal of the plan")
    policy_versions: list[str] = Field(description="the policy versions of the screenings counted")
    as_of: str | None = Field(description="the latest change among the proposals counted, UTC, RFC 3339 "
                                          "(2027-03-10T08:00:00Z); null when there are none")


class CategoryFigures(BaseModel):
    co2e_kg: float = Field(description="approved travel's CO2e in the category, kg, with radiative forcing and "
                                       "well-to-tank")
    co2e_kg_without_rf: float = Field(description="the same without radiative forcing, kg")
    passenger_km: float = Field(description="passenger-km in the category: distance × travellers × 2 for round trips")


class ClimateYear(BaseModel):
    year: int = Field(description="the year (of start_date, else of creation)")
    co2e_kg: float = Field(description="approved travel, kg CO2e with radiative forcing and WTT")
    co2e_kg_without_rf: float = Field(description="the same without radiative forcing, kg")
    passenger_km: float = Field(description="approved travel's passenger-km")
    categories: dict[str, CategoryFigures] = Field(description="flight_short, flight_long, train, bus, car (taxi "
                                                               "included), ferry")
    trips: int = Field(description="approved proposals that travel")
    trips_turned_digital: int = Field(description="trip proposals rejected with the recommendation prefer_digital")
    avoided_digital_kg: float = Field(description="their trip CO2e minus the digital meetings', kg")
    avoided_mode_shift_kg: float = Field(description="approved legs with a mode-shift condition: CO2e minus the "
                                                     "lowest-emission alternative's, kg")
    avoided_kg: float = Field(description="avoided_digital_kg plus avoided_mode_shift_kg, kg")
    change_from_baseline_kg: float | None = Field(description="co2e_kg minus the baseline year's, kg; null without a "
                                                              "baseline figure")
    change_from_baseline: float | None = Field(description="(this year - baseline year) / baseline year")
    path_co2e_kg: float | None = Field(description="the straight line from the baseline year's figure to zero in "
                                                   "the target year, kg CO2e")
    above_path: bool | None = Field(description="whether co2e_kg lies above the path to the target year; null without "
                                                "a path")
    policy_versions: list[str] = Field(description="the policy versions of the screenings counted")


class ClimateFilters(StatsFilters):
    from_year: int = Field(description="the first year reported")
    to_year: int = Field(description="the last year reported")


class CategoryLabel(BaseModel):
    key: str = Field(description="flight_short, flight_long, train, bus, car (taxi included) or ferry")
    label_sv: str = Field(description="the category's name, in Swedish")
    label_en: str = Field(description="the category's name, in English")


class FactorRow(BaseModel):
    mode: str = Field(description="flight, train, bus, car, taxi, ferry or digital")
    variant: str = Field(description="the row within the mode")
    value: float = Field(description="kg CO2e per unit with radiative forcing, well-to-tank added")
    value_without_rf: float = Field(description="kg CO2e per unit without radiative forcing, well-to-tank kept")
    unit: str = Field(description="pkm, vkm or participant_hour")
    source: str = Field(description="where the factor comes from")
    year: int = Field(description="the year of the source's factor set")


class FactorSet(BaseModel):
    policy_version: str = Field(description="the policy whose factors these are")
    factors: list[FactorRow] = Field(description="its factor table")


class ClimateReport(BaseModel):
    filters: ClimateFilters = Field(description="the filters applied")
    baseline_year: int | None = Field(description="the policy's baseline year; null when the policy has none")
    baseline_co2e_kg: float | None = Field(description="approved travel in the baseline year, kg CO2e; null when it has "
                                                       "none")
    target_year: int | None = Field(description="the policy's year of climate neutrality; null when the policy has "
                                                "none")
    flight_split_km: float = Field(description="the great-circle distance, km, that splits short flights from long "
                                               "(500)")
    sources: dict[str, str] | None = Field(description="where the baseline year, target year and split come from")
    categories: list[CategoryLabel] = Field(description="the categories of the years' figures, with their names")
    years: list[ClimateYear] = Field(description="one row per year, from from_year to to_year")
    policy_versions: list[str] = Field(description="the policy versions of the screenings counted")
    factor_sets: list[FactorSet] = Field(description="the factor sets of those policy versions")
    note_sv: str | None = Field(description="a note on the figures, in Swedish; null when none")
    note_en: str | None = Field(description="a note on the figures, in English; null when none")
