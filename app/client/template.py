"""The activity-plan template (SPEC §11): one row per proposal, Swedish headers (English accepted), every field of §7a.

`write_csv` / `write_xlsx` make the template with a filled example row; `read_plan` turns a filled CSV, XLSX or JSON
file into rows, each a proposal body (§7a) with the problems found in its cells (line and column as the officer wrote
them), and `Row.column_for` names the column behind a field path the service reports (`travel.legs[0].to` ->
`Delsträcka 1 till`). Legs and goals are numbered columns: `Delsträcka 1 från` … `Delsträcka 4 …`, `Mål 1` …
`Mål 4`; more are added the same way (up to 50 legs and 9 goals).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEMPLATE_LEGS = 4
TEMPLATE_GOALS = 4
MAX_LEGS = 50
MAX_GOALS = 9


class PlanError(Exception):
    """A file that cannot be read as proposals at all (the message names the file, and the line and column)."""


# -- the columns ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    path: str  # the §7a field; `{i}` is the index of a numbered leg or goal
    sv: str  # `{n}` is its number (from 1)
    en: str
    kind: str  # how a cell becomes a value (see _convert)
    help_sv: str
    help_en: str
    values: str = ""  # the accepted values, for the instructions sheet
    example: str = ""


def _base() -> list[Column]:
    c = Column
    return [
        c("kind", "Typ", "Kind", "kind", "Resa, projekt eller aktivitet", "Trip, project or activity",
          "resa | projekt | aktivitet (trip | project | activity)", "resa"),
        c("title", "Titel", "Title", "text", "Kort namn på förslaget", "A short name", "", "Arctic Mayors' Forum, årsmöte"),
        c("description", "Beskrivning", "Description", "text", "Vad och varför", "What and why", "",
          "Luleå presenterar sitt arbete med arktiska testbäddar."),
        c("department", "Förvaltning", "Department", "text", "Förvaltning eller bolag (kortnamn)",
          "The department or company (slug)", "t.ex. kommunstaben", "kommunstaben"),
        c("external_ref", "Extern referens", "External reference", "text",
          "Er egen referens (diarienummer); gör omkörningar säkra även efter ett dygn",
          "Your own reference; makes a re-run safe after a day too", "", "RESA-2027-0042"),
        c("start_date", "Startdatum", "Start date", "date", "ÅÅÅÅ-MM-DD", "YYYY-MM-DD", "", "2027-03-10"),
        c("end_date", "Slutdatum", "End date", "date", "ÅÅÅÅ-MM-DD", "YYYY-MM-DD", "", "2027-03-12"),
        c("focus_area", "Fokusområde", "Focus area", "focus", "Tas från partnerna om den lämnas tom",
          "Taken from the partners when left empty",
          "regionalt/arktiskt | EU | vänort | övrigt (regional_arctic | eu | twin_town | other)", "regionalt/arktiskt"),
        c("partners", "Partner", "Partners", "list", "Partner eller nätverk; flera skiljs med semikolon",
          "Partners or networks, separated by semicolons", "", "Arctic Mayors' Forum"),
        c("value_added.development.answer", "Utveckling", "Development", "answer",
          "Mervärde 1: bidrar det till utveckling av Luleå?", "Added value 1: does it develop Luleå?",
          "ja | delvis | nej (yes | partly | no)", "ja"),
        c("value_added.development.motivation", "Utveckling motivering", "Development motivation", "text",
          "Motivering", "Motivation", "", "Vi lär oss av andra arktiska städers testbäddar."),
        c("value_added.environmental_scanning.answer", "Omvärldsbevakning", "Environmental scanning", "answer",
          "Mervärde 2: ger det omvärldsbevakning?", "Added value 2: environmental scanning?",
          "ja | delvis | nej (yes | partly | no)", "delvis"),
        c("value_added.environmental_scanning.motivation", "Omvärldsbevakning motivering",
          "Environmental scanning motivation", "text", "Motivering", "Motivation", "", "Nordiska kommuners klimatarbete."),
        c("value_added.influence.answer", "Påverkan", "Influence", "answer",
          "Mervärde 3: ger det möjlighet att påverka?", "Added value 3: influence?",
          "ja | delvis | nej (yes | partly | no)", "ja"),
        c("value_added.influence.motivation", "Påverkan motivering", "Influence motivation", "text", "Motivering",
          "Motivation", "", "Luleå leder arbetsgruppen om transporter."),
        c("gender_equality", "Jämställdhet", "Gender equality", "text",
          "Hur jämställdhet och jämlikhet har beaktats", "How gender equality and equal rights were considered", "",
          "Delegationen är jämnt könsfördelad."),
        c("eu_funding.programme", "EU-program", "EU programme", "text", "EU-programmet som finansierar",
          "The EU programme funding it", "", "Interreg Aurora"),
        c("eu_funding.share", "EU-andel", "EU share", "share", "Andel EU-finansiering: 0,65 eller 65 %",
          "The EU-funded share: 0.65 or 65 %", "0–1, eller procent med %", "65 %"),
        c("budget_sek", "Budget (kr)", "Budget (SEK)", "number", "Budget i kronor", "Budget in kronor", "",
          "24000"),
        c("travel.travellers", "Resenärer", "Travellers", "whole", "Antal resenärer", "Number of travellers",
          "1–500", "2"),
        c("travel.presence.required", "Närvaro krävs", "Presence required", "tristate",
          "Krävs fysisk närvaro?", "Is physical presence required?", "ja | nej | vet ej (yes | no | unknown)", "ja"),
        c("travel.presence.reason", "Skäl för närvaro", "Presence reason", "reason", "Varför närvaro krävs",
          "Why presence is required",
          "undertecknande | platsbesök | mässa | värdskap | utbyte | förhandling | nätverksmöte | annat "
          "(signing | site_visit | trade_fair | hosting | exchange | negotiation | network_meeting | other)",
          "undertecknande"),
        c("travel.presence.motivation", "Motivering för närvaro", "Presence motivation", "text",
          "Krävs för skälet annat", "Needed for the reason other", "", "Samarbetsavtalet undertecknas på plats."),
        c("travel.digital_alternative", "Digitalt alternativ", "Digital alternative", "tristate",
          "Kan mötet hållas digitalt?", "Could the meeting be held digitally?", "ja | nej | vet ej (yes | no | unknown)",
          "nej"),
        c("travel.meeting_hours", "Mötestimmar", "Meeting hours", "number", "Mötets längd i timmar",
          "Length of the meeting, hours", "", "6"),
    ]


GOAL_COLUMNS = [
    Column("goals[{i}].goal", "Mål {n}", "Goal {n}", "whole", "Kommunövergripande mål som bidras till (1–9)",
           "An overarching goal it contributes to (1–9)", "1–9"),
    Column("goals[{i}].motivation", "Mål {n} motivering", "Goal {n} motivation", "text", "Hur det bidrar till målet",
           "How it contributes to the goal"),
]
LEG_COLUMNS = [
    Column("travel.legs[{i}].from", "Delsträcka {n} från", "Leg {n} from", "place",
           "Ort, IATA-kod eller koordinater (65.58, 22.15)", "Place, IATA code or coordinates (65.58, 22.15)"),
    Column("travel.legs[{i}].to", "Delsträcka {n} till", "Leg {n} to", "place", "Ort, IATA-kod eller koordinater",
           "Place, IATA code or coordinates"),
    Column("travel.legs[{i}].mode", "Delsträcka {n} färdsätt", "Leg {n} mode", "mode", "Färdsätt", "Mode",
           "flyg | tåg | buss | bil | taxi | färja (flight | train | bus | car | taxi | ferry)"),
    Column("travel.legs[{i}].round_trip", "Delsträcka {n} tur och retur", "Leg {n} round trip", "bool",
           "Tur och retur?", "Return journey?", "ja | nej (yes | no)"),
    Column("travel.legs[{i}].cabin", "Delsträcka {n} klass", "Leg {n} cabin", "cabin", "Flygets klass",
           "Cabin class of a flight", "ekonomi | business"),
    Column("travel.legs[{i}].car.fuel", "Delsträcka {n} bränsle", "Leg {n} fuel", "fuel", "Bil och taxi: bränsle",
           "Car and taxi: fuel", "bensin | diesel | hybrid | el | okänt (petrol | diesel | hybrid | electric | unknown)"),
    Column("travel.legs[{i}].car.occupants", "Delsträcka {n} personer i bilen", "Leg {n} occupants", "whole",
           "Bil och taxi: personer i bilen", "Car and taxi: people in the car", "1–9"),
]
LEG_EXAMPLE = {"from": "Luleå", "to": "Tromsø", "mode": "flyg", "round_trip": "ja", "cabin": "ekonomi"}
GOAL_EXAMPLE = [("5", "Stärker Luleås roll i det arktiska samarbetet."), ("8", "Delar kunskap om klimatomställning.")]
BASE = _base()

_VOCABULARY = {
    "kind": {"trip": ["resa"], "project": ["projekt"], "activity": ["aktivitet"]},
    "answer": {"yes": ["ja", "j", "y"], "partly": ["delvis", "del"], "no": ["nej", "n"]},
    "mode": {"flight": ["flyg", "flygresa", "fly", "plane", "air"], "train": ["tåg", "rail"], "bus": ["buss", "coach"],
             "car": ["bil"], "taxi": [], "ferry": ["färja", "båt", "boat"]},
    "cabin": {"economy": ["ekonomi", "ekonomiklass", "economy class"],
              "business": ["affärsklass", "businessklass", "business class"]},
    "fuel": {"petrol": ["bensin", "gasoline"], "diesel": [], "hybrid": [], "electric": ["el", "elbil", "ev"],
             "unknown": ["okänt", "okänd", "vet ej"]},
    "focus": {"regional_arctic": ["regionalt/arktiskt", "regionalt/arktiskt samarbete", "regionalt", "arktiskt",
                                  "regional/arctic", "regional/arctic cooperation", "regional arctic"],
              "eu": ["inom den europeiska unionen", "europeiska unionen", "within the european union"],
              "twin_town": ["vänort", "vänorter", "twin town", "twin towns"],
              "other": ["övrigt", "andra delar av världen", "other parts of the world", "annat"]},
    "reason": {"signing": ["undertecknande", "undertecknande av avtal", "signing an agreement"],
               "site_visit": ["platsbesök", "site visit"], "trade_fair": ["mässa", "trade fair"],
               "hosting": ["värdskap", "värd"], "exchange": ["utbyte"], "negotiation": ["förhandling"],
               "network_meeting": ["nätverksmöte", "network meeting"], "other": ["annat", "annat skäl", "another reason"]},
}
_OPEN = {"focus", "reason"}  # focus areas and presence reasons come from the policy; others are fixed by §7a
_TRUE = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
_FALSE = {"nej", "n", "no", "false", "falskt", "0"}
_UNKNOWN = {"vet ej", "vet inte", "okänt", "unknown", "?", "null", "-"}


def _norm(text: str) -> str:
    """Headers and words compared without case, accents kept (å ≠ a), punctuation and spacing loose."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u00a0", " ")
    text = re.sub(r"[\s_\-.:()\[\]*]+", " ", text)
    return text.strip()


