"""The server-rendered bar charts (app.dashboard.charts): pure, well-formed, accessible SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app.dashboard.charts import BAR, bar_chart, format_number

NS = {"svg": "http://www.w3.org/2000/svg"}
ROWS = [
    {"key": "2027-03", "label_sv": "mars 2027", "label_en": "March 2027", "co2e_kg": 1234.5, "proposals": 3},
    {"key": "2027-04", "label_sv": "april 2027", "label_en": "April 2027", "co2e_kg": 98765.4, "proposals": 1},
    {"key": "2027-05", "label_sv": "maj 2027", "label_en": "May 2027", "co2e_kg": 0.0, "proposals": 0},
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(t.itertext()) for t in root.iterfind(f".//svg:text[@class='{cls}']", NS)]


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_a_well_formed_accessible_document_named_by_title_and_desc():
    root = parse(bar_chart(ROWS, "co2e_kg", "sv", "Utsläpp per månad", "kg CO2e"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.text == "Utsläpp per månad"
    assert desc.text == ("Störst är april 2027 med 98\u00a0765,4\u00a0kg CO2e; totalt 99\u00a0999,9\u00a0kg CO2e "
                         "fördelat på 3 rader.")
    assert root.get("lang") == "sv"


def test_one_bar_per_row_each_value_written_beside_it():
    root = parse(bar_chart(ROWS, "co2e_kg", "en", "Emissions by month", "kg CO2e"))
    bars = root.findall(".//svg:g[@class='bar']", NS)
    assert [b.get("data-key") for b in bars] == ["2027-03", "2027-04", "2027-05"]
    assert [len(b.findall("svg:rect", NS)) for b in bars] == [1, 1, 1]
    assert texts(root, "label") == ["March 2027", "April 2027", "May 2027"]
    assert texts(root, "value") == ["1,234.5\u00a0kg CO2e", "98,765.4\u00a0kg CO2e", "0.0\u00a0kg CO2e"]
    widths = [float(b.find("svg:rect", NS).get("width")) for b in bars]
    assert widths[1] > widths[0] > widths[2] == 0  # proportional; the largest bar is the longest
    assert "The largest is April 2027" in root.find("svg:desc", NS).text


def test_counts_have_no_decimals_and_no_unit():
    root = parse(bar_chart(ROWS, "proposals", "sv", "Förslag per månad"))
    assert texts(root, "value") == ["3", "1", "0"]
    assert root.find("svg:desc", NS).text == "Störst är mars 2027 med 3; totalt 4 fördelat på 3 rader."


@pytest.mark.parametrize(("value", "decimals", "sv", "en"), [
    (0, 0, "0", "0"),
    (999, 0, "999", "999"),
    (1234567, 0, "1\u00a0234\u00a0567", "1,234,567"),
    (1234.5, 1, "1\u00a0234,5", "1,234.5"),
    (0.25, 1, "0,2", "0.2"),  # half to even, as the JSON's kg are rounded already
    (-12.5, 1, "\u221212,5", "-12.5"),
    (None, 1, "–", "–"),
])
def test_numbers_as_each_language_writes_them(value, decimals, sv, en):
    assert format_number(value, "sv", decimals) == sv
    assert format_number(value, "en", decimals) == en


def test_labels_and_title_are_escaped():
    rows = [{"key": "<x>", "label_sv": "<b>&", "label_en": "<b>& \"q\"", "co2e_kg": 5.0}]
    svg = bar_chart(rows, "co2e_kg", "en", "A <script>alert(1)</script> & title", "kg")
    root = parse(svg)  # parses: nothing broke out of its text or attribute
    assert "<script>" not in svg and "<b>" not in svg
    assert texts(root, "label") == ['<b>& "q"']
    assert root.find("svg:title", NS).text == "A <script>alert(1)</script> & title"
    assert root.find(".//svg:g[@class='bar']", NS).get("data-key") == "<x>"
    assert root.find(".//svg:script", NS) is None


def test_zero_rows_say_there_is_nothing_to_show():
    for lang, sentence in (("sv", "Det finns inget att visa"), ("en", "There is nothing to show")):
        root = parse(bar_chart([], "co2e_kg", lang, "T", "kg"))
        assert root.findall(f".//svg:rect[@fill='{BAR}']", NS) == []
        assert root.find("svg:desc", NS).text.startswith(sentence)
        assert any(t.startswith(sentence) for t in ("".join(e.itertext()) for e in root.iterfind(".//svg:text", NS)))


def test_all_zero_values_are_said_so():
    rows = [dict(r, co2e_kg=0.0) for r in ROWS]
    assert parse(bar_chart(rows, "co2e_kg", "en", "T")).find("svg:desc", NS).text == "All 3 rows are 0."


def test_label_language_falls_back_and_long_labels_are_shortened_with_the_full_text_kept():
    long = "1. Luleås invånare har ett socialt, kulturellt och fysiskt aktivt liv, och mycket mer än så"
    rows = [{"key": 3, "label_sv": long, "label_en": None, "co2e_kg": 1.0}, {"key": None, "co2e_kg": 2.0}]
    root = parse(bar_chart(rows, "co2e_kg", "en", "T"))
    label = root.find(".//svg:text[@class='label']", NS)
    assert label.find("svg:title", NS).text == long  # a tooltip and an accessible text with the whole label
    assert "".join(label.itertext()).endswith("…")
    assert root.findall(".//svg:g[@class='bar']", NS)[1].get("data-key") == ""


def test_a_mapping_measure_is_summed_and_odd_values_count_as_zero():
    rows = [{"key": "a", "label_en": "a", "passenger_km": {"flight": 100.5, "train": 20.0}},
            {"key": "b", "label_en": "b", "passenger_km": None}]
    root = parse(bar_chart(rows, "passenger_km", "en", "T", "km"))
    assert texts(root, "value") == ["120.5\u00a0km", "0.0\u00a0km"]


def test_colours_meet_the_contrast_minimums():
    svg = bar_chart(ROWS, "co2e_kg", "en", "T")
    white = luminance("#ffffff")
    for colour in set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', svg)) - {"#ffffff"}:
        ratio = (white + 0.05) / (luminance(colour) + 0.05)
        assert ratio >= 4.5, colour  # text 4.5:1 (1.4.3); bars and axis need 3:1 (1.4.11) and have more


def test_the_same_input_gives_the_same_document_and_distinct_charts_distinct_ids():
    a = bar_chart(ROWS, "co2e_kg", "sv", "A")
    assert a == bar_chart(ROWS, "co2e_kg", "sv", "A")
    b = bar_chart(ROWS, "proposals", "sv", "B")
    assert parse(a).find("svg:title", NS).get("id") != parse(b).find("svg:title", NS).get("id")


def test_rows_a_proposal_counts_in_several_of_are_not_summed():
    desc = parse(bar_chart(ROWS, "co2e_kg", "en", "Emissions by goal", "kg", total=False)).find("svg:desc", NS).text
    assert desc == "The largest is April 2027 with 98,765.4\u00a0kg of 3 rows; a proposal can count in several rows."
    assert "totalt" not in parse(bar_chart(ROWS, "co2e_kg", "sv", "T", total=False)).find("svg:desc", NS).text
