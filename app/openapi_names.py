"""Names a generated client takes from the OpenAPI document: an enum value that is not ASCII (`förvaltning`) gets an
ASCII constant name (`FORVALTNING`) in `x-enum-varnames`, which openapi-python-client and openapi-generator read, so
the generated code spells its constants in plain ASCII. The values themselves are unchanged."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")


def ascii_name(value: str) -> str:
    """An ASCII constant name for an enum value: accents dropped, other characters to underscores, upper case
    (förvaltning -> FORVALTNING, bolag -> BOLAG, "2-ways" -> VALUE_2_WAYS)."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    name = _NOT_NAME.sub("_", folded).strip("_").upper()
    return name if name and name[0].isalpha() else f"VALUE_{name}"


def name_enum_values(node: Any) -> None:
    """Every string enum in the document with a value that is not ASCII gets x-enum-varnames (in place)."""
    if isinstance(node, dict):
        values = node.get("enum")
        if (isinstance(values, list) and values and all(isinstance(v, str) for v in values)
                and not all(v.isascii() for v in values) and "x-enum-varnames" not in node):
            names = [ascii_name(v) for v in values]
            if len(set(names)) == len(names):  # two values that fold alike keep the generator's own names
                node["x-enum-varnames"] = names
        for value in node.values():
            name_enum_values(value)
    elif isinstance(node, list):
        for value in node:
            name_enum_values(value)
