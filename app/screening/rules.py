"""The plan's rules (SPEC §3), one function each, named after the rule; each returns findings and its score part."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from app.screening.co2 import ClimateEstimate, LegEstimate
from app.screening.policy import FocusArea, PartnerStatus, Policy
from app.screening.proposal import Answer, Kind, Proposal
from app.screening.result import (
    Finding,
    FocusAreaResult,
    GoalResult,
    PartnerResult,
    QuestionResult,
    ScorePart,
    Severity,
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules look at: the proposal, the policy, and what the engine worked out first."""

    proposal: Proposal
    policy: Policy
    climate: ClimateEstimate | None
    partners: list[PartnerResult]


@dataclass(slots=True)
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    part: ScorePart | None = None


def memoised(key: Callable[[Facts], Hashable | None]):
    """Compute a rule once per policy for each distinct value of the inputs it reads (`key`; None: don't)."""

    def wrap(rule):
        @functools.wraps(rule)
        def run(facts: Facts):
            k = key(facts)
            if k is None:
                return rule(facts)
            return facts.policy.memo((rule.__name__, k), lambda: rule(facts))

        return run

    return wrap


_NUMBER_FORMATS = {decimals: f",.{decimals}f" for decimals in range(4)}


def num(x: float, lang: str, decimals: int = 1) -> str:
    """A number as a reader of that language writes it: 1 913,2 (sv) or 1,913.2 (en)."""
    text = format(x, _NUMBER_FORMATS.get(decimals) or f",.{decimals}f")
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "sv" else text


def substantive(text: str | None, policy: Policy) -> bool:
    """A motivation with substance: the policy's minimum characters and words. A word is what stands between spaces
    and holds a letter, and each different word counts once: a placeholder repeated ("TBD TBD TBD TBD TBD") is one
    word; dashes and bare numbers are none."""
    text = (text or "").strip()
    rule = policy.motivation
    if len(text) < rule.min_chars:
        return False
    words: set[str] = set()
    for token in text.split():  # only up to the minimum: a long motivation need not be read to its end
        if len(words) >= rule.min_words:
            break
        if token.isalpha():  # most words: letters only, nothing to trim
            words.add(token.casefold())
        elif any(c.isalpha() for c in token):
            words.add(_PUNCTUATION.sub("", token).casefold())
    return len(words) >= rule.min_words


_PUNCTUATION = re.compile(r"^\W+|\W+$")


def finding(policy: Policy, rule: str, code: str, severity: Severity, sv: str, en: str) -> Finding:
    return Finding(code=code, severity=severity, message_sv=sv, message_en=en, plan_ref=policy.plan_refs[rule])


def part(name: str, score: float, weight: float, sv: str, en: str) -> ScorePart:
    return ScorePart(part=name, score=round(score, 1), weight=weight, points=round(score * weight / 100, 2),
                     reason_sv=sv, reason_en=en)


_ANSWER_SV = {"yes": "ja", "partly": "delvis", "no": "nej"}
MODE_SV = {"flight": "flyg", "train": "tåg", "bus": "buss", "car": "bil", "taxi": "taxi", "ferry": "färja",
           "digital": "digitalt möte"}


def value_added(facts: Facts) -> tuple[Outcome, list[QuestionResult]]:
    """The three value-added questions; all three 'no' is a blocker."""
    policy, answers = facts.policy, facts.proposal.value_added
    out, questions = Outcome(), []
    for q in policy.value_added_questions:
        given = getattr(answers, q.key)
        ok = substantive(given.motivation, policy)
        result, missing = policy.memo("question_results", lambda: _question_results(policy))[q.key, given.answer, ok]
        if missing is not None:
            out.findings.append(missing)
        questions.append(result)
    counted = tuple(q.counted_as for q in questions)
    summary, out.part = policy.memo(("value_added_part", counted), lambda: _value_added_part(policy, questions))
    if summary is not None:
        out.findings.append(summary)
    return out, questions


def _question_results(policy: Policy) -> dict[tuple[str, Answer, bool], tuple[QuestionResult, Finding | None]]:
    """Each question's result for each answer, with a substantive motivation or without: the policy's own texts,
    built once per policy."""
    return {(q.key, answer, ok): _question(policy, q, answer, ok)
            for q in policy.value_added_questions for answer in Answer for ok in (True, False)}


