"""Field names as the client wrote them: where a validation error is, and which real field a misspelt one meant.

pydantic puts the member of a union it tried into an error's location (`from.constrained-str`,
`from.Coordinates.lat`); the client wrote `from` or `from.lat`. A key the client sent is kept whatever its shape
(`start-date`, `Title`), so an unknown field is named exactly as sent, at its full path."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

# the shape of pydantic's union member tags: class names, `constrained-str`, `function-after[...]`, builtin names
UNION_MEMBER = re.compile(r"^(?:[A-Z]\w*|\w+(?:-\w+)+|.*[\[\],].*|str|int|float|bool|list|dict|none)$")
ABSENT: Any = object()  # the input is not known: the location is read by the shape of its parts alone
CUTOFF = 0.7  # difflib's ratio: departmnet -> department (0.9), budget -> budget_sek (0.75), colour -> nothing


def client_loc(loc: Sequence[Any], data: Any = ABSENT) -> list[Any]:
    """An error's location without the union member tags pydantic inserts; `data` is the input the location
    points into. A part that is a key or index of the input is the client's; one that is not and looks like a tag
    is a tag; any other (a missing field's name) is kept."""
    out: list[Any] = []
    current = data
    for part in loc:
        if isinstance(current, Mapping) and isinstance(part, str) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and -len(current) <= part < len(current):
            out.append(part)
            current = current[part]
        elif isinstance(part, str) and UNION_MEMBER.match(part):
            continue  # a union member: the input it was tried on is still `current`
        else:
            out.append(part)
            current = ABSENT
    return out


def _normal(name: str) -> str:
    """Compared without regard to case, and `-`, ` ` and `_` alike: Start-Date, start date and start_date."""
    return re.sub(r"[-_ ]", "_", name.strip().casefold())


def suggest(name: str, known: Iterable[str]) -> str | None:
    """The known name that `name` was most likely meant as, or None when none is close."""
    by_normal: dict[str, str] = {}
    for candidate in known:
        by_normal.setdefault(_normal(candidate), candidate)
    wanted = _normal(name)
    if wanted in by_normal:
        return by_normal[wanted]
    close = difflib.get_close_matches(wanted, list(by_normal), n=1, cutoff=CUTOFF)
    return by_normal[close[0]] if close else None


def _members(tp: Any) -> list[Any]:
    """A type without Annotated, Optional and Union: the types a value of it may be."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _members(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return [member for arg in get_args(tp) for member in _members(arg)]
    return [tp]


def _step(tp: Any, part: Any) -> list[Any]:
    """The types of the value at `part` inside a value of type `tp`."""
    out: list[Any] = []
    for member in _members(tp):
        origin = get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            if isinstance(part, str):
                out += [f.annotation for name, f in member.model_fields.items() if part in (name, f.alias)]
        elif origin in (list, tuple, set, frozenset) or (isinstance(origin, type) and issubclass(origin, Sequence)
                                                         and not issubclass(origin, str)):
            if isinstance(part, int) and get_args(member):
                out.append(get_args(member)[0])
        elif origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping)):
            if isinstance(part, str) and len(get_args(member)) == 2:
                out.append(get_args(member)[1])
    return out


def fields_at(model: Any, path: Sequence[Any]) -> list[str]:
    """The field names (as the client writes them: aliases) of the object at `path` inside a `model`; empty when
    the path leads to no model."""
    types_here = [model]
    for part in path:
        types_here = [t for tp in types_here for t in _step(tp, part)]
    names: list[str] = []
    for tp in types_here:
        for member in _members(tp):
            if isinstance(member, type) and issubclass(member, BaseModel):
                names += [f.alias or name for name, f in member.model_fields.items() if (f.alias or name) not in names]
    return names


def unknown_field(model: Any, loc: Sequence[Any], data: Any = ABSENT) -> tuple[str, str | None]:
    """What to say about the unknown field at `loc` (the client's location, its last part the field), and the real
    field it was likely meant as. A field the object already has is not suggested: `{"title": …, "Title": …}` did
    not misspell title."""
    name = str(loc[-1])
    parent: Any = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            parent = ABSENT
            break
    given = set(parent) if isinstance(parent, Mapping) else set()
    suggestion = suggest(name, [f for f in fields_at(model, loc[:-1]) if f not in given]) if model is not None else None
    return unknown_field_message(name, suggestion), suggestion


def unknown_field_message(name: str, suggestion: str | None, what: str = "field") -> str:
    return f"unknown {what} {name!r}" + (f"; did you mean {suggestion!r}?" if suggestion else "")
