"""What the aggregates of SPEC §8 group by, kept beside each proposal in the same transaction as its screening: one
row per leg of the current screening (mode, distances, CO2e) and one per tag (a matched partner, a motivated goal,
an SDG of one)."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ProposalLeg(SQLModel, table=True):
    __tablename__ = "proposal_leg"
    __table_args__ = (Index("ix_proposal_leg_mode_proposal", "mode", "proposal_id"),)

    proposal_id: str = Field(foreign_key="proposal.id", primary_key=True, max_length=36)
    position: int = Field(primary_key=True)
    mode: str = Field(max_length=10)
    great_circle_km: float
    passenger_km: float = Field(description="distance x travellers x 2 for a round trip")
    co2e_kg: float
    co2e_kg_without_rf: float


class ProposalTag(SQLModel, table=True):
    __tablename__ = "proposal_tag"
    __table_args__ = (Index("ix_proposal_tag_dim_key", "dim", "key", "proposal_id"),)

    proposal_id: str = Field(foreign_key="proposal.id", primary_key=True, max_length=36)
    dim: str = Field(primary_key=True, max_length=10, description="partner, goal or sdg")
    key: str = Field(primary_key=True, max_length=64)