def _question(policy: Policy, q, answer: Answer, ok: bool) -> tuple[QuestionResult, Finding | None]:
    rule, counted, missing = policy.motivation, answer, None
    if answer in (Answer.yes, Answer.partly) and not ok:
        counted = Answer.partly
        missing = finding(
            policy, "VALUE_ADDED", "VALUE_ADDED_NO_MOTIVATION", Severity.missing,
            f"Frågan ”{q.question_sv}” besvaras ”{_ANSWER_SV[answer]}” utan saklig motivering "
            f"(minst {rule.min_chars} tecken och {rule.min_words} ord); svaret räknas som ”delvis” tills det motiveras.",
            f"The question \"{q.question_en}\" is answered \"{answer}\" without a substantive motivation "
            f"(at least {rule.min_chars} characters and {rule.min_words} words); it counts as \"partly\" until motivated.",
        )
    result = QuestionResult(
        key=q.key, question_sv=q.question_sv, question_en=q.question_en, answer=answer.value,
        motivation_substantive=ok, counted_as=counted.value, score=getattr(policy.scoring.value_added, counted.value),
    )
    return result, missing


def _value_added_part(policy: Policy, questions: list[QuestionResult]) -> tuple[Finding | None, ScorePart]:
    summary = None
    if all(q.answer == "no" for q in questions):
        summary = finding(
            policy, "VALUE_ADDED", "VALUE_ADDED_NONE", Severity.blocker,
            "Ingen av de tre frågorna om mervärde besvaras ja eller delvis. Planen: ”Allt internationellt samarbete "
            "ska tillföra ett mervärde”.",
            "None of the three value-added questions is answered yes or partly. The plan: \"All international "
            "cooperation shall add value\".",
        )
    elif all(q.counted_as == "yes" for q in questions):
        summary = finding(
            policy, "VALUE_ADDED", "VALUE_ADDED_CLEAR", Severity.info,
            "Alla tre frågorna om mervärde besvaras ja, med motivering.",
            "All three value-added questions are answered yes, with a motivation.",
        )
    mean = sum(q.score for q in questions) / len(questions)
    counts_sv = ", ".join(f"{q.key}: {_ANSWER_SV[q.counted_as]}" for q in questions)
    counts_en = ", ".join(f"{q.key}: {q.counted_as}" for q in questions)
    return summary, part("value_added", mean, policy.scoring.weights.value_added,
                         f"Medelvärdet av de tre frågorna ({counts_sv}).", f"Mean of the three questions ({counts_en}).")


def _digital_first_key(facts: Facts) -> Hashable | None:
    travel = facts.proposal.travel
    if travel is None:
        return ("no travel",)
    p, digital = travel.presence, travel.digital_alternative
    if p is None:
        return (None, None, False, digital)
    if p.required is False and digital is True:
        return None  # the message states the CO2 avoided: computed every time
    return (p.required, p.reason, substantive(p.motivation, facts.policy), digital)


