"""Rollups of the aggregates (SPEC §8, §10 "rollups, not scans"): per period (YYYY-MM, or YYYY for the decision-time
histograms of a dimension's keys), department, dimension and key, the sums every measure is made of. Kept by
app.services.rollup in the same transaction as every change of a proposal."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class StatsRollup(SQLModel, table=True):
    __tablename__ = "stats_rollup"

    # the primary key leads with dim: every query asks for one kind of row, over a range of periods
    dim: str = Field(primary_key=True, max_length=24, description="'' for the cell itself, a dimension, mode, "
                                                                  "policy, days or days:<dimension>")
    period: str = Field(primary_key=True, max_length=7, description="YYYY-MM; YYYY for days:<dimension> rows")
    department: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=100)
    proposals: int = 0
    st_screened: int = 0
    st_approved: int = 0
    st_rejected: int = 0
    st_returned: int = 0
    st_withdrawn: int = 0
    rec_approve: int = 0
    rec_approve_with_conditions: int = 0
    rec_prefer_digital: int = 0
    rec_needs_information: int = 0
    rec_reject: int = 0
    travellers: int = 0
    # kg CO2e in whole grams and passenger-km in tenths (the screenings' own precision): integer sums are exact, so
    # the rollups and a scan round alike
    co2e_g: int = 0
    co2e_g_without_rf: int = 0
    co2e_g_approved: int = 0
    avoided_digital_g: int = 0
    avoided_mode_shift_g: int = 0
    potential_avoided_g: int = 0
    co2e_g_without_rf_approved: int = 0
    trips_approved: int = Field(default=0, description="approved proposals that travel (the climate report)")
    trips_decided: int = 0
    trips_turned_digital: int = 0
    decided: int = 0
    departures: int = 0
    legs: int = 0
    pkm10_flight: int = 0
    pkm10_train: int = 0
    pkm10_bus: int = 0
    pkm10_car: int = 0
    pkm10_taxi: int = 0
    pkm10_ferry: int = 0
    changed_at: dt.datetime = Field(default_factory=utcnow)
