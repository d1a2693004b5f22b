"""The case officers' commands (SPEC §11), on the client: template, submit, proposals, decide, stats, report and the
remote screen. They talk to a running service (`VAGVAL_URL`, `VAGVAL_API_KEY`, --url/--key, or a profile) and import
nothing of the server."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    Failure,
    InputError,
    ProgressBar,
    connect,
    json_option,
    remote_options,
)
from app.cli.output import emit_json, lines, table, terminal, warn
from app.cli.render import explain

STATUSES = ["screened", "approved", "rejected", "returned", "withdrawn"]
RECOMMENDATIONS = ["approve", "approve_with_conditions", "prefer_digital", "needs_information", "reject"]
KINDS = ["trip", "project", "activity"]
FOCUS_AREAS = ["regional_arctic", "eu", "twin_town", "other"]
DIMENSIONS = ["year", "month", "department", "kind", "focus_area", "partner", "goal", "sdg", "recommendation",
              "status", "mode"]


def _filter_options(command, *, dates: tuple[str, str]):  # noqa: ANN001, ANN202
    """The filters of GET /v1/proposals (dates: the names the endpoint gives its start_date range)."""
    low, high = dates
    for option in reversed([
        click.option("--kind", type=click.Choice(KINDS)),
        click.option("--department", metavar="SLUG"),
        click.option("--status", type=click.Choice(STATUSES)),
        click.option("--recommendation", type=click.Choice(RECOMMENDATIONS)),
        click.option("--focus-area", "focus_area", type=click.Choice(FOCUS_AREAS)),
        click.option("--from", low, metavar="YYYY-MM-DD", help="start_date on or after"),
        click.option("--to", high, metavar="YYYY-MM-DD", help="start_date on or before"),
        click.option("--year", type=click.IntRange(1900, 2200), help="of start_date"),
    ]):
        command = option(command)
    return command


def proposal_filters(command):  # noqa: ANN001, ANN201
    command = click.option("--q", "--text", "q", metavar="TEXT", help="text in the title or external_ref")(command)
    return _filter_options(command, dates=("start_from", "start_to"))


def aggregate_filters(command):  # noqa: ANN001, ANN201
    return _filter_options(command, dates=("from_", "to"))


# -- template -----------------------------------------------------------------------------------------------------


@click.command("template")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False), help="write the CSV template here")
@click.option("--xlsx", "xlsx_file", type=click.Path(path_type=Path, dir_okay=False),
              help="write the XLSX template here (with drop-down lists and a sheet of instructions)")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="language of the headers")
@click.option("--force", is_flag=True, help="overwrite a file that exists")
def template_command(csv_file: Path | None, xlsx_file: Path | None, lang: str, force: bool) -> int:
    """Write the activity-plan template: one row per proposal, a filled example row. Without a file: CSV on stdout."""
    from app.client import template

    for path in (csv_file, xlsx_file):
        if path is not None and path.exists() and not force:
            raise InputError(f"{path} exists; pass --force to overwrite it (a filled plan would be lost)")
    if csv_file is None and xlsx_file is None:
        import csv

        headings = template.template_headers()
        writer = csv.writer(sys.stdout, delimiter=";", lineterminator="\n")
        writer.writerow([h.title(lang) for h in headings])
        writer.writerow(template.example_cells(headings))
        return EXIT_OK
    if csv_file is not None:
        template.write_csv(csv_file, lang)
        warn(f"wrote {csv_file}: fill one row per proposal (row 2 is an example), then: vagval submit {csv_file}")
    if xlsx_file is not None:
        template.write_xlsx(xlsx_file, lang)
        warn(f"wrote {xlsx_file}: fill one row per proposal (row 2 is an example), then: vagval submit {xlsx_file}")
    return EXIT_OK


# -- submit -------------------------------------------------------------------------------------------------------


@click.command("submit")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="screen every row without storing anything")
@json_option
@remote_options
def submit_command(files: tuple[Path, ...], dry_run: bool, as_json: bool, url: str | None, key: str | None,
                   profile: str | None) -> int:
    """Store proposals from JSON files, a JSON list, or a CSV/XLSX activity plan; one line per row.

    Every row carries an Idempotency-Key derived from its content: run the same command again after an interruption
    or after fixing refused rows, and nothing is stored twice."""
    from app.client.submit import submit
    from app.client.template import PlanError, read_plan

    plans, problems = [], []
    for path in files:  # every file is read before anything is sent: a file that cannot be read stops the run
        try:
            plans.append((path, read_plan(path)))
        except PlanError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError("\n".join(problems) + "\nnothing was sent")
    outcomes = []
    with connect(url, key, profile) as client:
        for path, rows in plans:
            with ProgressBar(f"{'Screening' if dry_run else 'Submitting'} {path.name}", len(rows)) as bar:
                try:
                    outcomes += submit(client, rows, dry_run=dry_run, progress=lambda _: bar.advance())
                except BaseException:  # the service gone, the key refused, or Ctrl-C
                    warn(f"stopped at {path} after {bar.done} of {len(rows)} rows; run the same command again "
                         "to go on (nothing is stored twice)")
                    raise
    counts = Counter(o.status for o in outcomes)
    replayed = sum(1 for o in outcomes if o.replayed)
    if as_json:
        emit_json({"dry_run": dry_run, "stored": counts["stored"], "already_stored": replayed,
                   "screened": counts["screened"], "refused": counts["refused"], "skipped": counts["skipped"],
                   "rows": [o.as_dict() for o in outcomes]})
    else:
        _submit_table(outcomes, multiple=len(files) > 1)
        summary = (f"{counts['screened']} screened (nothing stored)" if dry_run else
                   f"{counts['stored']} stored" + (f" ({replayed} of them by an earlier run)" if replayed else ""))
        summary += f", {counts['refused']} refused"
        if counts["skipped"]:
            summary += f", {counts['skipped']} skipped"
        warn(summary + (": fix the refused rows and run the same command again" if counts["refused"] else ""))
    return EXIT_ERROR if counts["refused"] else EXIT_OK


def _submit_table(outcomes: list, multiple: bool) -> None:  # noqa: ANN001
    rows = []
    for o in outcomes:
        where = f"{o.row.file}:{o.row.line}" if multiple else o.row.line
        result = "stored (earlier)" if o.replayed else o.status
        if o.problems:
            for p in o.problems:
                rows.append([where, result, o.id or "", "", p.column, p.message, o.row.title])
        else:
            rows.append([where, result, o.id or "", o.recommendation or "", "", o.note, o.row.title])
    table(["line", "result", "id", "recommendation", "column", "reason", "title"], rows)


# -- screen --remote ------------------------------------------------------------------------------------------------


def screen_remote(file: Path, as_json: bool, lang: str, url: str | None, key: str | None, profile: str | None) -> int:
    from app.client.template import PlanError, read_plan

    try:
        rows = read_plan(file)
    except PlanError as exc:
        raise InputError(str(exc)) from None
    if len(rows) != 1:
        raise InputError(f"{file}: screen takes one proposal; for a plan of several, use vagval submit --dry-run")
    if rows[0].problems:
        raise InputError("\n".join(f"{file}, line {rows[0].line}, column {p.column}: {p.message}"
                                   for p in rows[0].problems))
    with connect(url, key, profile, language=lang) as client:
        result = client.screen(rows[0].body)
    if as_json:
        emit_json(dict(result))
    else:
        lines(explain(rows[0].title, result, lang))
    return EXIT_OK


# -- proposals ------------------------------------------------------------------------------------------------------


@click.group("proposals")
def proposals_group() -> None:
    """Read proposals: list, show, export (every filter of GET /v1/proposals, across all pages)."""


LIST_COLUMNS = [("id", "id"), ("status", "status"), ("recommendation", "recommendation"), ("score", "score"),
                ("department", "department"), ("start_date", "start"), ("co2e_kg", "co2e_kg"),
                ("external_ref", "external_ref"), ("title", "title")]


@proposals_group.command("list")
@proposal_filters
@click.option("--limit", type=click.IntRange(1), help="at most this many (default: every match)")
@json_option
@remote_options
def proposals_list(as_json: bool, limit: int | None, url: str | None, key: str | None, profile: str | None,
                   **filters: Any) -> int:
    """Every proposal the filters select, newest first."""
    with connect(url, key, profile) as client:
        items = []
        for item in client.proposals(**filters):
            items.append(item)
            if limit and len(items) >= limit:
                break
    if as_json:
        emit_json(items)
        return EXIT_OK
    table([h for _, h in LIST_COLUMNS], ([i.get(k) for k, _ in LIST_COLUMNS] for i in items), numeric=(3, 6))
    if terminal():
        warn(f"{len(items)} proposals")
    return EXIT_OK


@proposals_group.command("show")
@click.argument("proposal_id", metavar="ID")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@json_option
@remote_options
def proposals_show(proposal_id: str, lang: str, as_json: bool, url: str | None, key: str | None,
                   profile: str | None) -> int:
    """One proposal: its status, decision and current screening explained; the ETag for `decide --if-match`."""
    with connect(url, key, profile, language=lang) as client:
        proposal = client.get(proposal_id)
    if as_json:
        emit_json(dict(proposal) | {"etag": proposal.etag})
        return EXIT_OK
    sv = lang == "sv"
    head = [f"Id: {proposal['id']}   Status: {proposal['status']}   "
            f"{'Version' if sv else 'Revision'}: {proposal['revision']}   ETag: {proposal.etag}",
            f"{'Förvaltning' if sv else 'Department'}: {proposal['department']}   "
            f"{'Typ' if sv else 'Kind'}: {proposal['kind']}   "
            f"{'Datum' if sv else 'Dates'}: {proposal.get('start_date') or '-'} – {proposal.get('end_date') or '-'}   "
            f"{'Extern referens' if sv else 'External reference'}: {proposal.get('external_ref') or '-'}",
            f"{'Inlämnat av' if sv else 'Submitted by'}: {proposal['submitted_by']} {proposal['created_at']}"]
    decision = proposal.get("decision")
    if decision:
        head.append(f"{'Beslut' if sv else 'Decision'}: {decision.get('decision')} "
                    f"({decision.get('decided_by')}, {decision.get('decided_at')}): {decision.get('reason')}")
    lines("\n".join(head) + "\n\n" + explain(proposal["title"], proposal["screening"], lang))
    return EXIT_OK


@proposals_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--csv", "fmt", flag_value="csv", help="CSV (the default unless FILE ends in .xlsx)")
@click.option("--xlsx", "fmt", flag_value="xlsx", help="XLSX")
@proposal_filters
@remote_options
def proposals_export(file: Path, fmt: str | None, url: str | None, key: str | None, profile: str | None,
                     **filters: Any) -> int:
    """Every proposal the filters select, into a CSV or XLSX file ("-" for stdout)."""
    fmt = fmt or ("xlsx" if file.suffix.lower() == ".xlsx" else "csv")
    with connect(url, key, profile) as client:
        if str(file) == "-":
            client.export(sys.stdout.buffer, format=fmt, **filters)
            return EXIT_OK
        partial = file.with_name(file.name + ".part")
        try:
            client.export(partial, format=fmt, **filters)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(file)  # a failed export leaves no half file behind
    warn(f"wrote {file}")
    return EXIT_OK


# -- decide ---------------------------------------------------------------------------------------------------------


@click.command("decide")
@click.argument("proposal_id", metavar="ID")
@click.argument("decision", type=click.Choice(["approved", "rejected", "returned"]))
@click.option("--reason", required=True, help="why; departing from the recommendation needs a substantive one")
@click.option("--if-match", "etag", metavar="ETAG",
              help="the ETag as you read it (vagval proposals show); default: read it now")
@json_option
@remote_options
def decide_command(proposal_id: str, decision: str, reason: str, etag: str | None, as_json: bool, url: str | None,
                   key: str | None, profile: str | None) -> int:
    """Decide on a proposal with If-Match: a change since it was read is refused, and who made it is said."""
    from app.client import ProblemError

    with connect(url, key, profile) as client:
        read = None
        if etag is None:
            read = client.get(proposal_id)
            etag = read.etag
        try:
            decided = client.decide(proposal_id, decision, reason, if_match=etag)  # type: ignore[arg-type]
        except ProblemError as exc:
            if exc.status != 412:
                raise
            raise Failure(_changed_since(client, proposal_id, etag, read)) from None
    if as_json:
        emit_json(dict(decided) | {"etag": decided.etag})
    else:
        lines(f"{proposal_id}: {decided['status']} ({decided['title']}); recommendation was "
              f"{decided['screening']['recommendation']}. ETag {decided.etag}")
    return EXIT_OK


def _changed_since(client, proposal_id: str, etag: str | None, read) -> str:  # noqa: ANN001
    """Who changed the proposal since the ETag was read, from its audit trail (officer keys read it)."""
    from app.client import ProblemError

    now = client.get(proposal_id)
    since = read["updated_at"] if read is not None else None
    try:
        trail = client.audit(proposal_id)
    except ProblemError:
        trail = []
    later = [e for e in trail if e["at"] > since] if since is not None else trail[-1:]  # unknown when: the last
    who = "; ".join(f"{e['action']} by {e['actor']} at {e['at']}" for e in (later or trail[-1:])[-3:]) or "unknown"
    return (f"{proposal_id} changed since it was read (ETag {etag}; now {now.etag}, status {now['status']}): {who}. "
            f"Read it again (vagval proposals show {proposal_id}) and decide anew.")


# -- stats and reports ----------------------------------------------------------------------------------------------

SUMMARY_MEASURES = ["proposals", "decided", "share_approved", "departures", "travellers", "co2e_kg",
                    "co2e_kg_without_rf", "co2e_kg_approved", "avoided_digital_kg", "avoided_mode_shift_kg",
                    "potential_avoided_kg", "trips_decided", "trips_turned_digital", "share_turned_digital",
                    "median_days_to_decision"]
ROW_MEASURES = ["proposals", "decided", "share_approved", "co2e_kg", "co2e_kg_approved", "avoided_digital_kg",
                "avoided_mode_shift_kg", "potential_avoided_kg"]


@click.command("stats")
@click.argument("dimension", required=False, type=click.Choice(DIMENSIONS))
@aggregate_filters
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="language of the labels")
@json_option
@remote_options
def stats_command(dimension: str | None, lang: str, as_json: bool, url: str | None, key: str | None,
                  profile: str | None, **filters: Any) -> int:
    """The aggregates of SPEC §8: the summary, or one row per key of a DIMENSION."""
    with connect(url, key, profile, language=lang) as client:
        body = client.stats(dimension, **filters)
    if as_json:
        emit_json(dict(body))
        return EXIT_OK
    if dimension is None:
        rows = [[m, body.get(m)] for m in SUMMARY_MEASURES]
        rows += [[f"by_status.{k}", v] for k, v in body["by_status"].items()]
        rows += [[f"by_recommendation.{k}", v] for k, v in body["by_recommendation"].items()]
        rows += [[f"passenger_km.{k}", v] for k, v in body["passenger_km"].items()]
        table(["measure", "value"], rows, numeric=(1,))
        return EXIT_OK
    measures = ROW_MEASURES if dimension != "mode" else ["legs", "proposals", "co2e_kg", "co2e_kg_approved",
                                                         "passenger_km"]
    table(["key", "label", *measures], ([r["key"], r[f"label_{lang}"], *(r.get(m) for m in measures)]
                                        for r in body["rows"]), numeric=tuple(range(2, 2 + len(measures))))
    return EXIT_OK


@click.command("report")
@click.argument("name", type=click.Choice(["activity-plan", "climate"]))
@aggregate_filters
@click.option("--from-year", type=click.IntRange(1900, 2200), help="climate: the first year")
@click.option("--to-year", type=click.IntRange(1900, 2200), help="climate: the last year")
@click.option("--xlsx", "xlsx_file", type=click.Path(path_type=Path, dir_okay=False), help="write the report as XLSX")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False), help="write the report as CSV")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@json_option
@remote_options
def report_command(name: str, from_year: int | None, to_year: int | None, xlsx_file: Path | None,
                   csv_file: Path | None, lang: str, as_json: bool, url: str | None, key: str | None,
                   profile: str | None, **filters: Any) -> int:
    """The reports of SPEC §8: the activity plan of a year, or the climate report; as a table, JSON, CSV or XLSX."""
    if name == "climate":
        filters |= {"from_year": from_year, "to_year": to_year}
    elif from_year or to_year:
        raise click.UsageError("--from-year and --to-year are for the climate report; the activity plan takes --year")
    with connect(url, key, profile, language=lang) as client:
        for fmt, path in (("xlsx", xlsx_file), ("csv", csv_file)):
            if path is not None:
                partial = path.with_name(path.name + ".part")
                try:
                    client.report(name, format=fmt, out=partial, **filters)  # type: ignore[arg-type]
                except BaseException:
                    partial.unlink(missing_ok=True)
                    raise
                partial.replace(path)
                warn(f"wrote {path}")
        if xlsx_file or csv_file:
            return EXIT_OK
        body = client.report(name, **filters)  # type: ignore[arg-type]
    assert body is not None
    if as_json:
        emit_json(dict(body))
    elif name == "climate":
        table(["year", "co2e_kg", "co2e_kg_without_rf", "passenger_km", "trips", "trips_turned_digital", "avoided_kg",
               "change_from_baseline", "path_co2e_kg", "above_path"],
              ([y["year"], y["co2e_kg"], y["co2e_kg_without_rf"], y["passenger_km"], y["trips"],
                y["trips_turned_digital"], y["avoided_kg"], y["change_from_baseline"], y["path_co2e_kg"],
                y["above_path"]] for y in body["years"]), numeric=tuple(range(0, 9)))
    else:
        table(["focus_area", "id", "start", "department", "status", "recommendation", "co2e_kg", "title"],
              ([area[f"label_{lang}"], p["id"], p["start_date"], p["department"], p["status"], p["recommendation"],
                p["co2e_kg"], p["title"]] for area in body["focus_areas"] for p in area["proposals"]),
              title=f"{'Aktivitetsplan' if lang == 'sv' else 'Activity plan'} {body['year']}", numeric=(6,))
    return EXIT_OK


COMMANDS = [template_command, submit_command, proposals_group, decide_command, stats_command, report_command]

