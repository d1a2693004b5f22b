"""Demo data (`vagval demo-data`): realistic, varied proposals of Luleå's departments — trips, projects and
activities to the places of the plan, by every mode, over several years — stored and decided through the service's
own code path (the batch endpoint's and the decision endpoint's functions), so a newcomer sees a living dashboard."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.models import ApiKey, Client, ProposalRecord, Role
from app.models.proposal import DecisionCreate, DecisionKind
from app.services import cases, proposals
from app.services.keys import Principal, create_client_key

# ten of the seeded departments (app/data/departments.toml)
DEPARTMENTS = ["kommunstaben", "utbildnings-och-arbetsmarknadsforvaltningen", "kultur-och-fritidsforvaltningen",
               "socialforvaltningen", "stadsbyggnadsforvaltningen", "infrastruktur-och-serviceforvaltningen",
               "raddningstjansten", "lulea-business-region", "lulea-hamn", "lulea-energi"]


@dataclass(frozen=True)
class Destination:
    title: str
    partners: list[str]
    legs: list[tuple[str, str, str]]  # from, to, mode (each a round trip)
    goals: list[int]
    reason: str
    kind: str = "trip"


DESTINATIONS = [
    Destination("Arctic Mayors' Forum i Tromsø", ["arctic-mayors-forum"], [("LLA", "TOS", "flight")], [5, 8], "network_meeting"),
    Destination("Samverkansmöte i Tromsø med tåg via Narvik", ["Tromsø"], [("Luleå", "Narvik", "train"), ("Narvik", "Tromsø", "bus")], [8, 3], "negotiation"),
    Destination("Studiebesök i Uleåborg", ["Uleåborg"], [("Luleå", "Haparanda", "train"), ("Haparanda", "Oulu", "bus")], [8, 7], "site_visit"),
    Destination("Bottenviksbågens styrelsemöte i Kemi", ["Bottenviksbågen"], [("Luleå", "Kemi", "bus")], [8, 9], "network_meeting"),
    Destination("Vänortsutbyte med Kemi", ["Kemi"], [("Luleå", "Kemi", "car")], [3, 2], "exchange", "activity"),
    Destination("Barents Road-möte i Bodø", ["Barents Väg"], [("LLA", "BOO", "flight")], [8, 9], "network_meeting"),
    Destination("Europaforum Norra Sverige i Bryssel", ["Europaforum Norra Sverige"], [("LLA", "ARN", "flight"), ("ARN", "BRU", "flight")], [8, 2], "network_meeting"),
    Destination("SERN-konferens i Bologna", ["SERN"], [("LLA", "ARN", "flight"), ("ARN", "BLQ", "flight")], [4, 9], "network_meeting"),
    Destination("UBC:s generalförsamling i Gdańsk", ["Union of the Baltic Cities"], [("Luleå", "Stockholm", "train"), ("Stockholm", "Gdańsk", "ferry")], [5, 6], "network_meeting"),
    Destination("Borgmästaravtalets årsmöte i Bryssel", ["Borgmästaravtalet"], [("LLA", "ARN", "flight"), ("ARN", "BRU", "flight")], [5], "network_meeting"),
    Destination("Möte i Stockholm om EU-finansiering", ["Europaforum Norra Sverige"], [("Luleå", "Stockholm", "train")], [8, 9], "negotiation"),
    Destination("Skolutbyte med Santa Lucía de Tirajana", ["Santa Lucía de Tirajana"], [("LLA", "ARN", "flight"), ("ARN", "LPA", "flight")], [3, 4], "exchange"),
    Destination("SEA20-möte om smarta hamnar i Göteborg", ["SEA20"], [("LLA", "GOT", "flight")], [8, 5], "network_meeting"),
    Destination("Mässa i Umeå om arktiska testbäddar", [], [("Luleå", "Umeå", "train")], [8, 9], "trade_fair"),
    Destination("Kulturutbyte i Zenica", ["Zenica"], [("LLA", "ARN", "flight"), ("ARN", "SJJ", "flight")], [3], "exchange"),
    Destination("Handelsdelegation till Shanghai", ["Kina"], [("LLA", "ARN", "flight"), ("ARN", "PVG", "flight")], [8, 9], "trade_fair"),
    Destination("Teknikkonferens i Austin", ["Austin"], [("LLA", "ARN", "flight"), ("ARN", "AUS", "flight")], [8], "trade_fair"),
    Destination("Projektmöte Interreg Aurora i Haparanda", ["Bottenviksbågen"], [("Luleå", "Haparanda", "taxi")], [5, 4], "network_meeting", "project"),
    Destination("Volontärutbyte med Novéant (ANEA)", ["ANEA"], [("LLA", "ARN", "flight"), ("ARN", "LUX", "flight")], [2, 3], "exchange", "activity"),
]
PROJECTS = [
    ("EU-projekt om klimatanpassning i Bottenviksbågen", ["Bottenviksbågen", "Uleåborg"], [5, 4, 8], "regional_arctic"),
    ("Digital omställning enligt JOIN, BOOST, SUSTAIN", ["JOIN, BOOST, SUSTAIN"], [8, 7], "eu"),
    ("Erasmus+-samarbete för yrkesutbildning", ["SERN"], [9, 4], "eu"),
    ("Arktiska testbäddar för kallt klimat", ["Arctic Five"], [8, 9, 5], "regional_arctic"),
]
DEVELOPMENT = ["Vi tar del av metoder som kan utveckla den kommunala verksamheten inom området.",
               "Samarbetet ger näringslivet i Luleå nya kontakter och möjligheter till affärer.",
               "Erfarenheterna används direkt i förvaltningens pågående utvecklingsarbete."]
SCANNING = ["Vi följer hur andra arktiska städer arbetar med samma utmaningar som Luleå.",
            "Mötet ger en överblick över vad som händer inom EU på området just nu.",
            "Vi lär oss av partnernas arbete med hållbar stadsutveckling och digitalisering."]
INFLUENCE = ["Luleå för fram kommunens ståndpunkter i nätverkets gemensamma uttalande.",
             "Vi påverkar utformningen av kommande EU-program som rör norra Sverige.",
             "Kommunen deltar i arbetsgruppen som formulerar nätverkets prioriteringar."]
GOAL_TEXT = "Insatsen bidrar till målet genom konkreta åtgärder som förvaltningen följer upp i sin verksamhetsplan."
GENDER = "Delegationen är jämställt sammansatt och programmet tar upp jämställdhet i partnerns arbete."


def _answer(rnd: random.Random, texts: list[str]) -> dict[str, str]:
    roll = rnd.random()
    if roll < 0.65:
        return {"answer": "yes", "motivation": rnd.choice(texts)}
    if roll < 0.85:
        return {"answer": "partly", "motivation": rnd.choice(texts)}
    if roll < 0.95:
        return {"answer": "no", "motivation": ""}
    return {"answer": "yes", "motivation": "Bra."}  # not substantive: a missing finding


def proposal(rnd: random.Random, index: int, run: str, years: list[int]) -> dict[str, Any]:
    """One realistic proposal (SPEC §7a) for a random department, month and destination."""
    department = rnd.choice(DEPARTMENTS)
    year = rnd.choice(years)
    start = dt.date(year, rnd.randint(1, 12), rnd.randint(1, 28))
    body: dict[str, Any] = {
        "department": department, "external_ref": f"DEMO-{run}-{index:06d}",
        "value_added": {"development": _answer(rnd, DEVELOPMENT), "environmental_scanning": _answer(rnd, SCANNING),
                        "influence": _answer(rnd, INFLUENCE)},
        "start_date": start.isoformat(),
    }
    if rnd.random() < 0.12:
        title, partners, goals, area = rnd.choice(PROJECTS)
        body.update(kind="project", title=title, partners=partners, focus_area=area,
                    end_date=(start + dt.timedelta(days=rnd.choice((365, 730, 1095)))).isoformat(),
                    eu_funding={"programme": rnd.choice(["Interreg Aurora", "Erasmus+", "LIFE"]),
                                "share": rnd.choice([0.5, 0.65, 0.8])} if rnd.random() < 0.7 else None,
                    budget_sek=rnd.choice([250_000, 1_200_000, 4_500_000]))
    else:
        d = rnd.choice(DESTINATIONS)
        days = rnd.choice((1, 2, 3, 4))
        travellers = rnd.choice((1, 1, 2, 2, 3, 4, 6, 12)) if d.kind != "trip" else rnd.choice((1, 1, 2, 2, 3, 4))
        required = rnd.random() < 0.75
        body.update(kind=d.kind, title=d.title, partners=d.partners, end_date=(start + dt.timedelta(days=days - 1)).isoformat(),
                    goals=None, travel={
                        "travellers": travellers,
                        "presence": {"required": required if rnd.random() < 0.95 else None,
                                     "reason": d.reason if required else None,
                                     "motivation": "Mötet kräver personlig närvaro för förhandlingar och studiebesök."
                                     if required else None},
                        "digital_alternative": rnd.random() < 0.6 if not required else rnd.random() < 0.3,
                        "legs": [{"from": a, "to": b, "mode": m, "round_trip": True} for a, b, m in d.legs],
                    })
        goals = d.goals
    body["goals"] = [{"goal": g, "motivation": GOAL_TEXT} for g in goals if rnd.random() < 0.9]
    if rnd.random() < 0.8:
        body["gender_equality"] = GENDER
    if not body["partners"]:
        del body["partners"]
    return {k: v for k, v in body.items() if v is not None}


def _principal(session: Session, name: str, role: Role, department: str | None) -> Principal:
    """The demo's client of that name (created on first use) as a principal, as its key would authenticate."""
    client = session.exec(select(Client).where(Client.name == name)).first()
    if client is None:
        client, key, _ = create_client_key(session, name=name, role=role.value, department=department,
                                           actor="vagval demo-data")
    else:
        key = session.exec(select(ApiKey).where(ApiKey.client_id == client.id)).first()
    return Principal(client.id, client.name, Role(client.role), client.department, key.id)


