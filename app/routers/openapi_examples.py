"""Realistic Swedish examples for the OpenAPI document, taken from examples/ when it is there."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"

_FALLBACK = {
    "kind": "trip", "title": "Arctic Mayors' Forum, årsmöte i Tromsø", "department": "kommunstaben",
    "external_ref": "RESA-2027-0042", "start_date": "2027-03-10", "end_date": "2027-03-12",
    "focus_area": "regional_arctic", "partners": ["arctic-mayors-forum"],
    "value_added": {
        "development": {"answer": "yes", "motivation": "Kontakter om arktiska testbäddar ger Luleås näringsliv nya investeringar."},
        "environmental_scanning": {"answer": "partly", "motivation": "Vi lär oss hur andra arktiska städer planerar för ett ändrat klimat."},
        "influence": {"answer": "yes", "motivation": "Forumet för de lokala myndigheternas talan i Arktiska rådet."},
    },
    "goals": [{"goal": 5, "motivation": "Deklarationen binder medlemmarna till klimatanpassning och minskade utsläpp."}],
    "gender_equality": "Delegationen är jämställd: en kvinna och en man, och båda talar på mötet.",
    "travel": {"travellers": 2, "presence": {"required": True, "reason": "signing"}, "digital_alternative": False,
               "legs": [{"from": "LLA", "to": "TOS", "mode": "flight", "round_trip": True, "cabin": "economy"}]},
}


@lru_cache(maxsize=1)
def proposal_examples() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(EXAMPLES.glob("*.json")) if EXAMPLES.is_dir() else []:
        value = json.loads(path.read_text(encoding="utf-8"))
        out[path.stem] = {"summary": value.get("title", path.stem), "value": value}
    return out or {"arctic-mayors-forum": {"summary": _FALLBACK["title"], "value": _FALLBACK}}


def first_proposal() -> dict[str, Any]:
    return next(iter(proposal_examples().values()))["value"]


PATCH_EXAMPLES = {
    "resa-med-tag": {
        "summary": "Byt flyget mot tåg via Narvik",
        "value": {"travel": {"travellers": 2, "presence": {"required": True, "reason": "signing"},
                             "digital_alternative": False,
                             "legs": [{"from": "Luleå", "to": "Tromsø", "mode": "train", "round_trip": True}]}},
    },
    "lagg-till-mal": {
        "summary": "Motivera ett mål till",
        "value": {"goals": [{"goal": 5, "motivation": "Resan görs med tåg och deklarationen gäller klimatomställning."},
                            {"goal": 8, "motivation": "Arktiska testbäddar är ett tillväxtområde för Luleås företag."}]},
    },
}
