"""Output conventions of SPEC §11: a readable table on a terminal, plain tab-separated text when piped (no colour, no
truncation), exactly one JSON document with `--json`; messages and progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any


def terminal() -> bool:
    return sys.stdout.isatty()


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2 if terminal() else None) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)  # every digit kept
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return " ".join(str(value).replace("\t", " ").splitlines())


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None,
          numeric: Sequence[int] = ()) -> None:
    """Rows under headers: a Rich table on a terminal, tab-separated lines (header first) when piped."""
    if not terminal():
        out = sys.stdout
        out.write("\t".join(headers) + "\n")
        for row in rows:
            out.write("\t".join(_cell(v) for v in row) + "\n")
        out.flush()
        return
    from rich.console import Console
    from rich.table import Table

    view = Table(title=title, title_justify="left", header_style="bold", expand=False)
    for index, header in enumerate(headers):
        view.add_column(header, justify="right" if index in numeric else "left", overflow="fold")
    for row in rows:
        view.add_row(*[_cell(v) for v in row])
    Console().print(view)


def lines(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(f"vagval: {text}\n")