def _lookup(kind: str) -> dict[str, str]:
    table = {}
    for value, words in _VOCABULARY[kind].items():
        for word in [value, value.replace("_", " "), *words]:
            table[_norm(word)] = value
    return table


_LOOKUPS = {kind: _lookup(kind) for kind in _VOCABULARY}


# -- headers ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    column: Column
    number: int | None  # of a leg or a goal

    @property
    def path(self) -> str:
        return self.column.path.format(i=(self.number or 1) - 1)

    def title(self, lang: str) -> str:
        text = self.column.sv if lang == "sv" else self.column.en
        return text.format(n=self.number)


def _header_table() -> tuple[dict[str, Column], list[tuple[re.Pattern[str], Column]]]:
    fixed: dict[str, Column] = {}
    for col in BASE:
        for name in (col.sv, col.en, col.path, col.path.replace("value_added.", "")):
            fixed[_norm(name)] = col
    numbered = []
    for col in GOAL_COLUMNS + LEG_COLUMNS:
        for name in (col.sv, col.en):
            pattern = re.escape(_norm(name.replace("{n}", "\x00"))).replace("\x00", r"(\d+)")
            numbered.append((re.compile(f"^{pattern}$"), col))
    return fixed, numbered


_FIXED, _NUMBERED = _header_table()


