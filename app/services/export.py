"""Tables as files people open in a spreadsheet: CSV (RFC 4180, UTF-8) and XLSX (openpyxl, written row by row so a
long export streams from a temporary file in bounded memory). A cell a spreadsheet would run as a formula is
neutralised with a leading apostrophe in both."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# What a spreadsheet may skip before it reads a formula: spaces, zero-width and other invisible characters.
_INVISIBLE_LEAD = re.compile(r"^[\s\u00a0\u180e\u200b-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]+")
_FULL_WIDTH_FORMULA = ("\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe62", "\ufe63", "\ufe66", "\u2212")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: text that starts like a formula — also behind leading spaces or invisible
    characters, and with the full-width or small forms of = + - @ — gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a number (-3.5) is a value, not a formula
    text = "" if value is None else str(value)
    lead = _INVISIBLE_LEAD.sub("", text)
    if text.startswith(_FORMULA_START) or lead.startswith(_FORMULA_START + _FULL_WIDTH_FORMULA):
        return "'" + text
    return text


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """Nested measures as dotted columns (by_status.approved), lists joined by ';'."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, dict):
            out.update({f"{name}.{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            out[name] = ";".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def csv_lines(header: list[str], rows: Iterable[list[Any]], chunk: int = 500) -> Iterator[str]:
    """A header line, then the rows as CSV in chunks of `chunk` rows (for a streamed answer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow([csv_cell(v) for v in row])
        if i % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """Rows as CSV with a header line; the columns are every key seen, in order, unless given."""
    flat_rows = [flat(r) for r in rows]
    columns = columns or list(dict.fromkeys(c for r in flat_rows for c in r))
    return "".join(csv_lines(columns, ([r.get(c) for c in columns] for r in flat_rows)))


def xlsx_value(value: Any) -> Any:
    """Numbers stay numbers; text that would be a formula is neutralised; lists are joined."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return csv_cell(value)


def xlsx_stream(sheets: Iterable[tuple[str, list[str], Iterable[list[Any]]]], chunk: int = 1 << 16) -> Iterator[bytes]:
    """A workbook of (title, header, rows) sheets, written in openpyxl's write-only mode (rows go to disk as they
    come), then sent from its temporary file in chunks."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([_bold(WriteOnlyCell(sheet, value=h), bold) for h in header])
        for row in rows:
            sheet.append([xlsx_value(v) for v in row])
    with tempfile.TemporaryFile() as file:
        book.save(file)
        file.seek(0)
        while data := file.read(chunk):
            yield data


def _bold(cell: WriteOnlyCell, font: Font) -> WriteOnlyCell:
    cell.font = font
    return cell
