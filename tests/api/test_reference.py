"""Reference data from the active policy."""

from __future__ import annotations


def test_goals(client, viewer):
    goals = client.get("/v1/goals", headers=viewer).json()
    assert [g["goal"] for g in goals] == list(range(1, 10))
    assert goals[0]["sdgs_official"] == [1, 3, 10]
    assert goals[4]["title_en"] == "Luleå has no impact on the climate"


def test_partners(client, viewer):
    partners = {p["slug"]: p for p in client.get("/v1/partners", headers=viewer).json()}
    assert partners["china"]["status"] == "ended"
    assert partners["tromso"]["focus_areas"] == ["regional_arctic", "twin_town"]
    assert len(partners) == 20


def test_emission_factors(client, viewer):
    body = client.get("/v1/emission-factors", headers=viewer).json()
    f = next(x for x in body["factors"] if x["mode"] == "flight" and x["variant"] == "short-haul-economy")
    assert f["value"] == round(0.12576 + 0.02249, 10)
    assert f["source"].startswith("UK DESNZ") and f["year"] == 2025
    assert body["digital"]["default_hours_per_day"] == 6


def test_places(client, viewer):
    hits = client.get("/v1/places", params={"q": "Bryssel"}, headers=viewer).json()
    assert hits[0]["name"] == "Brussels" and hits[0]["iata"] == "BRU"
    hits = client.get("/v1/places", params={"q": "TOS"}, headers=viewer).json()
    assert hits[0]["iata"] == "TOS" and hits[0]["lat"] == 69.6833
    assert client.get("/v1/places", headers=viewer).status_code == 422


def test_me(client, make_key):
    headers = make_key("submitter", "kultur-och-fritidsforvaltningen", name="Kultur-systemet")
    assert client.get("/v1/me", headers=headers).json() == {
        "client": "Kultur-systemet", "role": "submitter", "department": "kultur-och-fritidsforvaltningen"}


def test_every_answer_has_a_named_schema_in_the_document(client):
    """An integrator reads each operation's answer from the OpenAPI document: no `{}` or free-form objects."""
    spec = client.get("/openapi.json").json()
    loose = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not status.startswith("2") or schema is None:
                    continue
                named = schema.get("$ref") or schema.get("items", {}).get("$ref")
                if not named:
                    loose.append(f"{method.upper()} {path} {status}")
    assert loose == []
