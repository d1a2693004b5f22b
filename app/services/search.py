"""The list's text filter: titles and references folded as place names are (SPEC §6: case- and accent-insensitive),
so `q=uleaborg` finds "Uleåborg" and `q=LULEA` finds "Luleå"; letters of every script are kept (Мурманск)."""

from __future__ import annotations

import re

from app.screening.places import strip_accents

_NOT_WORD = re.compile(r"[\W_]+")
# cannot occur in folded text (words and single spaces): no match spans the title and the reference
SEPARATOR = " | "


def fold(text: str) -> str:
    """Lower case, no accents (ø, æ, ß as place names fold them), words joined by single spaces."""
    return _NOT_WORD.sub(" ", strip_accents(text).replace("'", "").replace("\u2019", "")).strip()


def search_text(title: str, external_ref: str | None) -> str:
    return fold(title) + SEPARATOR + fold(external_ref or "")


def folded_query(q: str) -> str:
    """The query folded the same way; empty when it holds no letter or digit. Only word characters and spaces
    remain, so nothing in it is a LIKE wildcard."""
    return fold(q)
