"""The filters that select proposals, shared by the list (SPEC §7) and the aggregates and reports (SPEC §8): the same
filters select the same proposals everywhere, with the same department scoping."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import func

from app.models import ProposalRecord, Role
from app.services.keys import Principal
from app.services.search import folded_query


@dataclass(frozen=True, slots=True)
class Filters:
    kind: str | None = None
    department: str | None = None
    status: str | None = None
    recommendation: str | None = None
    focus_area: str | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    q: str | None = None
    year: int | None = None
    updated_since: dt.datetime | None = None  # the list's only (SPEC §12), as external_ref
    external_ref: str | None = None

    @property
    def fingerprint(self) -> str:
        """A short digest of the filters: a cursor carries it, so it continues only the listing it came from."""
        # filters added later count only when given, so that cursors made before them still continue
        names = [k for k in self.__slots__ if k not in _LATER or getattr(self, k) is not None]
        values = [None if getattr(self, k) is None else str(getattr(self, k)) for k in names]
        return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:12]

    def public(self) -> dict[str, str | int | None]:
        """The filters as the client sent them (the aggregates echo them)."""
        return {"year": self.year, "from": _iso(self.start_from), "to": _iso(self.start_to),
                "department": self.department, "kind": self.kind, "focus_area": self.focus_area,
                "status": self.status, "recommendation": self.recommendation}


_LATER = ("year", "updated_since", "external_ref")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def conditions(principal: Principal, f: Filters) -> list:
    """The WHERE clauses on the proposal table: a submitter sees its own department only (others do not count)."""
    where = []
    if principal.role == Role.submitter:
        where.append(ProposalRecord.department == principal.department)
    for column, value in ((ProposalRecord.kind, f.kind), (ProposalRecord.department, f.department),
                          (ProposalRecord.status, f.status), (ProposalRecord.recommendation, f.recommendation),
                          (ProposalRecord.focus_area, f.focus_area), (ProposalRecord.period_year, f.year)):
        if value is not None:
            where.append(column == value)
    if f.updated_since is not None:
        where.append(ProposalRecord.updated_at >= f.updated_since)
    if f.external_ref is not None:
        where.append(ProposalRecord.external_ref == f.external_ref)
    if f.start_from is not None:
        where.append(ProposalRecord.start_date >= f.start_from)
    if f.start_to is not None:
        where.append(ProposalRecord.start_date <= f.start_to)
    if f.q:
        folded = folded_query(f.q)
        if folded:  # letters and digits, without regard to case or accents, in the title or external_ref
            where.append(ProposalRecord.search_text.like(f"%{folded}%"))
        else:  # only punctuation (q=-): matched as given
            pattern = "%" + f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(or_(func.lower(ProposalRecord.title).like(pattern, escape="\\"),
                             func.lower(ProposalRecord.external_ref).like(pattern, escape="\\")))
    return where