def template_headers(lang: str = "sv", legs: int = TEMPLATE_LEGS, goals: int = TEMPLATE_GOALS) -> list[Heading]:
    headings = [Heading(c, None) for c in BASE]
    headings += [Heading(c, n) for n in range(1, goals + 1) for c in GOAL_COLUMNS]
    headings += [Heading(c, n) for n in range(1, legs + 1) for c in LEG_COLUMNS]
    return headings


def parse_header(names: list[Any], where: str) -> tuple[list[Heading | None], str]:
    """The columns a header row names (None for an empty name over an empty column) and its language."""
    headings: list[Heading | None] = []
    seen: dict[str, str] = {}
    sv = en = 0
    problems = []
    for index, raw in enumerate(names):
        name = "" if raw is None else str(raw).strip()
        if not name:
            headings.append(None)
            continue
        key = _norm(name)
        heading = None
        if key in _FIXED:
            heading = Heading(_FIXED[key], None)
        else:
            for pattern, col in _NUMBERED:
                match = pattern.match(key)
                if match:
                    number = int(match.group(1))
                    limit = MAX_GOALS if col in GOAL_COLUMNS else MAX_LEGS
                    if not 1 <= number <= limit:
                        problems.append(f"column {_letter(index)} ({name!r}): numbered 1 to {limit}")
                    heading = Heading(col, number)
                    break
        if heading is None:
            close = difflib.get_close_matches(key, [_norm(c.sv) for c in BASE] + [_norm(c.en) for c in BASE], n=1)
            hint = ""
            if close:
                col = _FIXED[close[0]]
                hint = f"; did you mean {col.sv!r}" + (f" ({col.en!r})" if _norm(col.en) == close[0] else "") + "?"
            problems.append(f"column {_letter(index)}: unknown column {name!r}{hint}")
            headings.append(None)
            continue
        if heading.path in seen:
            problems.append(f"column {_letter(index)} ({name!r}) repeats column {seen[heading.path]}")
        seen[heading.path] = f"{_letter(index)} ({name!r})"
        if key == _norm(heading.title("sv")):
            sv += 1
        elif key == _norm(heading.title("en")):
            en += 1
        headings.append(heading)
    if problems:
        raise PlanError(f"{where}, line 1 (the header): " + "; ".join(problems))
    if not any(headings):
        raise PlanError(f"{where}, line 1: no known column; the first row holds the headers (vagval template)")
    return headings, "en" if en > sv else "sv"