@memoised(_digital_first_key)
def digital_first(facts: Facts) -> tuple[Outcome, bool]:
    """Digital meetings first when presence is not required and a digital alternative exists."""
    policy, travel = facts.policy, facts.proposal.travel
    out = Outcome()
    if travel is None:
        return out, False
    presence = travel.presence
    required = presence.required if presence else None
    digital = travel.digital_alternative
    rule = "DIGITAL_FIRST"
    if required is None:
        out.findings.append(finding(
            policy, rule, "DIGITAL_FIRST_PRESENCE_UNKNOWN", Severity.missing,
            "Det framgår inte om fysisk närvaro krävs (travel.presence.required). Ange ja eller nej.",
            "It is not stated whether physical presence is required (travel.presence.required). State true or false.",
        ))
    if digital is None:
        out.findings.append(finding(
            policy, rule, "DIGITAL_FIRST_ALTERNATIVE_UNKNOWN", Severity.missing,
            "Det framgår inte om ett digitalt alternativ finns (travel.digital_alternative). Ange ja eller nej.",
            "It is not stated whether a digital alternative exists (travel.digital_alternative). State true or false.",
        ))
    fired = required is False and digital is True
    if fired:
        meeting = facts.climate.climate.digital_meeting if facts.climate else None
        if meeting and meeting.climate_gain:
            gain_sv = f" Ett digitalt möte undviker {num(meeting.saving_kg, 'sv')} kg CO2e."
            gain_en = f" A digital meeting avoids {num(meeting.saving_kg, 'en')} kg CO2e."
        elif meeting:
            gain_sv = (f" Här ger det digitala mötet ingen klimatvinst ({num(meeting.co2e_kg, 'sv', 2)} kg mot resans "
                       f"{num(facts.climate.climate.co2e_kg, 'sv', 2)} kg), men planen prioriterar det ändå.")
            gain_en = (f" Here the digital meeting is no climate gain ({num(meeting.co2e_kg, 'en', 2)} kg against the "
                       f"trip's {num(facts.climate.climate.co2e_kg, 'en', 2)} kg), but the plan still gives it priority.")
        else:
            gain_sv = gain_en = ""
        out.findings.append(finding(
            policy, rule, "DIGITAL_FIRST_PREFER_DIGITAL", Severity.condition,
            "Fysisk närvaro krävs inte och ett digitalt alternativ finns: enligt planen ska digitala möten "
            "prioriteras framför fysiska." + gain_sv,
            "Physical presence is not required and a digital alternative exists: the plan says digital meetings "
            "shall take priority over physical ones." + gain_en,
        ))
    elif required is False and digital is False:
        out.findings.append(finding(
            policy, rule, "DIGITAL_FIRST_NO_ALTERNATIVE", Severity.info,
            "Fysisk närvaro krävs inte, men inget digitalt alternativ finns.",
            "Physical presence is not required, but no digital alternative exists.",
        ))
    elif required is True:
        reason = policy.presence_reason(presence.reason) if presence.reason else None
        motivated = substantive(presence.motivation, policy)
        if reason is not None and not reason.needs_motivation:
            out.findings.append(finding(
                policy, rule, "DIGITAL_FIRST_PRESENCE_ACCEPTED", Severity.info,
                f"Fysisk närvaro krävs av ett skäl som planen godtar: {reason.label_sv}.",
                f"Physical presence is required for a reason the policy accepts: {reason.label_en}.",
            ))
        elif motivated:
            out.findings.append(finding(
                policy, rule, "DIGITAL_FIRST_PRESENCE_MOTIVATED", Severity.info,
                "Fysisk närvaro krävs och behovet är motiverat.",
                "Physical presence is required and the need is motivated.",
            ))
        else:
            out.findings.append(finding(
                policy, rule, "DIGITAL_FIRST_PRESENCE_UNMOTIVATED", Severity.missing,
                "Fysisk närvaro anges som nödvändig utan ett godtaget skäl eller en saklig motivering "
                "(travel.presence.reason eller travel.presence.motivation).",
                "Physical presence is said to be required without an accepted reason or a substantive motivation "
                "(travel.presence.reason or travel.presence.motivation).",
            ))
    return out, fired


def _leg_label(leg) -> str:
    return f"{leg.from_.name} – {leg.to.name}"


