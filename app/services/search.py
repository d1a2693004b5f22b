"""The list's text filter: titles and references folded as place names are (SPEC §6: case- and accent-insensitive),
so `q=uleaborg` finds "Uleåborg" and `q=LULEA` finds "Luleå"."""

from __future__ import annotations

from app.screening.places import normalise

# normalise() leaves only a-z, 0-9 and single spaces: this cannot occur in a folded query, so no match spans the two
SEPARATOR = " | "


def search_text(title: str, external_ref: str | None) -> str:
    return normalise(title) + SEPARATOR + normalise(external_ref or "")


def folded_query(q: str) -> str:
    """The query folded the same way; empty when nothing in it is a letter or digit."""
    return normalise(q)
