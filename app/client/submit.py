"""Submitting a plan (SPEC §11 `vagval submit`): every row stored or refused, and a re-run that stores nothing twice.

Each row is sent as its own `POST /v1/proposals` with an `Idempotency-Key` derived from the row's content: a row that
was stored before (the run was interrupted, or other rows were refused) is answered from what was stored, and a
fixed row, whose content changed, is stored anew. A row whose cells could not be read is not stored; it is screened
without storing (`POST /v1/screenings`) to learn the service's objections to its other fields as well, so the
officer sees every problem of the row at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.client.client import Client, ProblemError, Unreachable
from app.client.template import Problem, Row


def idempotency_key(body: Any) -> str:
    """The same content, the same key: key order and spacing do not count."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "vagval-submit-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


@dataclass
class Outcome:
    row: Row
    status: str  # stored | screened | refused | skipped
    id: str | None = None
    recommendation: str | None = None
    score: float | None = None
    replayed: bool = False  # stored by an earlier run
    note: str = ""
    problems: list[Problem] = field(default_factory=list)
    http_status: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.row.file, "line": self.row.line, "title": self.row.title,
                               "status": self.status}
        if self.id:
            out["id"] = self.id
        if self.recommendation:
            out |= {"recommendation": self.recommendation, "score": self.score}
        if self.status == "stored":
            out["already_stored"] = self.replayed
        if self.note:
            out["note"] = self.note
        if self.problems:
            out["problems"] = [p.as_dict() for p in self.problems]
        return out


def problems_of(row: Row, error: ProblemError) -> list[Problem]:
    """The service's objections, each named by the column (or JSON field) the officer wrote."""
    if error.errors:
        out = []
        for item in error.errors:
            path = str(item.get("field") or "")
            message = str(item.get("message") or error.detail)
            out.append(Problem(row.column_for(path), message, path))
        return out
    return [Problem("", error.detail or error.title)]


def submit(client: Client, rows: Iterable[Row], *, dry_run: bool = False,
           progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Send every row; stop early only when the service cannot be reached or the key is refused (raised)."""
    outcomes: list[Outcome] = []
    first_of: dict[str, int] = {}
    for row in rows:
        outcome = _one(client, row, dry_run, first_of)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def _one(client: Client, row: Row, dry_run: bool, first_of: dict[str, int]) -> Outcome:
    if row.example:
        return Outcome(row, "skipped", note="the template's example row (overwrite or delete it)")
    if not isinstance(row.body, dict):
        return Outcome(row, "refused", problems=[Problem("", "a proposal is a JSON object")])
    key = idempotency_key(row.body)
    if key in first_of:
        return Outcome(row, "skipped", note=f"the same as line {first_of[key]}: sent once")
    first_of[key] = row.line
    if row.problems:  # not stored; the service still says what else is wrong with the row
        found = list(row.problems)
        try:
            client.screen(row.body)
        except Unreachable:
            raise
        except ProblemError as exc:
            if _key_refused(exc):
                raise
            taken = {p.field for p in found}
            found += [p for p in problems_of(row, exc) if p.field not in taken and not _under(p.field, taken)]
        return Outcome(row, "refused", problems=found)
    try:
        if dry_run:
            result = client.screen(row.body)
            return Outcome(row, "screened", recommendation=result.get("recommendation"), score=result.get("score"))
        stored = client.create(row.body, idempotency_key=key)
    except Unreachable:
        raise
    except ProblemError as exc:
        if _key_refused(exc):
            raise
        problems = problems_of(row, exc)
        if exc.status == 409 and exc.body.get("existing_id"):  # its external_ref is another stored proposal's
            problems = [Problem(row.column_for("external_ref"), f"{exc.detail} (see vagval proposals show "
                                f"{exc.body['existing_id']}; amend it there, or give this row its own reference)",
                                "external_ref")]
        return Outcome(row, "refused", problems=problems, http_status=exc.status)
    screening = stored.get("screening") or {}
    return Outcome(row, "stored", id=stored.get("id"), recommendation=screening.get("recommendation"),
                   score=screening.get("score"), replayed=stored.replayed)


def _key_refused(error: ProblemError) -> bool:
    """The key, not the row, was refused (401, or a 403 that names no field): the run stops (exit 3)."""
    return error.status == 401 or (error.status == 403 and not error.errors)


def _under(path: str, parents: set[str]) -> bool:
    """A missing field whose own cell could not be read: already reported as that cell's problem."""
    return any(path.startswith(p + ".") or path.startswith(p + "[") for p in parents if p)
