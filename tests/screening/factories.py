"""Typed factory functions for proposal bodies used across the engine tests."""

from __future__ import annotations

import copy
from typing import Any

from app.screening import Proposal, Screening, default_policy, screen

GOOD = "A motivation long enough, in several words."


def answer(a: str = "yes", motivation: str = GOOD) -> dict[str, str]:
    return {"answer": a, "motivation": motivation}


def leg(frm: Any = "LLA", to: Any = "BRU", mode: str = "flight", round_trip: bool = True, **extra: Any) -> dict:
    return {"from": frm, "to": to, "mode": mode, "round_trip": round_trip, **extra}


def travel(legs: list[dict] | None = None, travellers: int = 1, required: bool | None = True,
           reason: str | None = "signing", digital_alternative: bool | None = False, **extra: Any) -> dict:
    presence: dict[str, Any] = {"required": required, "reason": reason}
    return {"travellers": travellers, "presence": presence, "digital_alternative": digital_alternative,
            "legs": legs if legs is not None else [leg()], **extra}


def body(**overrides: Any) -> dict:
    """A trip that the default policy approves: the model proposal of SPEC §4 (Luleå–Brussels by air)."""
    base: dict[str, Any] = {
        "kind": "trip",
        "title": "Network meeting in Brussels",
        "department": "kommunstaben",
        "focus_area": "eu",
        "partners": ["covenant-of-mayors"],
        "value_added": {"development": answer(), "environmental_scanning": answer(), "influence": answer()},
        "goals": [{"goal": 5, "motivation": GOOD}],
        "gender_equality": "The delegation is gender-balanced and reports to the equality council.",
        "travel": travel(),
    }
    base = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def run(data: dict) -> Screening:
    return screen(Proposal.model_validate(data), default_policy())


def codes(s: Screening) -> dict[str, str]:
    """Finding code -> severity (last one wins for repeated codes)."""
    return {f.code: f.severity.value for f in s.findings}


# SPEC §4: a finding's code starts with the code of its §3 rule.
RULE_CODES = ("VALUE_ADDED", "DIGITAL_FIRST", "CLIMATE", "TRAFFIC_SAFETY", "FOCUS_AREA", "PARTNER_STATUS",
              "GENDER_EQUALITY", "EU_FUNDING", "GOALS")