@memoised(lambda f: f.climate.key if f.climate else ("no travel",))
def climate(facts: Facts) -> Outcome:
    """CO2e of every proposal with travel, per leg; mode shift on short flights with a surface connection."""
    policy, estimate = facts.policy, facts.climate
    scores, weight = policy.scoring.climate, policy.scoring.weights.climate
    out = Outcome()
    if estimate is None:
        out.part = part("climate", 100, weight, "Ingen resa ingår.", "No travel is included.")
        return out
    c = estimate.climate
    per_leg = [policy.memo(("climate_leg", leg.key), lambda leg=leg: _climate_leg(policy, leg)) for leg in estimate.legs]
    legs_sv = "; ".join(text_sv for text_sv, _, _, _ in per_leg)
    legs_en = "; ".join(text_en for _, text_en, _, _ in per_leg)
    out.findings.append(finding(
        policy, "CLIMATE", "CLIMATE_CO2E", Severity.info,
        f"Resan beräknas ge {num(c.co2e_kg, 'sv')} kg CO2e ({num(c.co2e_kg_per_traveller, 'sv')} kg per resenär, "
        f"{num(c.co2e_kg_without_rf, 'sv')} kg utan höghöjdseffekt). {legs_sv}.",
        f"The travel is estimated at {num(c.co2e_kg, 'en')} kg CO2e ({num(c.co2e_kg_per_traveller, 'en')} kg per "
        f"traveller, {num(c.co2e_kg_without_rf, 'en')} kg without radiative forcing). {legs_en}.",
    ))
    out.findings += [f for _, _, leg_finding, _ in per_leg if (f := leg_finding) is not None]
    out.findings += [f for leg in estimate.legs if (f := _business_class(policy, leg)) is not None]
    shifts = sum(1 for *_, shift in per_leg if shift)
    emission_penalty = min(scores.max_emission_penalty, c.co2e_kg_per_traveller / scores.kg_per_point)
    shift_penalty = shifts * scores.avoidable_flight_penalty
    score = max(0.0, 100 - emission_penalty - shift_penalty)
    out.part = part(
        "climate", score, weight,
        f"100 − {num(emission_penalty, 'sv')} för {num(c.co2e_kg_per_traveller, 'sv')} kg CO2e per resenär "
        f"(1 poäng per {num(scores.kg_per_point, 'sv', 0)} kg, högst {num(scores.max_emission_penalty, 'sv', 0)})"
        f" − {num(shift_penalty, 'sv', 0)} för {shifts} flygsträcka/or som kan ersättas på marken.",
        f"100 − {num(emission_penalty, 'en')} for {num(c.co2e_kg_per_traveller, 'en')} kg CO2e per traveller "
        f"(1 point per {num(scores.kg_per_point, 'en', 0)} kg, at most {num(scores.max_emission_penalty, 'en', 0)})"
        f" − {num(shift_penalty, 'en', 0)} for {shifts} flight leg(s) that can be replaced by surface travel.",
    )
    return out


def _business_class(policy: Policy, leg: LegEstimate) -> Finding | None:
    """SPEC §3 CLIMATE: a business-class flight gets advice stating what economy would save (the same passenger-km
    under the economy factor of the same haul)."""
    r = leg.result
    if r.mode != "flight" or r.cabin != "business":
        return None
    business = policy.factor("flight", f"{r.haul}-business")
    economy = policy.factor("flight", f"{r.haul}-economy")
    saving = r.co2e_kg * (1 - economy.per_unit / business.per_unit)
    return finding(
        policy, "CLIMATE", "CLIMATE_BUSINESS_CLASS", Severity.advice,
        f"Flyget {_leg_label(r)} bokas i businessklass: i ekonomiklass ger samma resa {num(r.co2e_kg - saving, 'sv')} "
        f"kg CO2e i stället för {num(r.co2e_kg, 'sv')} kg, och sparar {num(saving, 'sv')} kg.",
        f"The flight {_leg_label(r)} is booked in business class: in economy the same journey gives "
        f"{num(r.co2e_kg - saving, 'en')} kg CO2e instead of {num(r.co2e_kg, 'en')} kg, saving {num(saving, 'en')} kg.",
    )