def _decision(rnd: random.Random, recommendation: str) -> tuple[DecisionKind, str] | None:
    """What an officer decides: mostly as recommended, sometimes departing with a substantive reason."""
    roll = rnd.random()
    if roll < 0.2:
        return None  # not decided yet
    follow = {"approve": DecisionKind.approved, "approve_with_conditions": DecisionKind.approved,
              "prefer_digital": DecisionKind.rejected, "reject": DecisionKind.rejected,
              "needs_information": DecisionKind.returned}[recommendation]
    if roll > 0.93 and recommendation in ("prefer_digital", "needs_information"):
        return DecisionKind.approved, ("Förvaltningschefen bedömer att mötet kräver fysisk närvaro trots det "
                                       "digitala alternativet; resan genomförs med tåg där det går.")
    return follow, "Beslutat enligt Vägvals rekommendation efter genomgång med förvaltningen."


def fill(session: Session, n: int, seed: int = 2027, progress: Callable[[int, int], None] | None = None,
         today: dt.date | None = None) -> dict[str, Any]:
    """Store n proposals through the batch path, then decide most of those whose start date has passed (or is
    near), withdraw a few; a report of what was stored."""
    rnd = random.Random(seed)
    today = today or dt.date.today()
    years = list(range(2023, today.year + 2))
    run = f"{seed}-{rnd.randrange(16 ** 6):06x}"
    officer = _principal(session, "Demo: internationell samordnare", Role.officer, None)
    submitters = {d: _principal(session, f"Demo: {d}", Role.submitter, d) for d in DEPARTMENTS}
    session.commit()
    by_department: dict[str, list[dict]] = {d: [] for d in DEPARTMENTS}
    for i in range(n):
        body = proposal(rnd, i, run, years)
        by_department[body["department"]].append(body)
    created: list[str] = []
    done = 0
    for department, items in by_department.items():
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            outcome = proposals.create_batch(session, submitters[department], chunk, "sv", None)
            session.commit()
            created += [r["id"] for r in outcome.body["results"] if r["status"] == 201]
            done += len(chunk)
            if progress:
                progress(done, n)
    decided = withdrawn = 0
    for pid in created:
        record = session.get(ProposalRecord, pid)
        if record.start_date and record.start_date > today + dt.timedelta(days=60):
            continue  # planned further ahead: not decided yet
        if rnd.random() < 0.04:
            cases.withdraw(session, submitters[record.department], pid, None, "sv", None)
            withdrawn += 1
        else:
            choice = _decision(rnd, record.recommendation)
            if choice is None:
                continue
            decision, reason = choice
            cases.decide(session, officer, pid, DecisionCreate(decision=decision, reason=reason),
                         proposals.etag(record), "sv", None)
            decided += 1
        session.commit()
    return {"requested": n, "stored": len(created), "decided": decided, "withdrawn": withdrawn,
            "departments": sorted(d for d, items in by_department.items() if items)}
