"""The default policy: complete, traceable to the plan, and refused with the exact field when invalid."""

from __future__ import annotations

import copy
import tomllib

import airportsdata
import pytest

from app.screening import PolicyError, default_policy
from app.screening.places import haversine_km
from app.screening.policy import DEFAULT_POLICY_PATH, parse_policy, parse_policy_toml

RAW = tomllib.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))


def test_default_policy_identity():
    p = default_policy()
    assert p.version == "lulea-2019-2023-rev-2021-12-03.2"
    assert p.content_hash.startswith("sha256:")


def test_hash_follows_content_not_formatting():
    p = default_policy()
    reformatted = parse_policy(copy.deepcopy(RAW))
    assert reformatted.content_hash == p.content_hash
    changed = copy.deepcopy(RAW)
    changed["travel"]["mode_shift_max_km"] = 400
    assert parse_policy(changed).content_hash != p.content_hash


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda d: d["scoring"]["weights"].update(goals=30), "scoring.weights", "add up to 100, they add up to 110"),
        (lambda d: d["partners"][0].update(status="sleeping"), "partners[0].status", "Input should be"),
        (lambda d: d["factors"][0].update(with_rf=-1), "factors[0].with_rf", "greater than or equal to 0"),
        (lambda d: d["places"][0].update(lat=95), "places[0].lat", "less than or equal to 90"),
        (lambda d: d["travel"].pop("mode_shift_max_km"), "travel.mode_shift_max_km", "Field required"),
        (lambda d: d["travel"].update(typo=1), "travel.typo", "unknown field 'typo'"),
        # checks across fields name the exact field too, not the policy as a whole
        (lambda d: d["corridors"][0].update(ends=["lulea", "atlantis"]), "corridors[0].ends[1]",
         "'atlantis', which is not in places"),
        (lambda d: d.update(factors=[f for f in d["factors"] if f["variant"] != "coach"]), "factors",
         "factors missing for bus: coach"),
        (lambda d: d.update(goals=d["goals"][:8]), "goals", "each of the goals 1-9 exactly once"),
        (lambda d: d["plan_refs"].pop("CLIMATE"), "plan_refs.CLIMATE", "missing"),
        (lambda d: d["partners"][2].update(place="atlantis"), "partners[2].place", "'atlantis', which is not in places"),
        (lambda d: d["digital"].update(factor_variant="coach"), "digital.factor_variant", "is not a digital factor"),
        (lambda d: d["partners"].append(copy.deepcopy(d["partners"][0])), f"partners[{len(RAW['partners'])}]",
         "is listed twice"),
        (lambda d: d["travel"]["presence_reasons"].append(copy.deepcopy(d["travel"]["presence_reasons"][0])),
         f"travel.presence_reasons[{len(RAW['travel']['presence_reasons'])}]", "is listed twice"),
        (lambda d: d["corridors"][0].update(routed_km=100, routed_km_source=None), "corridors[0].routed_km_source",
         "required when routed_km is given"),
        (lambda d: d["distance"]["detour"].pop("ferry"), "distance.detour", "detour factor missing for ferry"),
    ],
)
def test_invalid_policy_names_the_field_and_reason(mutate, field, reason):
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(PolicyError) as err:
        parse_policy(data, "test.toml")
    assert any(e["field"] == field and reason in e["reason"] for e in err.value.errors), err.value.errors
    assert field in str(err.value)


def test_policy_that_is_not_toml_is_refused():
    with pytest.raises(PolicyError) as err:
        parse_policy_toml("[policy\nversion = 1", "broken.toml")
    assert err.value.errors[0]["field"] == "(file)"
    assert "not valid TOML" in err.value.errors[0]["reason"]


# -- content traceable to the plan -------------------------------------------------------------

