"""Accessible SVG bar charts of the aggregates (SPEC §8, WCAG 2.1 AA): a pure function of the rows, standard library
only. The chart is named by its <title> and <desc>, every value is written beside its bar (colour is never the only
cue, WCAG 1.4.1) and the bars contrast at least 3:1 with the white background (WCAG 1.4.11). Only presentation
attributes are used, no <style> and no style attribute, so the SVG can be inlined under a strict CSP."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any
from xml.sax.saxutils import escape, quoteattr

BAR = "#1f5c99"  # 6.9:1 against white
TEXT = "#1b1b1b"  # 17:1
AXIS = "#595959"  # 7:1
BACKGROUND = "#ffffff"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

WIDTH = 720
TOP = 44  # the visible title above the bars
ROW = 30
BAR_HEIGHT = 20
BOTTOM = 12
VALUE_SPACE = 150  # right of the longest bar, for its value and unit
CHAR = 7.8  # an average character at 14 px, to size the label column
LABEL_MAX = 280

NBSP = "\u00a0"
MINUS = "\u2212"

_TEXTS = {
    "sv": {
        "empty": "Det finns inget att visa för det valda urvalet.",
        "summary": "Störst är {label} med {value}; totalt {total} fördelat på {count}.",
        "overlapping": "Störst är {label} med {value} av {count}; ett förslag kan räknas på flera rader.",
        "zero": "Alla {count} har värdet 0.",
        "rows": ("rad", "rader"),
    },
    "en": {
        "empty": "There is nothing to show for the selected filters.",
        "summary": "The largest is {label} with {value}; the total is {total} over {count}.",
        "overlapping": "The largest is {label} with {value} of {count}; a proposal can count in several rows.",
        "zero": "All {count} are 0.",
        "rows": ("row", "rows"),
    },
}


def format_number(value: float | None, lang: str, decimals: int = 0) -> str:
    """A number as the language writes it: sv 12 345,6 (no-break space, decimal comma), en 12,345.6; None is a dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and text.strip("0.,") != ""
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
        return (MINUS + text) if negative else text
    return ("-" + text) if negative else text


def _number(value: Any) -> float:
    """A row's measure as one number: a mapping (passenger-km by mode) is summed, a missing value is 0."""
    if isinstance(value, dict):
        return float(sum(_number(v) for v in value.values()))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


def _label(row: dict[str, Any], lang: str) -> str:
    text = row.get("label_sv" if lang == "sv" else "label_en") or row.get("label_en") or row.get("label_sv")
    return str(text if text is not None else row.get("key", ""))


def _key(row: dict[str, Any]) -> str:
    key = row.get("key")
    return "" if key is None else str(key)


def _with_unit(text: str, unit: str) -> str:
    return f"{text}{NBSP}{unit}" if unit else text


def bar_chart(rows: list[dict], measure: str, lang: str, title: str, unit: str = "", *, total: bool = True) -> str:
    """A standalone SVG document: a horizontal bar chart of `measure` over `rows`, labelled in `lang` (sv or en);
    total=False where a proposal counts in several rows (partner, goal, SDG) and the rows' sum means nothing."""
    lang = "sv" if lang == "sv" else "en"
    texts = _TEXTS[lang]
    values = [_number(row.get(measure)) for row in rows]
    labels = [_label(row, lang) for row in rows]
    decimals = 1 if measure.endswith("_kg") or any(not v.is_integer() for v in values) else 0
    shown = [_with_unit(format_number(v, lang, decimals), unit) for v in values]
    digest = hashlib.sha256(json.dumps([rows, measure, lang, title, unit], sort_keys=True, default=str)
                            .encode()).hexdigest()[:10]
    title_id, desc_id = f"chart-{digest}-title", f"chart-{digest}-desc"

    if rows:
        count = f"{len(rows)} {texts['rows'][0 if len(rows) == 1 else 1]}"
        largest = max(range(len(values)), key=lambda i: values[i])  # the first of equals
        if values[largest] == 0:
            desc = texts["zero"].format(count=count)
        else:
            desc = texts["summary" if total else "overlapping"].format(
                label=labels[largest], value=shown[largest], count=count,
                total=_with_unit(format_number(sum(values), lang, decimals), unit))
        height = TOP + ROW * len(rows) + BOTTOM
    else:
        desc = texts["empty"]
        height = TOP + 56

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" height="{height}" '
         f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
         f'lang="{lang}" xml:lang="{lang}" font-family={quoteattr(FONT)} font-size="14" fill="{TEXT}">'),
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="{BACKGROUND}"/>',
        f'<text x="8" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    if not rows:
        out.append(f'<text x="{WIDTH // 2}" y="{TOP + 28}" text-anchor="middle">{escape(desc)}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"

    longest = max(len(t) for t in labels)
    label_width = min(LABEL_MAX, max(60, math.ceil(longest * CHAR) + 16))
    max_chars = longest if label_width < LABEL_MAX else int((LABEL_MAX - 16) / CHAR)
    span = WIDTH - label_width - VALUE_SPACE
    top_value = max(values) or 1.0
    out.append('<g class="bars">')
    for i, (label, value, text) in enumerate(zip(labels, values, shown, strict=True)):
        y = TOP + i * ROW
        length = round(span * max(value, 0.0) / top_value, 1) if value > 0 else 0.0
        short = label if len(label) <= max_chars else label[: max(1, max_chars - 1)].rstrip() + "…"
        middle = y + ROW / 2
        out.append(f'<g class="bar" data-key={quoteattr(_key(rows[i]))} data-value="{value:g}">')
        out.append(f'<text class="label" x="{label_width - 8}" y="{middle}" dy="0.35em" text-anchor="end">'
                   + (f"<title>{escape(label)}</title>" if short != label else "") + f"{escape(short)}</text>")
        out.append(f'<rect x="{label_width}" y="{middle - BAR_HEIGHT / 2}" width="{length}" height="{BAR_HEIGHT}" '
                   f'fill="{BAR}"/>')
        out.append(f'<text class="value" x="{label_width + length + 6}" y="{middle}" dy="0.35em">{escape(text)}</text>')
        out.append("</g>")
    out.append("</g>")
    out.append(f'<line x1="{label_width}" y1="{TOP - 4}" x2="{label_width}" y2="{height - BOTTOM + 4}" '
               f'stroke="{AXIS}" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