def _letter(index: int) -> str:
    """A spreadsheet's column letter: 0 -> A, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# -- rows ------------------------------------------------------------------------------------------------------------


@dataclass
class Problem:
    column: str  # as the officer wrote it; "" for the row as a whole
    message: str
    field: str = ""  # the §7a field path

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "field": self.field, "message": self.message}


@dataclass
class Row:
    """One proposal of a plan: its body, where it came from, and what was wrong in its cells."""

    file: str
    line: int
    body: Any
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field path -> the header as written
    numbers: dict[str, dict[int, int]] = field(default_factory=dict)  # "legs"/"goals": index -> number in the header
    lang: str = "sv"
    tabular: bool = True  # False: a JSON file, whose field paths are what the officer wrote
    example: bool = False  # the template's own example row, left in

    def column_for(self, path: str) -> str:
        """The column (as written) behind a field path the service reported, or the template's name for it."""
        if not self.tabular:
            return path
        if path in ("", "(body)"):
            return ""
        path = {"travel": "travel.legs[0].from", "travel.legs": "travel.legs[0].from",
                "value_added": "value_added.development.answer", "goals": "goals[0].goal",
                "eu_funding": "eu_funding.programme"}.get(path, path)
        if path in self.columns:
            return self.columns[path]
        if _is_leaf(path):  # a column the file lacks: the template's name for it
            return self._template_name(path)
        probe = path
        while probe:
            if probe in self.columns:
                return self.columns[probe]
            for known, header in self.columns.items():
                if known.startswith(probe + ".") or known.startswith(probe + "["):
                    return header
            parent = _LAST_STEP.sub("", probe)  # travel.legs[0].car -> travel.legs[0] -> travel.legs -> travel
            probe = parent if parent != probe else ""
        return self._template_name(path)

    def _template_name(self, path: str) -> str:
        match = re.match(r"^(travel\.legs|goals)\[(\d+)\](.*)$", path)
        if match:
            group, index, rest = match.group(1), int(match.group(2)), match.group(3) or ""
            kind = "legs" if group == "travel.legs" else "goals"
            number = self.numbers.get(kind, {}).get(index, index + 1)
            columns = LEG_COLUMNS if kind == "legs" else GOAL_COLUMNS
            wanted = f"{group}[{{i}}]{rest}"
            col = next((c for c in columns if c.path == wanted or c.path.startswith(wanted + ".")), columns[0])
            return Heading(col, number).title(self.lang)
        col = next((c for c in BASE if c.path == path or c.path.startswith(path + ".")), None)
        return Heading(col, None).title(self.lang) if col else path

    @property
    def title(self) -> str:
        return str(self.body.get("title") or "") if isinstance(self.body, dict) else ""