def _climate_leg(policy: Policy, leg: LegEstimate) -> tuple[str, str, Finding | None, bool]:
    """One leg's line in the CO2 finding, and its mode-shift, night-train or alternative finding."""
    r, best = leg.result, leg.best_alternative
    text_sv = (f"{_leg_label(r)} ({MODE_SV[r.mode]}, {num(r.distance_km, 'sv')} km"
               f"{', tur och retur' if r.round_trip else ''}): {num(r.co2e_kg, 'sv')} kg")
    text_en = (f"{_leg_label(r)} ({r.mode}, {num(r.distance_km, 'en')} km"
               f"{', return' if r.round_trip else ''}): {num(r.co2e_kg, 'en')} kg")
    limit = policy.travel.mode_shift_max_km
    if r.mode == "flight" and leg.corridor is not None and best is not None and leg.corridor.night_train:
        return text_sv, text_en, finding(
            policy, "CLIMATE", "CLIMATE_NIGHT_TRAIN", Severity.advice,
            f"Nattåg går på sträckan {_leg_label(r)}: det ersätter en hotellnatt och sparar "
            f"{num(leg.own.co2e_kg - best.co2e_kg, 'sv')} kg CO2e jämfört med flyget.",
            f"A night train serves {_leg_label(r)}: it replaces a hotel night and saves "
            f"{num(leg.own.co2e_kg - best.co2e_kg, 'en')} kg CO2e compared with the flight.",
        ), False
    if r.mode_shift and best is not None:
        via_sv = f" ({leg.corridor.via_sv})" if leg.corridor.via_sv else ""
        via_en = f" ({leg.corridor.via_en})" if leg.corridor.via_en else ""
        return text_sv, text_en, finding(
            policy, "CLIMATE", "CLIMATE_MODE_SHIFT", Severity.condition,
            f"Flyget {_leg_label(r)} är {num(r.great_circle_km, 'sv')} km, kortare än {num(limit, 'sv', 0)} km, och "
            f"sträckan har förbindelse på marken{via_sv}: res med {MODE_SV[best.mode]} i stället, vilket sparar "
            f"{num(leg.own.co2e_kg - best.co2e_kg, 'sv')} kg CO2e.",
            f"The flight {_leg_label(r)} is {num(r.great_circle_km, 'en')} km, shorter than {num(limit, 'en', 0)} km, "
            f"and the route has a surface connection{via_en}: travel by {best.mode} instead, saving "
            f"{num(leg.own.co2e_kg - best.co2e_kg, 'en')} kg CO2e.",
        ), True
    if r.alternatives and r.mode in ("flight", "car", "taxi"):
        alt = r.alternatives[0]
        return text_sv, text_en, finding(
            policy, "CLIMATE", "CLIMATE_LOWER_EMISSION_ALTERNATIVE", Severity.info,
            f"{_leg_label(r)}: {MODE_SV[alt.mode]} skulle ge {num(alt.co2e_kg, 'sv')} kg CO2e i stället för "
            f"{num(r.co2e_kg, 'sv')} kg ({num(alt.saving_kg, 'sv')} kg mindre).",
            f"{_leg_label(r)}: {alt.mode} would emit {num(alt.co2e_kg, 'en')} kg CO2e instead of "
            f"{num(r.co2e_kg, 'en')} kg ({num(alt.saving_kg, 'en')} kg less).",
        ), False
    return text_sv, text_en, None, False


def traffic_safety(facts: Facts) -> Outcome:
    """Long car and taxi legs: suggest public transport or sharing the driving."""
    policy, out = facts.policy, Outcome()
    if facts.climate is None:
        return out
    limit = policy.travel.traffic_safety_max_car_km
    for leg in facts.climate.climate.legs:
        if leg.mode in ("car", "taxi") and leg.distance_km > limit:
            out.findings.append(finding(
                policy, "TRAFFIC_SAFETY", "TRAFFIC_SAFETY_LONG_DRIVE", Severity.advice,
                f"Bilresan {_leg_label(leg)} är {num(leg.distance_km, 'sv', 0)} km enkel väg, längre än "
                f"{num(limit, 'sv', 0)} km: välj kollektivtrafik eller dela på körningen.",
                f"The drive {_leg_label(leg)} is {num(leg.distance_km, 'en', 0)} km one way, longer than "
                f"{num(limit, 'en', 0)} km: choose public transport or share the driving.",
            ))
    return out


