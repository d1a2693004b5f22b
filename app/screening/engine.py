"""screen(proposal, policy) -> Screening: pure, deterministic, explained (SPEC §4)."""

from __future__ import annotations

from app.screening import ENGINE_VERSION, rules
from app.screening.co2 import estimate
from app.screening.errors import ProposalError
from app.screening.places import Gazetteer
from app.screening.policy import Policy, default_policy
from app.screening.proposal import Proposal
from app.screening.result import (
    Condition,
    Finding,
    PartnerResult,
    Recommendation,
    Screening,
    Severity,
)
from app.screening.rules import Facts, finding, num

RECOMMENDATION_SV = {
    Recommendation.approve: "godkänn",
    Recommendation.approve_with_conditions: "godkänn med villkor",
    Recommendation.prefer_digital: "genomför digitalt",
    Recommendation.needs_information: "komplettera",
    Recommendation.reject: "avslå",
}
RECOMMENDATION_EN = {
    Recommendation.approve: "approve",
    Recommendation.approve_with_conditions: "approve with conditions",
    Recommendation.prefer_digital: "hold it digitally",
    Recommendation.needs_information: "needs more information",
    Recommendation.reject: "reject",
}


def gazetteer(policy: Policy) -> Gazetteer:
    """The place resolver for a policy, built once per policy object."""
    return policy.memo("gazetteer", lambda: Gazetteer(policy))


def warm_up(policy: Policy) -> None:
    """Load the place data sets and build the policy's gazetteer ahead of the first screening."""
    from app.screening.places import (
        _airports,
        _cities,
        _cities_by_latitude,
        _names_by_initial,
        _own_names_of_towns,
        _scheduled,
        _scheduled_airport_names,
        _scheduled_codes,
        _towns_with_letters,
    )

    _airports()
    _scheduled()
    _scheduled_codes()
    _cities()
    _own_names_of_towns()
    _names_by_initial()
    _scheduled_airport_names()
    _towns_with_letters()
    _cities_by_latitude()
    gazetteer(policy).scheduled_airports()


def match_partners(proposal: Proposal, policy: Policy) -> list[PartnerResult]:
    return [policy.memo(("partner", name), lambda name=name: match_partner(name, policy)) for name in proposal.partners]


def match_partner(name: str, policy: Policy) -> PartnerResult:
    p = policy.partner_by_name(name)
    if p is None:
        return PartnerResult(query=name, matched=False, slug=None, name_sv=None, name_en=None, status=None,
                             focus_areas=[])
    return PartnerResult(query=name, matched=True, slug=p.slug, name_sv=p.name_sv, name_en=p.name_en,
                         status=p.status.value, focus_areas=[a.value for a in p.focus_areas])


def check_against_policy(proposal: Proposal, policy: Policy) -> None:
    """What the proposal schema cannot check because it depends on the policy."""
    travel = proposal.travel
    if travel and travel.presence and travel.presence.reason is not None:
        if policy.presence_reason(travel.presence.reason) is None:
            accepted = ", ".join(r.key for r in policy.travel.presence_reasons)
            raise ProposalError(f"{travel.presence.reason!r} is not an accepted reason; use one of: {accepted}",
                                "travel.presence.reason")


def recommend(findings: list[Finding], digital_fired: bool, score: float, threshold: float) -> Recommendation:
    """Precedence of SPEC §4: blocker, digital first, missing, the score threshold (an approval of any kind needs
    the score), condition, else approve."""
    severities = {f.severity for f in findings}
    if Severity.blocker in severities:
        return Recommendation.reject
    if digital_fired:
        return Recommendation.prefer_digital
    if Severity.missing in severities or score < threshold:
        return Recommendation.needs_information
    if Severity.condition in severities:
        return Recommendation.approve_with_conditions
    return Recommendation.approve


def screen(proposal: Proposal, policy: Policy | None = None) -> Screening:
    """Screen one proposal under a policy (the shipped default when none is given)."""
    policy = policy or default_policy()
    check_against_policy(proposal, policy)
    facts = Facts(proposal, policy, estimate(proposal, policy, gazetteer(policy)), match_partners(proposal, policy))

    value_added, questions = rules.value_added(facts)
    digital, digital_fired = rules.digital_first(facts)
    focus, focus_result = rules.focus_area(facts)
    goals, goal_results = rules.goals(facts)
    outcomes = [
        value_added, digital, rules.climate(facts), rules.traffic_safety(facts), focus,
        rules.partner_status(facts), rules.gender_equality(facts), rules.eu_funding(facts), goals,
    ]
    findings = [f for o in outcomes for f in o.findings]
    order = policy.memo("score_part_order",
                        lambda: {name: i for i, name in enumerate(type(policy.scoring.weights).model_fields)})
    parts = sorted((o.part for o in outcomes if o.part is not None), key=lambda p: order[p.part])
    score = round(sum(p.score * p.weight for p in parts) / 100, 1)
    threshold = policy.scoring.approve_threshold

    recommendation = recommend(findings, digital_fired, score, threshold)
    if recommendation == Recommendation.needs_information and score < threshold and not any(
        f.severity == Severity.missing for f in findings
    ):
        findings.append(finding(
            policy, "SCORE", "VALUE_ADDED_SCORE_BELOW_THRESHOLD", Severity.missing,
            f"Poängen {num(score, 'sv')} når inte gränsen {num(threshold, 'sv')} för att godkänna: stärk "
            f"motiveringarna (se poängdelarna).",
            f"The score {num(score, 'en')} does not reach the approval threshold {num(threshold, 'en')}: strengthen "
            f"the motivations (see the score parts).",
        ))
    conditions = [Condition(code=f.code, text_sv=f.message_sv, text_en=f.message_en)
                  for f in findings if f.severity == Severity.condition]
    summary_sv, summary_en = summarise(recommendation, score, threshold, findings)
    return Screening(
        recommendation=recommendation, score=score, approve_threshold=threshold, score_parts=parts,
        summary_sv=summary_sv, summary_en=summary_en, findings=findings, conditions=conditions,
        value_added=questions, goals=goal_results, focus_area=focus_result, partners=facts.partners,
        climate=facts.climate.climate if facts.climate else None,
        policy_version=policy.version, policy_hash=policy.content_hash, engine_version=ENGINE_VERSION,
    )


_DECISIVE = {
    Recommendation.reject: (Severity.blocker,),
    Recommendation.prefer_digital: (Severity.condition,),
    Recommendation.needs_information: (Severity.missing,),
    Recommendation.approve_with_conditions: (Severity.condition,),
}


def summarise(rec: Recommendation, score: float, threshold: float, findings: list[Finding]) -> tuple[str, str]:
    """One paragraph per language: the recommendation, the score, and the findings that decided it."""
    sv = f"Rekommendation: {RECOMMENDATION_SV[rec]} (poäng {num(score, 'sv')} av 100, gräns {num(threshold, 'sv')})."
    en = f"Recommendation: {RECOMMENDATION_EN[rec]} (score {num(score, 'en')} of 100, threshold {num(threshold, 'en')})."
    decisive = [f for f in findings if f.severity in _DECISIVE.get(rec, ())]
    if rec == Recommendation.prefer_digital:
        decisive = [f for f in decisive if f.code.startswith("DIGITAL_FIRST")]
    if decisive:
        sv += " " + " ".join(f.message_sv for f in decisive)
        en += " " + " ".join(f.message_en for f in decisive)
    elif rec == Recommendation.approve:
        sv += " Inga hinder, inga saknade uppgifter och inga villkor, och poängen når gränsen."
        en += " No blockers, no missing information and no conditions, and the score reaches the threshold."
    return sv, en
