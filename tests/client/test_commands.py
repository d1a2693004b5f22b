"""The officers' commands as an officer runs them (SPEC §11): `vagval` in a subprocess against the running service,
configured by VAGVAL_URL / VAGVAL_API_KEY (or a profile), piped (tab-separated) or with --json; the exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import uuid

import openpyxl
import pytest

from tests.live import EXAMPLES, VAGVAL, free_port

DESTINATIONS = ["Tromsø", "Oulu", "Bryssel", "Narvik", "Kemi", "Umeå", "Rovaniemi", "Helsingfors", "Bodø", "Stockholm"]


def run(env, *args, check: int | None = None):
    done = subprocess.run([str(VAGVAL), *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    if check is not None:
        assert done.returncode == check, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


def tsv(text: str) -> list[dict[str, str]]:
    header, *rows = [line.split("\t") for line in text.splitlines()]
    return [dict(zip(header, row)) for row in rows]


def fill_plan(path, tag: str, wrong: dict[int, dict[str, str]]):
    """Ten trips on the template, the way an officer fills it: the example row overwritten, one row per trip."""
    template = path.with_name("template.csv")
    run({}, "template", "--csv", str(template), "--force", check=0)
    header, example = list(csv.reader(template.open(encoding="utf-8-sig"), delimiter=";"))
    rows = [header]
    for n, place in enumerate(DESTINATIONS):
        row = dict(zip(header, example))
        row |= {"Titel": f"{tag} resa {n + 1} till {place}", "Extern referens": f"{tag}-{n + 1}",
                "Delsträcka 1 till": place, "Delsträcka 1 färdsätt": "tåg" if place in ("Narvik", "Kemi") else "flyg"}
        row |= wrong.get(n, {})
        rows.append([row[h] for h in header])
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, delimiter=";").writerows(rows)


def test_ten_trips_two_wrong_then_fixed_and_run_again_gives_exactly_ten(live, tmp_path):
    tag = f"T{uuid.uuid4().hex[:6]}"
    env = live.env()
    plan = tmp_path / "plan.csv"
    fill_plan(plan, tag, {3: {"Startdatum": "2027-02-30"}, 8: {"Delsträcka 1 till": "Bodöö"}})
    first = run(env, "submit", str(plan), check=1)  # some rows refused
    lines = tsv(first.stdout)
    stored = [r for r in lines if r["result"] == "stored"]
    refused = [r for r in lines if r["result"] == "refused"]
    assert len(stored) == 8 and all(r["id"] and r["recommendation"] for r in stored)
    assert [(r["line"], r["column"]) for r in refused] == [("5", "Startdatum"), ("10", "Delsträcka 1 till")]
    assert "not a date of the calendar" in refused[0]["reason"] and "unknown place 'Bodöö'" in refused[1]["reason"]
    assert "8 stored, 2 refused" in first.stderr and "Submitting plan.csv: 10/10" in first.stderr

    fill_plan(plan, tag, {3: {"Startdatum": "2027-02-28"}})  # both fixed
    second = run(env, "submit", str(plan), check=0)
    again = tsv(second.stdout)
    assert [r["result"] for r in again].count("stored (earlier)") == 8
    assert [r["result"] for r in again].count("stored") == 2
    assert {r["id"] for r in again} >= {r["id"] for r in stored}  # the same eight, not new ones
    listed = json.loads(run(env, "proposals", "list", "--q", tag, "--json", check=0).stdout)
    assert len(listed) == 10 and len({p["id"] for p in listed}) == 10
    assert sorted(p["external_ref"] for p in listed) == sorted(f"{tag}-{n}" for n in range(1, 11))
    third = json.loads(run(env, "submit", str(plan), "--json", check=0).stdout)  # and once more: nothing new
    assert (third["stored"], third["already_stored"], third["refused"]) == (10, 10, 0)

    fill_plan(plan, tag, {3: {"Startdatum": "2027-02-28"}, 0: {"Beskrivning": "Ändrad efter inlämning"}})
    changed = run(env, "submit", str(plan), check=1)  # a stored row changed: its reference is taken, not stored again
    (refused,) = [r for r in tsv(changed.stdout) if r["result"] == "refused"]
    assert (refused["line"], refused["column"]) == ("2", "Extern referens")
    assert f"external_ref '{tag}-1' is already used by proposal {stored[0]['id']}" in refused["reason"]
    assert len(json.loads(run(env, "proposals", "list", "--q", tag, "--json", check=0).stdout)) == 10


def test_an_xlsx_plan_and_a_dry_run(live, tmp_path):
    tag = f"X{uuid.uuid4().hex[:6]}"
    env = live.env()
    run(env, "template", "--xlsx", str(tmp_path / "plan.xlsx"), check=0)
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    sheet = book["Aktivitetsplan"]
    header = [c.value for c in sheet[1]]
    example = [c.value for c in sheet[2]]
    for row, title in ((2, f"{tag} Kemi"), (3, f"{tag} Oulu")):
        for col, value in enumerate(example, start=1):
            sheet.cell(row=row, column=col, value=value)
        sheet.cell(row=row, column=header.index("Titel") + 1, value=title)
        sheet.cell(row=row, column=header.index("Extern referens") + 1, value=title)
    sheet.cell(row=3, column=header.index("Resenärer") + 1, value="två")
    book.save(tmp_path / "plan.xlsx")
    dry = json.loads(run(env, "submit", str(tmp_path / "plan.xlsx"), "--dry-run", "--json", check=1).stdout)
    assert dry["dry_run"] and (dry["screened"], dry["refused"], dry["stored"]) == (1, 1, 0)
    assert dry["rows"][1]["line"] == 3 and dry["rows"][1]["problems"] == [
        {"column": "Resenärer", "field": "travel.travellers", "message": "'två' is not a number (write 24000, 24 000 or 0,65)"}]
    assert json.loads(run(env, "proposals", "list", "--q", tag, "--json", check=0).stdout) == []


def test_a_file_that_cannot_be_read_sends_nothing_and_exits_2(live, tmp_path):
    env = live.env()
    bad = tmp_path / "bad.csv"
    bad.write_text("Typ;Titel;Förvaltnign\nresa;x;kommunstaben\n", encoding="utf-8")
    done = run(env, "submit", str(bad), check=2)
    assert "bad.csv, line 1 (the header): column C: unknown column 'Förvaltnign'; did you mean 'Förvaltning'?" in \
        done.stderr and "nothing was sent" in done.stderr and done.stdout == ""
    done = run(env, "submit", str(tmp_path / "missing.csv"), check=2)
    assert "cannot read the file" in done.stderr
    run(env, "submit", check=2)  # no file: bad usage


def test_list_show_export_decide_stats_and_report(live, tmp_path):
    tag = f"D{uuid.uuid4().hex[:6]}"
    env = live.env()
    body = json.loads((EXAMPLES / "oulu-study-visit-train.json").read_text(encoding="utf-8"))
    body |= {"title": f"{tag} Oulu", "department": "kommunstaben", "external_ref": f"{tag}-1"}
    (tmp_path / "one.json").write_text(json.dumps(body), encoding="utf-8")
    stored = json.loads(run(env, "submit", str(tmp_path / "one.json"), "--json", check=0).stdout)["rows"][0]
    pid = stored["id"]

    rows = tsv(run(env, "proposals", "list", "--q", tag, check=0).stdout)  # piped: tab-separated, no truncation
    assert [(r["id"], r["status"], r["title"]) for r in rows] == [(pid, "screened", f"{tag} Oulu")]
    shown = json.loads(run(env, "proposals", "show", pid, "--json", check=0).stdout)
    assert shown["id"] == pid and shown["etag"].startswith('"')
    text = run(env, "proposals", "show", pid, "--lang", "en", check=0).stdout
    assert f"ETag: {shown['etag']}" in text and "Recommendation: APPROVE" in text
    run(env, "proposals", "export", str(tmp_path / "p.csv"), "--q", tag, check=0)
    assert len((tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()) == 2
    run(env, "proposals", "export", str(tmp_path / "p.xlsx"), "--q", tag, check=0)
    assert openpyxl.load_workbook(tmp_path / "p.xlsx").worksheets[0].max_row == 2
    assert not (tmp_path / "p.xlsx.part").exists()

    officer = live.env(live.officer)
    reason = "Godkänns enligt rekommendationen: tåg hela vägen."
    done = run(env, "decide", pid, "approved", "--reason", reason, check=3)  # a submitter may not decide
    assert "403" in done.stderr
    decided = json.loads(run(officer, "decide", pid, "approved", "--reason", reason, "--json", check=0).stdout)
    assert decided["status"] == "approved" and decided["decision"]["decided_by"] == "Handläggare Cecilia"
    stale = run(officer, "decide", pid, "rejected", "--reason", reason, "--if-match", shown["etag"], check=1)
    assert f"{pid} changed since it was read" in stale.stderr
    assert "proposal.decided by Handläggare Cecilia" in stale.stderr

    viewer = live.env(live.viewer)
    summary = json.loads(run(viewer, "stats", "--department", "kommunstaben", "--json", check=0).stdout)
    assert summary["filters"]["department"] == "kommunstaben" and summary["by_status"]["approved"] >= 1
    by_department = tsv(run(viewer, "stats", "department", check=0).stdout)
    assert "kommunstaben" in [r["key"] for r in by_department]
    climate = json.loads(run(viewer, "report", "climate", "--from-year", "2027", "--to-year", "2027", "--json",
                             check=0).stdout)
    assert [y["year"] for y in climate["years"]] == [2027] and climate["years"][0]["trips"] >= 1
    run(viewer, "report", "activity-plan", "--year", "2027", "--xlsx", str(tmp_path / "plan.xlsx"), check=0)
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames


def test_screen_remote_uses_the_service(live):
    env = live.env()
    path = EXAMPLES / "brussels-conference-on-teams.json"
    result = json.loads(run(env, "screen", str(path), "--remote", "--json", check=0).stdout)
    assert result["recommendation"] == "prefer_digital"
    text = run(env, "screen", str(path), "--remote", "--lang", "en", check=0).stdout
    assert "Recommendation: PREFER_DIGITAL" in text
    offline = run(env, "screen", str(path), "--lang", "en", check=0).stdout
    assert text.splitlines()[1] == offline.splitlines()[1]  # the same explanation as offline


@pytest.mark.parametrize("command", [["proposals", "list"], ["stats"]])
def test_exit_3_for_a_key_the_service_refuses(live, command):
    done = run(live.env("vgv_wrong"), *command, check=3)
    assert "401" in done.stderr and "check the key" in done.stderr
    done = run(live.env() | {"VAGVAL_API_KEY": ""}, *command, check=3)
    assert "no API key" in done.stderr


def test_exit_4_when_the_service_cannot_be_reached(live):
    env = live.env() | {"VAGVAL_URL": f"http://127.0.0.1:{free_port()}"}
    done = run(env, "proposals", "list", check=4)
    assert "Service unreachable" in done.stderr and "gave up after retrying" in done.stderr


def test_a_profile_file_gives_the_url_and_the_key(live, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[default]\nurl = "{live.url}"\nkey = "{live.viewer}"\n\n[broken]\nurl = "http://127.0.0.1:9"\n'
                      f'key = "vgv_wrong"\n', encoding="utf-8")
    env = {k: v for k, v in live.env().items() if k not in ("VAGVAL_URL", "VAGVAL_API_KEY")}
    env["VAGVAL_CONFIG"] = str(config)
    assert json.loads(run(env, "stats", "--json", check=0).stdout)["proposals"] >= 0
    run(env, "stats", "--profile", "broken", check=4)
    done = run(env, "stats", "--profile", "nosuch", check=2)
    assert "no profile [nosuch] (profiles: broken, default)" in done.stderr
    run(env, "stats", "--url", live.url, "--key", live.viewer, "--profile", "broken", check=0)  # flags win


def test_a_key_that_may_not_submit_stops_the_run_with_exit_3(live, tmp_path):
    body = json.loads((EXAMPLES / "kemi-school-exchange.json").read_text(encoding="utf-8")) | {
        "department": "kommunstaben", "title": f"V{uuid.uuid4().hex[:6]}"}
    (tmp_path / "one.json").write_text(json.dumps([body, body | {"title": body["title"] + " 2"}]), encoding="utf-8")
    done = run(live.env(live.viewer), "submit", str(tmp_path / "one.json"), check=3)
    assert "403" in done.stderr and "stopped at" in done.stderr and done.stdout == ""