PARTNERS = {
    "arctic-mayors-forum": ("active", ["regional_arctic"]),
    "bottenviksbagen": ("active", ["regional_arctic"]),
    "barents-road": ("active", ["regional_arctic"]),
    "oulu": ("active", ["regional_arctic"]),
    "bodo": ("active", ["regional_arctic"]),
    "tromso": ("active", ["regional_arctic", "twin_town"]),
    "sern": ("active", ["eu"]),
    "ubc": ("active", ["eu"]),
    "europaforum-norra-sverige": ("active", ["eu"]),
    "covenant-of-mayors": ("active", ["eu"]),
    "anea": ("active", ["eu"]),
    "join-boost-sustain": ("active", ["eu"]),
    "sea20": ("active", ["other"]),
    "kemi": ("active", ["twin_town"]),
    "murmansk": ("active", ["twin_town"]),
    "santa-lucia-de-tirajana": ("active", ["twin_town"]),
    "puerto-cabezas": ("dormant", ["twin_town"]),
    "zenica": ("dormant", ["twin_town"]),
    "china": ("ended", ["other"]),
    "austin": ("deprioritised", ["other"]),
}


def test_every_partner_the_plan_names_with_its_status():
    got = {p.slug: (p.status.value, [a.value for a in p.focus_areas]) for p in default_policy().partners}
    assert got == PARTNERS


@pytest.mark.parametrize(("alias", "slug"), [("Uleåborg", "oulu"), ("Bothnian Arc", "bottenviksbagen"),
                                             ("Barents Road", "barents-road"), ("Kina", "china"),
                                             ("Union of the Baltic Cities", "ubc"), ("Tromso", "tromso")])
def test_partner_aliases(alias, slug):
    assert default_policy().partner_by_name(alias).slug == slug


def test_three_questions_word_for_word():
    q = {x.key: x.question_sv for x in default_policy().value_added_questions}
    assert q == {
        "development": "Bidrar denna aktivitet till samhälls- och näringslivsutveckling eller kommunens "
                       "verksamhetsutveckling?",
        "environmental_scanning": "Är den ett led i vår omvärldsbevakning?",
        "influence": "Är denna aktivitet en möjlighet att på något sätt påverka inom ett för kommunen viktigt område?",
    }


def test_goal_links_official_and_proposed():
    goals = {g.number: g for g in default_policy().goals}
    assert goals[1].sdgs_official == [1, 3, 10] and goals[2].sdgs_official == [5]
    for n in range(3, 10):
        assert goals[n].sdgs_official == [] and goals[n].sdgs_proposed and goals[n].sdg_note
    assert goals[5].title_sv == "Luleå har ingen påverkan på klimatet"


def test_factor_table_of_spec_6a():
    p = default_policy()
    f = p.factor("flight", "short-haul-economy")
    assert (f.with_rf, f.without_rf, f.wtt, f.unit, f.year) == (0.12576, 0.07435, 0.02249, "pkm", 2025)
    assert p.factor("flight", "long-haul-business").wtt == 0.07136
    assert p.factor("car", "unknown").unit == "vkm" and p.factor("car", "unknown").wtt is None
    assert p.factor("digital", "video-meeting").with_rf == 0.05
    assert (p.digital.range_low, p.digital.range_high) == (0.03, 0.16)
    for factor in p.factors:
        assert factor.source and factor.year


def test_gazetteer_holds_every_place_of_the_reference_table():
    names = {pl.name for pl in default_policy().places}
    assert names >= {"Luleå", "Kemi", "Tromsø", "Murmansk", "Santa Lucía de Tirajana", "Puerto Cabezas", "Zenica",
                     "Oulu", "Bodø", "Haparanda", "Kalix", "Boden", "Skellefteå", "Tornio", "Raahe", "Kalajoki",
                     "Umeå", "Stockholm", "Brussels", "Bologna", "Gdańsk", "Novéant-sur-Moselle"}


# -- airport coordinates checked against a second source ----------------------------------------

KNOWN_WRONG_IN_AIRPORTSDATA = {"BRU"}  # 50.5405, 4.2904 instead of 50.9014, 4.4844 (openflights issue 672)


def test_every_airport_the_gazetteer_names_is_pinned_from_a_second_source():
    p = default_policy()
    pinned = {a.iata for a in p.airport_pins}
    assert {pl.airport for pl in p.places if pl.airport} <= pinned


@pytest.mark.parametrize("pin", default_policy().airport_pins, ids=lambda a: a.iata)
def test_airportsdata_agrees_with_the_pins_except_known_errors(pin):
    row = airportsdata.load("IATA")[pin.iata]
    km = haversine_km(pin.lat, pin.lon, row["lat"], row["lon"], 6371.0088)
    if pin.iata in KNOWN_WRONG_IN_AIRPORTSDATA:
        assert 40 < km < 45
    else:
        assert km < 1.0