@memoised(lambda f: (f.proposal.focus_area, tuple(tuple(p.focus_areas) for p in f.partners)))
def focus_area(facts: Facts) -> tuple[Outcome, FocusAreaResult]:
    """In one of the plan's prioritised focus areas: positive; elsewhere: neutral with a note."""
    policy, proposal = facts.policy, facts.proposal
    scores, weight = policy.scoring.focus_area, policy.scoring.weights.focus_area
    out = Outcome()
    stated = proposal.focus_area.value if proposal.focus_area else None
    if stated:
        effective = [stated]
    else:
        effective = []
        for p in facts.partners:
            effective += [a for a in p.focus_areas if a not in effective]
    infos = [policy.focus_area_info(a) for a in effective]
    prioritised = [i for i in infos if i.prioritised]
    if prioritised:
        names_sv = ", ".join(i.title_sv for i in prioritised)
        names_en = ", ".join(i.title_en for i in prioritised)
        how_sv = "" if stated else " (härlett från partnerna)"
        how_en = "" if stated else " (taken from the partners)"
        out.findings.append(finding(
            policy, "FOCUS_AREA", "FOCUS_AREA_PRIORITISED", Severity.info,
            f"Förslaget ligger inom planens prioriterade fokusområde: {names_sv}{how_sv}.",
            f"The proposal lies within the plan's prioritised focus area: {names_en}{how_en}.",
        ))
        out.part = part("focus_area", scores.prioritised, weight, f"Prioriterat fokusområde: {names_sv}.",
                        f"Prioritised focus area: {names_en}.")
    else:
        out.findings.append(finding(
            policy, "FOCUS_AREA", "FOCUS_AREA_OTHER", Severity.info,
            "Förslaget ligger utanför de prioriterade fokusområdena (regionalt/arktiskt, EU, vänorter). Planen "
            "tillåter samarbete med andra delar av världen när möjligheter uppstår; mervärdet behöver vara tydligt.",
            "The proposal lies outside the prioritised focus areas (regional/Arctic, EU, twin towns). The plan allows "
            "cooperation with other parts of the world when opportunities arise; the added value needs to be clear.",
        ))
        out.part = part("focus_area", scores.other, weight, "Utanför de prioriterade fokusområdena (neutralt).",
                        "Outside the prioritised focus areas (neutral).")
        effective = effective or [FocusArea.other.value]
    return out, FocusAreaResult(stated=stated, effective=effective, prioritised=bool(prioritised))


@memoised(lambda f: tuple((p.query, p.slug) for p in f.partners))
def partner_status(facts: Facts) -> Outcome:
    """Each partner's status in the plan: ended blocks, deprioritised and dormant need a motivation."""
    policy, out = facts.policy, Outcome()
    scores, weight = policy.scoring.partners, policy.scoring.weights.partners
    rule = "PARTNER_STATUS"
    part_scores: list[tuple[float, str, str]] = []
    for p in facts.partners:
        if not p.matched:
            out.findings.append(finding(
                policy, rule, "PARTNER_STATUS_UNKNOWN_PARTNER", Severity.info,
                f"”{p.query}” finns inte bland planens partner och nätverk; namnet behålls som angivet.",
                f"\"{p.query}\" is not among the plan's partners and networks; the name is kept as given.",
            ))
            part_scores.append((scores.unmatched, f"{p.query}: okänd partner", f"{p.query}: unknown partner"))
            continue
        status = PartnerStatus(p.status)
        part_scores.append((getattr(scores, status.value), f"{p.name_sv}: {status.value}", f"{p.name_en}: {status.value}"))
        if status == PartnerStatus.ended:
            out.findings.append(finding(
                policy, rule, "PARTNER_STATUS_ENDED", Severity.blocker,
                f"Samarbetet med {p.name_sv} är avslutat enligt planen; förslaget kan inte rekommenderas.",
                f"The cooperation with {p.name_en} has ended under the plan; the proposal cannot be recommended.",
            ))
        elif status == PartnerStatus.deprioritised:
            out.findings.append(finding(
                policy, rule, "PARTNER_STATUS_DEPRIORITISED", Severity.condition,
                f"Samarbetet med {p.name_sv} prioriteras inte längre enligt planen: motivera varför det ändå drivs.",
                f"The cooperation with {p.name_en} is no longer prioritised under the plan: motivate why it is pursued.",
            ))
        elif status == PartnerStatus.dormant:
            out.findings.append(finding(
                policy, rule, "PARTNER_STATUS_DORMANT", Severity.condition,
                f"Samarbetet med {p.name_sv} är vilande enligt planen: motivera varför det återupptas.",
                f"The cooperation with {p.name_en} is dormant under the plan: motivate why it is reactivated.",
            ))
        else:
            out.findings.append(finding(
                policy, rule, "PARTNER_STATUS_ACTIVE", Severity.info,
                f"{p.name_sv} är en aktiv partner i planen.", f"{p.name_en} is an active partner in the plan.",
            ))
    if not part_scores:
        out.part = part("partners", scores.none, weight, "Inga partner angivna.", "No partners named.")
    else:
        worst = min(part_scores, key=lambda s: s[0])
        out.part = part("partners", worst[0], weight, f"Lägsta partnerstatus: {worst[1]}.",
                        f"Lowest partner status: {worst[2]}.")
    return out


