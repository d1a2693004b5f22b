"""Readable text for people: a screening explained (from its JSON, so the offline and the remote screen print the
same), and numbers as a reader of the language writes them. Imports nothing of the server."""

from __future__ import annotations

from typing import Any

MODE_SV = {"flight": "flyg", "train": "tåg", "bus": "buss", "car": "bil", "taxi": "taxi", "ferry": "färja",
           "digital": "digitalt möte"}

_LABELS = {
    "sv": {
        "recommendation": "Rekommendation", "score": "Poäng", "threshold": "gräns", "parts": "Poängdelar",
        "findings": "Iakttagelser", "conditions": "Villkor", "climate": "Klimat (CO2e)",
        "per_traveller": "per resenär", "without_rf": "utan höghöjdseffekt", "return": "tur och retur",
        "alternatives": "alternativ", "saves": "sparar", "digital": "Digitalt möte", "no_gain": "ingen klimatvinst",
        "policy": "Policy", "factor": "faktor", "legs": "Delsträckor", "participants": "deltagare",
    },
    "en": {
        "recommendation": "Recommendation", "score": "Score", "threshold": "threshold", "parts": "Score parts",
        "findings": "Findings", "conditions": "Conditions", "climate": "Climate (CO2e)",
        "per_traveller": "per traveller", "without_rf": "without radiative forcing", "return": "return",
        "alternatives": "alternatives", "saves": "saves", "digital": "Digital meeting", "no_gain": "no climate gain",
        "policy": "Policy", "factor": "factor", "legs": "Legs", "participants": "participants",
    },
}


def num(x: float, lang: str, decimals: int = 1) -> str:
    """A number as a reader of that language writes it: 1 913,2 (sv) or 1,913.2 (en)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "sv" else text


def explain(title: str, s: dict[str, Any], lang: str) -> str:
    """A screening (SPEC §4, as JSON) explained: recommendation, score and its parts, findings, conditions, CO2 per
    leg with its factor and source, alternatives and the digital meeting."""
    t = _LABELS[lang]
    sv = lang == "sv"
    out = [
        title,
        f"{t['recommendation']}: {s['recommendation'].upper()}   {t['score']}: {num(s['score'], lang)}/100 "
        f"({t['threshold']} {num(s['approve_threshold'], lang)})",
        "",
        s["summary_sv"] if sv else s["summary_en"],
        "",
        f"{t['parts']}:",
    ]
    for p in s["score_parts"]:
        out.append(f"  {p['part']:<16} {num(p['score'], lang):>6} x {num(p['weight'], lang, 0):>2} % = "
                   f"{num(p['points'], lang, 2):>6}   {p['reason_sv'] if sv else p['reason_en']}")
    out += ["", f"{t['findings']}:"]
    for f in s["findings"]:
        out.append(f"  [{f['severity']}] {f['code']}: {f['message_sv'] if sv else f['message_en']}")
    if s.get("conditions"):
        out += ["", f"{t['conditions']}:"]
        out += [f"  - {c['text_sv'] if sv else c['text_en']}" for c in s["conditions"]]
    c = s.get("climate")
    if c is not None:
        out += [
            "",
            f"{t['climate']}: {num(c['co2e_kg'], lang)} kg ({num(c['co2e_kg_per_traveller'], lang)} kg "
            f"{t['per_traveller']}; {num(c['co2e_kg_without_rf'], lang)} kg {t['without_rf']})",
        ]
        for leg in c["legs"]:
            mode = MODE_SV.get(leg["mode"], leg["mode"]) if sv else leg["mode"]
            trip = f", {t['return']}" if leg["round_trip"] else ""
            out.append(f"  {leg['index'] + 1}. {leg['from']['name']} -> {leg['to']['name']}, {mode}{trip}: "
                       f"{num(leg['distance_km'], lang)} km -> {num(leg['co2e_kg'], lang)} kg")
            factor = leg["factor"]
            out.append(f"     {leg['distance_basis']}; {t['factor']} {factor['value']:g} kg/{factor['unit']} "
                       f"({factor['source']})")
            for alt in leg["alternatives"]:
                alt_mode = MODE_SV.get(alt["mode"], alt["mode"]) if sv else alt["mode"]
                out.append(f"     {t['alternatives']}: {alt_mode} {num(alt['co2e_kg'], lang)} kg ({t['saves']} "
                           f"{num(alt['saving_kg'], lang)} kg)")
        d = c["digital_meeting"]
        gain = f"{t['saves']} {num(d['saving_kg'], lang)} kg" if d["climate_gain"] else t["no_gain"]
        out.append(f"  {t['digital']}: {d['participants']} {t['participants']} x {num(d['hours'], lang)} h -> "
                   f"{num(d['co2e_kg'], lang, 2)} kg ({gain}; {num(d['co2e_kg_low'], lang, 2)}–"
                   f"{num(d['co2e_kg_high'], lang, 2)} kg)")
    out += ["", f"{t['policy']}: {s['policy_version']} ({s['policy_hash'][:19]}…), engine {s['engine_version']}"]
    return "\n".join(out)
