"""Swedish and English labels for the keys the aggregates group by (SPEC §8): statuses, recommendations, kinds,
modes, months and SDGs here; goals, focus areas and partners from the active policy."""

from __future__ import annotations

from app.screening import Policy

STATUS = {
    "screened": ("Granskat, väntar på beslut", "Screened, awaiting a decision"),
    "approved": ("Beviljat", "Approved"),
    "rejected": ("Avslaget", "Rejected"),
    "returned": ("Återremitterat för komplettering", "Returned for amendment"),
    "withdrawn": ("Återkallat", "Withdrawn"),
}
RECOMMENDATION = {
    "approve": ("Bevilja", "Approve"),
    "approve_with_conditions": ("Bevilja med villkor", "Approve with conditions"),
    "prefer_digital": ("Välj digitalt möte", "Prefer a digital meeting"),
    "needs_information": ("Behöver kompletteras", "Needs information"),
    "reject": ("Avslå", "Reject"),
}
KIND = {"trip": ("Resa", "Trip"), "project": ("Projekt", "Project"), "activity": ("Aktivitet", "Activity")}
MODE = {"flight": ("Flyg", "Flight"), "train": ("Tåg", "Train"), "bus": ("Buss", "Bus"), "car": ("Bil", "Car"),
        "taxi": ("Taxi", "Taxi"), "ferry": ("Färja", "Ferry")}
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
# The 17 Sustainable Development Goals' short names: in English as the UN writes them (sdgs.un.org/goals), in Swedish
# as the Swedish government's and UNDP's site globalamalen.se does.
SDG = {
    1: ("Ingen fattigdom", "No poverty"), 2: ("Ingen hunger", "Zero hunger"),
    3: ("Hälsa och välbefinnande", "Good health and well-being"), 4: ("God utbildning för alla", "Quality education"),
    5: ("Jämställdhet", "Gender equality"), 6: ("Rent vatten och sanitet", "Clean water and sanitation"),
    7: ("Hållbar energi för alla", "Affordable and clean energy"),
    8: ("Anständiga arbetsvillkor och ekonomisk tillväxt", "Decent work and economic growth"),
    9: ("Hållbar industri, innovationer och infrastruktur", "Industry, innovation and infrastructure"),
    10: ("Minskad ojämlikhet", "Reduced inequalities"), 11: ("Hållbara städer och samhällen",
                                                            "Sustainable cities and communities"),
    12: ("Hållbar konsumtion och produktion", "Responsible consumption and production"),
    13: ("Bekämpa klimatförändringarna", "Climate action"), 14: ("Hav och marina resurser", "Life below water"),
    15: ("Ekosystem och biologisk mångfald", "Life on land"),
    16: ("Fredliga och inkluderande samhällen", "Peace, justice and strong institutions"),
    17: ("Genomförande och globalt partnerskap", "Partnerships for the goals"),
}
NONE = ("Inget angivet", "None given")


def label(dimension: str, key: object, policy: Policy,
          departments: dict[str, str] | None = None) -> tuple[str, str]:
    """(Swedish, English) for one key of a dimension; the key itself where nothing better is known. `departments`:
    slug -> Swedish name (SPEC §13), which serves both languages (a förvaltning's name is its name)."""
    if key is None:
        return NONE
    text = str(key)
    if dimension == "department" and departments and text in departments:
        return departments[text], departments[text]
    if dimension == "month":
        year, month = text.split("-")
        return f"{MONTHS_SV[int(month) - 1]} {year}", f"{MONTHS_EN[int(month) - 1]} {year}"
    table = {"status": STATUS, "recommendation": RECOMMENDATION, "kind": KIND, "mode": MODE}.get(dimension)
    if table is not None:
        return table.get(text, (text, text))
    if dimension == "sdg":
        sv, en = SDG.get(int(text), (text, text))
        return f"Mål {text}: {sv}", f"Goal {text}: {en}"
    if dimension == "goal":
        goal = next((g for g in policy.goals if g.number == int(text)), None)
        return (f"{text}. {goal.title_sv}", f"{text}. {goal.title_en}") if goal else (text, text)
    if dimension == "focus_area":
        area = next((a for a in policy.focus_areas if a.key == text), None)
        return (area.title_sv, area.title_en) if area else (text, text)
    if dimension == "partner":
        partner = next((p for p in policy.partners if p.slug == text), None)
        return (partner.name_sv, partner.name_en) if partner else (text, text)
    return text, text