@memoised(lambda f: (f.proposal.kind, substantive(f.proposal.gender_equality, f.policy)))
def gender_equality(facts: Facts) -> Outcome:
    """Gender equality and equal rights shall permeate the work: projects and activities must say how."""
    policy, proposal, out = facts.policy, facts.proposal, Outcome()
    scores, weight = policy.scoring.gender_equality, policy.scoring.weights.gender_equality
    if substantive(proposal.gender_equality, policy):
        out.findings.append(finding(
            policy, "GENDER_EQUALITY", "GENDER_EQUALITY_DESCRIBED", Severity.info,
            "Förslaget beskriver hur jämställdhet och jämlikhet beaktas.",
            "The proposal describes how gender equality and equal rights are considered.",
        ))
        out.part = part("gender_equality", scores.described, weight, "Jämställdhet och jämlikhet beskrivs.",
                        "Gender equality and equal rights are described.")
        return out
    if proposal.kind == Kind.trip:
        severity, sv_tail, en_tail = Severity.advice, " (råd för resor).", " (advice for trips)."
    else:
        severity, sv_tail, en_tail = Severity.condition, ": ett krav för projekt och aktiviteter.", \
            ": required for projects and activities."
    out.findings.append(finding(
        policy, "GENDER_EQUALITY", "GENDER_EQUALITY_MISSING", severity,
        "Beskriv hur jämställdhet och jämlikhet beaktas" + sv_tail,
        "Describe how gender equality and equal rights are considered" + en_tail,
    ))
    out.part = part("gender_equality", scores.missing, weight, "Jämställdhet och jämlikhet beskrivs inte.",
                    "Gender equality and equal rights are not described.")
    return out


@memoised(lambda f: (f.proposal.kind, f.proposal.eu_funding, f.proposal.budget_sek is None))
def eu_funding(facts: Facts) -> Outcome:
    """EU funds and programmes shall be used: co-funding is positive; a project with no funding plan gets advice."""
    policy, proposal, out = facts.policy, facts.proposal, Outcome()
    scores, weight = policy.scoring.eu_funding, policy.scoring.weights.eu_funding
    eu = proposal.eu_funding
    if eu is not None:
        share_sv = f" ({num(eu.share * 100, 'sv', 0)} %)" if eu.share is not None else ""
        share_en = f" ({num(eu.share * 100, 'en', 0)} %)" if eu.share is not None else ""
        out.findings.append(finding(
            policy, "EU_FUNDING", "EU_FUNDING_COFUNDED", Severity.info,
            f"EU-medfinansiering: {eu.programme}{share_sv}.", f"EU co-funding: {eu.programme}{share_en}.",
        ))
        out.part = part("eu_funding", scores.cofunded, weight, f"EU-medfinansiering ({eu.programme}).",
                        f"EU co-funding ({eu.programme}).")
        return out
    if proposal.kind == Kind.project:
        if proposal.budget_sek is None:
            out.findings.append(finding(
                policy, "EU_FUNDING", "EU_FUNDING_NO_PLAN", Severity.advice,
                "Projektet saknar finansieringsplan: ange budget och pröva EU:s fonder och program.",
                "The project has no funding plan: state a budget and consider the EU's funds and programmes.",
            ))
        else:
            out.findings.append(finding(
                policy, "EU_FUNDING", "EU_FUNDING_NOT_USED", Severity.advice,
                "Projektet har ingen EU-medfinansiering: pröva om EU:s fonder och program kan användas.",
                "The project has no EU co-funding: consider whether the EU's funds and programmes can be used.",
            ))
    out.part = part("eu_funding", scores.none, weight, "Ingen EU-medfinansiering (neutralt).",
                    "No EU co-funding (neutral).")
    return out