def _is_leaf(path: str) -> bool:
    generic = re.sub(r"\[\d+\]", "[{i}]", path)
    return any(c.path == generic for c in BASE + GOAL_COLUMNS + LEG_COLUMNS)


_LAST_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted field path (`travel.presence.reason`) in a nested body."""
    *parents, last = path.split(".")
    node = target
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


_NUMBER = re.compile(r"^[+-]?(\d{1,3}([ \u00a0\u202f]\d{3})+|\d+)([.,]\d+)?$")


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError("a number is required")
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else value
    text = str(value).strip()
    if not _NUMBER.match(text):
        raise ValueError(f"{text!r} is not a number (write 24000, 24 000 or 0,65)")
    number = float(re.sub(r"[ \u00a0\u202f]", "", text).replace(",", "."))
    return int(number) if number.is_integer() else number


_COORDINATES = re.compile(
    r"^(?:(?P<name>[^()]*?)\s*\()?\s*(?P<lat>[+-]?\d+(?:\.\d+)?)\s*[,; ]\s*(?P<lon>[+-]?\d+(?:\.\d+)?)"
    r"(?:\s*[,;]\s*(?P<country>[A-Za-z]{2}))?\s*\)?$")


def _convert(kind: str, value: Any) -> Any:
    """A cell's value as the §7a field wants it; ValueError with a message for the officer."""
    if kind == "text":
        return _text(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = _text(value)
        match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$", text)
        if not match:
            raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD (2027-03-10)")
        try:
            dt.date.fromisoformat(match.group(1))
        except ValueError:
            raise ValueError(f"{text!r} is not a date of the calendar") from None
        return match.group(1)
    if kind == "number":
        return _number(value)
    if kind == "whole":
        number = _number(value)
        if not isinstance(number, int):
            raise ValueError(f"{_text(value)!r}: a whole number is required")
        return number
    if kind == "share":
        text = _text(value)
        percent = text.endswith("%")
        number = _number(text.rstrip("%").strip()) if isinstance(value, str) else _number(value)
        if percent:
            return number / 100
        if number > 1:
            raise ValueError(f"{text!r}: a share is from 0 to 1 (0,65), or a percentage with % (65 %)")
        return number
    if kind in ("bool", "tristate"):
        if isinstance(value, bool):
            return value
        word = _norm(_text(value))
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        if kind == "tristate" and word in _UNKNOWN:
            return None
        raise ValueError(f"{_text(value)!r}: write ja or nej" + (" (or vet ej)" if kind == "tristate" else ""))
    if kind == "list":
        return [p.strip() for p in re.split(r"[;\n]", _text(value)) if p.strip()]
    if kind == "place":
        text = _text(value)
        match = _COORDINATES.match(text)
        if match:
            place: dict[str, Any] = {"lat": float(match.group("lat")), "lon": float(match.group("lon"))}
            if match.group("name"):
                place["name"] = match.group("name").strip()
            if match.group("country"):
                place["country"] = match.group("country").upper()
            return place
        return text
    lookup = _LOOKUPS[kind]
    word = _norm(_text(value))
    if word in lookup:
        return lookup[word]
    if kind in _OPEN:  # the policy's list, which the service knows: an unknown word goes as written
        return _text(value)
    values = _VOCABULARY[kind]
    swedish = ", ".join(words[0] if words else value for value, words in values.items())
    raise ValueError(f"{_text(value)!r} is not one of {swedish} ({', '.join(values)})")


def build_row(file: str, line: int, headings: list[Heading | None], cells: list[Any], lang: str,
              names: list[Any] | None = None) -> Row | None:
    """A row of the plan as a proposal body; None for an empty row. `names`: the headers as the file writes them
    (problems name the column so), else the template's names."""
    row = Row(file=file, line=line, body={}, lang=lang)
    legs: dict[int, dict[str, Any]] = {}
    goals: dict[int, dict[str, Any]] = {}
    given = False
    for index, value in enumerate(cells):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        heading = headings[index] if index < len(headings) else None
        if heading is None:
            row.problems.append(Problem(_letter(index), "a value in a column without a header"))
            given = True
            continue
        given = True
        written = str(names[index]).strip() if names and index < len(names) and names[index] else heading.title(lang)
        try:
            converted = _convert(heading.column.kind, value)
        except ValueError as exc:
            row.problems.append(Problem(written, str(exc), heading.path))
            continue
        col = heading.column
        if col in LEG_COLUMNS:
            name = col.path.removeprefix("travel.legs[{i}].")
            target = legs.setdefault(heading.number, {})
            if name.startswith("car."):
                target.setdefault("car", {})[name.removeprefix("car.")] = converted
            else:
                target[name] = converted
            row.columns[f"legs#{heading.number}.{name}"] = written
        elif col in GOAL_COLUMNS:
            name = col.path.removeprefix("goals[{i}].")
            goals.setdefault(heading.number, {})[name] = converted
            row.columns[f"goals#{heading.number}.{name}"] = written
        else:
            _set(row.body, col.path, converted)
            row.columns[col.path] = written
    if not given:
        return None
    if goals:
        _numbered(row, "goals", "goals", goals)
        row.body["goals"] = [goals[n] for n in sorted(goals)]
        for index, number in enumerate(sorted(goals)):
            if "goal" not in goals[number]:
                number_column = Heading(GOAL_COLUMNS[0], number)
                row.problems.append(Problem(number_column.title(lang), "the goal's number (1–9) is missing beside "
                                            "its motivation", number_column.column.path.format(i=index)))
    if legs:
        _numbered(row, "legs", "travel.legs", legs)
        row.body.setdefault("travel", {})["legs"] = [legs[n] for n in sorted(legs)]
    return row


def _numbered(row: Row, kind: str, prefix: str, items: dict[int, dict[str, Any]]) -> None:
    """Numbered columns -> list indexes: `Delsträcka 3` left after an empty 2 becomes legs[1], and says so."""
    row.numbers[kind] = {index: number for index, number in enumerate(sorted(items))}
    for key in [k for k in row.columns if k.startswith(f"{kind}#")]:
        number, name = key.removeprefix(f"{kind}#").split(".", 1)
        index = sorted(items).index(int(number))
        row.columns[f"{prefix}[{index}].{name}"] = row.columns.pop(key)


# -- reading files ---------------------------------------------------------------------------------------------------


def read_plan(path: Path) -> list[Row]:
    """A CSV or XLSX activity plan, or JSON (one proposal, a list, or {"proposals": [...]}), as rows."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"{where}: cannot read the file: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or raw[:4] == b"PK\x03\x04":
        return _read_xlsx(raw, where)
    if suffix == ".json" or raw.lstrip()[:1] in (b"{", b"["):
        return _read_json(raw, where)
    return _read_csv(raw, where)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # Excel's "CSV (semikolonavgränsad)" on a Swedish Windows
    except UnicodeDecodeError as exc:
        raise PlanError(f"{where}: neither UTF-8 nor Windows-1252 text (byte {exc.start}); save it as CSV UTF-8") from None


def _read_csv(raw: bytes, where: str) -> list[Row]:
    text = _decode(raw, where)
    if not text.strip():
        raise PlanError(f"{where}: the file is empty; start from vagval template")
    first = text.splitlines()[0]
    delimiter = max(";,\t", key=first.count) if any(d in first for d in ";,\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    try:
        header = next(reader)
        headings, lang = parse_header(header, where)
        start = reader.line_num + 1
        for cells in reader:
            row = build_row(where, start, headings, cells, lang, header)
            if row is not None:
                rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PlanError(f"{where}, line {reader.line_num}: {exc}") from None
    return _mark_examples(rows, where)


def _read_xlsx(raw: bytes, where: str) -> list[Row]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PlanError(f"{where}: not a readable XLSX workbook ({exc})") from None
    sheet = book["Aktivitetsplan"] if "Aktivitetsplan" in book.sheetnames else book.worksheets[0]
    where = f"{where} (sheet {sheet.title})"
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    if header is None:
        raise PlanError(f"{where}: the sheet is empty; start from vagval template")
    headings, lang = parse_header(list(header), where)
    rows = []
    for number, cells in enumerate(lines, start=2):
        row = build_row(where, number, headings, list(cells), lang, list(header))
        if row is not None:
            rows.append(row)
    book.close()
    return _mark_examples(rows, where)


def _read_json(raw: bytes, where: str) -> list[Row]:
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise PlanError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PlanError(f"{where}, line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict) and set(data) == {"proposals"} and isinstance(data["proposals"], list):
        data, text = data["proposals"], _inner_list(text)
    if isinstance(data, dict):
        return [Row(file=where, line=1 + text[: len(text) - len(text.lstrip())].count("\n"), body=data,
                    tabular=False)]
    if not isinstance(data, list) or not data:
        raise PlanError(f"{where}: a proposal is a JSON object; a plan is a non-empty list of them")
    return [Row(file=where, line=line, body=item, tabular=False) for line, item in zip(_item_lines(text), data)]


def _inner_list(text: str) -> str:
    """The text from the list of {"proposals": [...]} on, with the lines before it kept as blank lines."""
    start = text.index("[", text.index('"proposals"'))
    return "\n" * text[:start].count("\n") + " " * (start - text[:start].rfind("\n") - 1) + text[start:]


def _item_lines(text: str) -> Iterator[int]:
    """The line on which each item of a top-level JSON list starts."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return
        yield text.count("\n", 0, index) + 1
        _, index = decoder.raw_decode(text, index)


def _mark_examples(rows: list[Row], where: str) -> list[Row]:
    if not rows:
        raise PlanError(f"{where}: no proposals below the header (one row per proposal)")
    example = json.dumps(example_body(), sort_keys=True)
    for row in rows:
        row.example = not row.problems and json.dumps(row.body, sort_keys=True) == example
    return rows


# -- writing the template --------------------------------------------------------------------------------------------


def example_cells(headings: list[Heading]) -> list[str]:
    out = []
    for h in headings:
        if h.number is None:
            out.append(h.column.example)
        elif h.column in GOAL_COLUMNS:
            pair = GOAL_EXAMPLE[h.number - 1] if h.number <= len(GOAL_EXAMPLE) else ("", "")
            out.append(pair[0] if h.column.path.endswith(".goal") else pair[1])
        else:
            name = h.column.path.removeprefix("travel.legs[{i}].")
            out.append(LEG_EXAMPLE.get(name, "") if h.number == 1 else "")
    return out


def example_body() -> dict[str, Any]:
    headings = template_headers()
    row = build_row("", 2, headings, example_cells(headings), "sv")
    assert row is not None and not row.problems
    return row.body


def _typed(heading: Heading, cell: str) -> Any:
    """An example cell as a spreadsheet holds it: numbers as numbers, dates as dates."""
    if cell and heading.column.kind in ("number", "whole"):
        return _convert(heading.column.kind, cell)
    if cell and heading.column.kind == "date":
        return dt.date.fromisoformat(cell)
    return cell


def write_csv(out: Path, lang: str = "sv") -> None:
    """The template as CSV: semicolons and UTF-8 with a byte-order mark, as Excel in Swedish opens it."""
    headings = template_headers()
    with out.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow([h.title(lang) for h in headings])
        writer.writerow(example_cells(headings))


def write_xlsx(out: Path, lang: str = "sv") -> None:
    """The template as XLSX: the plan sheet (header, example row, drop-down lists) and a sheet of instructions."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    headings = template_headers()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Aktivitetsplan"
    sheet.append([h.title(lang) for h in headings])
    sheet.append([_typed(h, cell) for h, cell in zip(headings, example_cells(headings))])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    lists = {"kind": "resa,projekt,aktivitet", "answer": "ja,delvis,nej", "tristate": "ja,nej,vet ej",
             "bool": "ja,nej", "mode": "flyg,tåg,buss,bil,taxi,färja", "cabin": "ekonomi,business",
             "fuel": "bensin,diesel,hybrid,el,okänt",
             "focus": "regionalt/arktiskt,EU,vänort,övrigt",
             "reason": "undertecknande,platsbesök,mässa,värdskap,utbyte,förhandling,nätverksmöte,annat"}
    for index, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(heading.title(lang)) + 4))
        if heading.column.kind in lists:  # a drop-down that suggests, and still accepts English or other words
            validation = DataValidation(type="list", formula1=f'"{lists[heading.column.kind]}"', allow_blank=True,
                                        showErrorMessage=False)
            validation.add(f"{letter}2:{letter}1000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"
    help_sheet = book.create_sheet("Anvisningar")
    help_sheet.append(["Kolumn", "Column", "Fält (§7a)", "Värden / values", "Beskrivning", "Description"])
    for cell in help_sheet[1]:
        cell.font, cell.fill = bold, fill
    for heading in template_headers(legs=1, goals=1):
        col = heading.column
        help_sheet.append([heading.title("sv").replace(" 1", " N"), heading.title("en").replace(" 1", " N"),
                           col.path.replace("{i}", "N-1"), col.values, col.help_sv, col.help_en])
    help_sheet.append([])
    help_sheet.append(["En rad per förslag. Rad 2 är ett exempel: skriv över eller ta bort den (en kvarlämnad "
                       "exempelrad skickas inte). Fler delsträckor och mål: lägg till kolumner med nästa nummer "
                       "(Delsträcka 5 från …, Mål 5 …)."])
    help_sheet.append(["One row per proposal. Row 2 is an example: overwrite or delete it (an example row left in is "
                       "not sent). More legs or goals: add columns with the next number (Leg 5 from …, Goal 5 …)."])
    for letter, width in zip("ABCDEF", (30, 30, 34, 50, 50, 50)):
        help_sheet.column_dimensions[letter].width = width
    book.save(out)