def goals(facts: Facts) -> tuple[Outcome, list[GoalResult]]:
    """The nine overarching goals: each claim needs a motivation; no motivated goal cannot be approved."""
    policy, proposal = facts.policy, facts.proposal
    claims = {c.goal: substantive(c.motivation, policy) for c in proposal.goals}
    key = tuple(sorted(claims.items()))
    return policy.memo(("goals", key), lambda: _goals(policy, claims))


_GOAL_STATES = {  # (claimed, motivated): reason_sv, reason_en, score
    (True, True): ("Anspråket är motiverat.", "The claim is motivated.", 100.0),
    (True, False): ("Anspråket saknar saklig motivering och räknas inte.",
                    "The claim has no substantive motivation and is not counted.", 0.0),
    (False, False): ("Inte angivet.", "Not claimed.", 0.0),
}


def _goal_results(policy: Policy) -> dict[int, dict[tuple[bool, bool], GoalResult]]:
    """Each goal's result (in goal order) in each of its three states (claimed, motivated): the policy's own texts,
    built once per policy."""
    return {
        g.number: {
            (claimed, motivated): GoalResult(
                goal=g.number, title_sv=g.title_sv, title_en=g.title_en, claimed=claimed, motivated=motivated,
                score=score, sdgs=_sdgs(g), sdgs_official=g.sdgs_official, sdgs_proposed=g.sdgs_proposed,
                reason_sv=reason_sv, reason_en=reason_en,
            )
            for (claimed, motivated), (reason_sv, reason_en, score) in _GOAL_STATES.items()
        }
        for g in sorted(policy.goals, key=lambda g: g.number)
    }


def _goals(policy: Policy, claims: dict[int, bool]) -> tuple[Outcome, list[GoalResult]]:
    scores, weight, out = policy.scoring.goals, policy.scoring.weights.goals, Outcome()
    table = policy.memo("goal_results", lambda: _goal_results(policy))
    results = [states[number in claims, claims.get(number, False)] for number, states in table.items()]
    served = [r for r in results if r.motivated]
    unmotivated = [r for r in results if r.claimed and not r.motivated]
    if served:
        listing_sv = "; ".join(f"mål {r.goal} ({r.title_sv}; SDG {', '.join(map(str, r.sdgs))})" for r in served)
        listing_en = "; ".join(f"goal {r.goal} ({r.title_en}; SDG {', '.join(map(str, r.sdgs))})" for r in served)
        out.findings.append(finding(
            policy, "GOALS", "GOALS_SERVED", Severity.info,
            f"Förslaget bidrar med motivering till {listing_sv}.", f"The proposal contributes, with a motivation, to {listing_en}.",
        ))
    else:
        out.findings.append(finding(
            policy, "GOALS", "GOALS_NONE", Severity.missing,
            "Förslaget visar inte med motivering att det bidrar till något av de nio övergripande målen; "
            "det kan inte godkännas utan det.",
            "The proposal does not show, with a motivation, that it serves any of the nine overarching goals; "
            "it cannot be approved without that.",
        ))
    for r in unmotivated:
        out.findings.append(finding(
            policy, "GOALS", "GOALS_UNMOTIVATED", Severity.advice,
            f"Mål {r.goal} ({r.title_sv}) anges utan saklig motivering och räknas inte.",
            f"Goal {r.goal} ({r.title_en}) is claimed without a substantive motivation and is not counted.",
        ))
    n = len(served)
    score = 0.0 if n == 0 else min(100.0, scores.first_goal + scores.additional_goal * (n - 1))
    out.part = part(
        "goals", score, weight,
        f"{n} motiverade mål: {num(scores.first_goal, 'sv', 0)} för det första, {num(scores.additional_goal, 'sv', 0)} "
        f"för varje ytterligare, högst 100.",
        f"{n} motivated goal(s): {num(scores.first_goal, 'en', 0)} for the first, {num(scores.additional_goal, 'en', 0)} "
        f"for each further one, at most 100.",
    )
    return out, results


def _sdgs(g) -> list[int]:
    return sorted(set(g.sdgs_official) | set(g.sdgs_proposed))
