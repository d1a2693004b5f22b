"""The operators' commands (SPEC §11): the offline screen, the server, keys, re-screening and demo data. They work on
the server's own database and settings (`VAGVAL_DATABASE_URL`, …); what they import of the server is imported when a
command runs, so the officers' commands start without it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    InputError,
    json_option,
    progress_bar,
    remote_options,
)


def read_proposal(path: Path):  # noqa: ANN201 - app.screening.Proposal, imported when needed
    from pydantic import ValidationError

    from app.screening import Proposal
    from app.screening.policy import field_path

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    try:
        return Proposal.model_validate(data)
    except ValidationError as exc:
        lines = [f"  {field_path(e['loc'], '(body)')}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise InputError(f"{path}: not a valid proposal:\n" + "\n".join(lines)) from None


def screen_file(path: Path, policy):  # noqa: ANN001, ANN201
    from app.screening import ProposalError, screen

    proposal = read_proposal(path)
    try:
        return proposal, screen(proposal, policy)
    except ProposalError as exc:
        raise InputError(f"{path}: {exc}") from None


def explain(proposal, s, lang: str) -> str:  # noqa: ANN001
    """The readable explanation of an engine result (the same text as for a remote screening)."""
    from app.cli.render import explain as render

    return render(proposal.title, s.model_dump(mode="json", by_alias=True), lang)


# -- commands ---------------------------------------------------------------------------------------------------


def _policy(path: str | None):  # noqa: ANN202
    from app.screening import load_policy
    from app.screening.policy import DEFAULT_POLICY_PATH

    return load_policy(path or DEFAULT_POLICY_PATH)


@click.command("screen")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
              help="language of the explanation")
@click.option("--policy", metavar="FILE", help="a policy TOML file (default: the shipped Luleå policy; offline only)")
@click.option("--remote", is_flag=True, help="screen through POST /v1/screenings under the service's active policy")
@remote_options
def screen_command(file: Path, as_json: bool, lang: str, policy: str | None, remote: bool, url: str | None,
                   key: str | None, profile: str | None) -> int:
    """Screen one proposal file (SPEC §7a JSON): offline under the shipped policy, or --remote."""
    if remote:
        from app.cli.officers import screen_remote

        if policy:
            raise click.UsageError("--policy is for the offline screen; --remote uses the service's active policy")
        return screen_remote(file, as_json, lang, url, key, profile)
    proposal, result = screen_file(file, _policy(policy))
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        print(explain(proposal, result, lang))
    return EXIT_OK


@click.command("examples")
@click.argument("directory", default="examples", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lang", type=click.Choice(["sv", "en"]), default="en", show_default=True)
@click.option("--policy", metavar="FILE", help="a policy TOML file (default: the shipped Luleå policy)")
def examples_command(directory: Path, lang: str, policy: str | None) -> int:
    """Screen every proposal in a folder and explain each."""
    loaded = _policy(policy)
    files = sorted(directory.glob("*.json"))
    if not files:
        raise InputError(f"no *.json proposals in {directory}")
    for path in files:
        proposal, result = screen_file(path, loaded)
        print(f"== {path}")
        print(explain(proposal, result, lang))
        print()
    return EXIT_OK


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="worker processes (the rate limit and caches are per process; SQLite has one writer at a time)")
@click.option("--no-access-log", is_flag=True, hidden=True,
              help="kept for scripts that pass it: the request log is the JSON lines of VAGVAL_LOG_LEVEL=info")
def serve_command(host: str, port: int, workers: int, no_access_log: bool) -> int:  # noqa: ARG001
    """Apply migrations, then serve the API (one JSON log line per request on stderr)."""
    import uvicorn

    from app.main import create_app
    from app.migrate import upgrade
    from app.server import ProblemHttpToolsProtocol
    from app.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    from app.logs import uvicorn_config

    # several workers: each process builds the app from the settings in its environment (uvicorn needs an import
    # string to start them)
    app = create_app(settings) if workers == 1 else "app.main:create_app"
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level, factory=workers > 1, workers=workers,
                log_config=uvicorn_config(settings.log_level), proxy_headers=True, access_log=False,
                http=ProblemHttpToolsProtocol, timeout_keep_alive=settings.keep_alive_seconds,
                timeout_graceful_shutdown=settings.shutdown_grace_seconds)
    return EXIT_OK


def _database():  # noqa: ANN202
    from sqlmodel import Session

    from app.db import make_engine
    from app.migrate import upgrade
    from app.services.policies import ensure_default
    from app.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings)
    with Session(engine) as session:
        ensure_default(session)  # as `serve` does: a fresh database gets the shipped policy
    return engine


@click.group("keys")
def keys_group() -> None:
    """API keys, on the server's database."""


@keys_group.command("create")
@click.option("--role", required=True, type=click.Choice(["submitter", "officer", "viewer", "admin"]))
@click.option("--name", required=True, help="the client: a named system or person")
@click.option("--department", help="the department a submitter key submits for")
@click.option("--json", "as_json", is_flag=True, help='print {"key", "id", "role", ...} as one JSON object')
def keys_create(role: str, name: str, department: str | None, as_json: bool) -> int:
    """Create a client and its API key (printed once)."""
    from sqlmodel import Session

    from app.errors import ApiError
    from app.services.keys import create_client_key

    engine = _database()
    try:
        with Session(engine, expire_on_commit=False) as session:
            client, key, token = create_client_key(session, name=name, role=role, department=department,
                                                   actor="vagval keys create (command line)")
    except ApiError as exc:
        raise InputError(exc.detail) from None
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps({"key": token, "id": key.id, "role": client.role, "department": client.department,
                          "name": client.name, "prefix": key.prefix, "client_id": client.id}))
    else:
        print(f"API key for {client.name} ({client.role}{', ' + client.department if client.department else ''}):\n")
        print(f"  {token}\n")
        print("It is shown only this once; store it now. Use it as: Authorization: Bearer <key>")
    return EXIT_OK


@keys_group.command("list")
@json_option
def keys_list(as_json: bool) -> int:
    """List keys (prefix, role, department, created and last used; never the key)."""
    from sqlmodel import Session

    from app.services.keys import list_keys

    engine = _database()
    with Session(engine) as session:
        rows = list_keys(session)
    engine.dispose()
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    from app.cli.output import table, terminal

    if not terminal():  # one line per key, every value whole
        table(["id", "prefix", "role", "department", "client", "created", "last used", "revoked"],
              ([r["id"], r["prefix"], r["role"], r["department"], r["client"], r["created_at"], r["last_used_at"],
                r["revoked_at"]] for r in rows))
        return EXIT_OK
    _keys_table(rows)
    return EXIT_OK


def _keys_table(rows: list[dict]) -> None:
    """The keys at a terminal: three columns, each key's details stacked in its cells (id over prefix, name over role
    and department, the times), so that the id stays on one line on an 80-column terminal; the other cells wrap, and
    nothing is cut."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def minute(t: str) -> str:
        return t[:16].replace("T", " ")

    console = Console()
    view = Table(header_style="bold", expand=False, show_lines=True)
    # the id whole on one line (to copy it into `vagval keys revoke`) while the others get at least 12 columns each
    view.add_column("id / prefix", overflow="fold", no_wrap=console.width >= 36 + 10 + 2 * 12)
    view.add_column("client / role", overflow="fold")
    view.add_column("times (UTC)", overflow="fold")
    for r in rows:
        role = r["role"] + (f", {r['department']}" if r["department"] else "")
        used = f"used {minute(r['last_used_at'])}" if r["last_used_at"] else "not used yet"
        times = Text(f"created {minute(r['created_at'])}\n{used}")
        if r["revoked_at"]:
            times.append(f"\nrevoked {minute(r['revoked_at'])}", style="bold red")
        view.add_row(Text.assemble(r["id"], "\n", (r["prefix"], "dim")),
                     Text.assemble(r["client"], "\n", (role, "dim")), times)
    console.print(view)


def _key_command(key_id: str, action: str, as_json: bool) -> int:
    from sqlmodel import Session

    from app.errors import ApiError
    from app.services import keys

    engine = _database()
    try:
        with Session(engine, expire_on_commit=False) as session:
            if action == "revoke":
                info, token = keys.revoke(session, key_id, "vagval keys revoke (command line)"), None
            else:
                info, token = keys.rotate(session, key_id, "vagval keys rotate (command line)")
    except ApiError as exc:
        raise InputError(exc.detail) from None
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps(info | ({"key": token} if token else {}), ensure_ascii=False))
    elif token:
        print(f"New API key for {info['client']} ({info['role']}); the old key stays valid until you revoke it:\n")
        print(f"  {token}\n")
        print(f"Revoke the old one when every system has switched: vagval keys revoke {key_id}")
    else:
        print(f"Revoked {info['prefix']}… of {info['client']} at {info['revoked_at']}.")
    return EXIT_OK


@keys_group.command("revoke")
@click.argument("key_id", metavar="ID")
@json_option
def keys_revoke(key_id: str, as_json: bool) -> int:
    """Revoke a key at once."""
    return _key_command(key_id, "revoke", as_json)


@keys_group.command("rotate")
@click.argument("key_id", metavar="ID")
@json_option
def keys_rotate(key_id: str, as_json: bool) -> int:
    """A new key for the same client; the old one works until revoked."""
    return _key_command(key_id, "rotate", as_json)


@click.command("rescreen")
@click.option("--all", "every", is_flag=True, help="every undecided (screened or returned) proposal")
@json_option
def rescreen_command(every: bool, as_json: bool) -> int:
    """Re-screen proposals under the active policy (on the server's database)."""
    from sqlmodel import Session

    from app.services import cases

    if not every:
        raise InputError("say which proposals: --all re-screens every undecided proposal")
    engine = _database()
    bar, progress = progress_bar("re-screening")
    with bar, Session(engine, expire_on_commit=False) as session:
        report = cases.rescreen_all(session, "vagval rescreen --all (command line)", None, progress)
    engine.dispose()
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    print(f"Re-screened {report['rescreened']} undecided proposals under {report['policy_version']}; "
          f"{report['changed']} changed recommendation.")
    for c in report["changes"]:
        print(f"  {c['id']}  {c['from']} -> {c['to']}  ({c['department']}: {c['title']})")
    for f in report["failed"]:
        print(f"  could not re-screen {f['id']}: {f['detail']}", file=sys.stderr)
    return EXIT_OK


@click.command("demo-data")
@click.option("--n", "count", type=int, default=300, show_default=True, help="how many proposals")
@click.option("--seed", type=int, default=2027, show_default=True,
              help="the random seed (the same seed, the same proposals)")
@click.option("--json", "as_json", is_flag=True, help="print the report as one JSON object")
def demo_data_command(count: int, seed: int, as_json: bool) -> int:
    """Fill the database with realistic demo proposals and decisions."""
    from sqlmodel import Session

    from app.services import demo

    if count < 1 or count > 1_000_000:
        raise InputError("--n is a number of proposals from 1 to 1,000,000")
    engine = _database()
    bar, progress = progress_bar("storing demo proposals")
    with bar, Session(engine, expire_on_commit=False) as session:
        report = demo.fill(session, count, seed=seed, progress=progress)
    engine.dispose()
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    print(f"Stored {report['stored']} demo proposals of {len(report['departments'])} departments; decided "
          f"{report['decided']}, withdrew {report['withdrawn']}. Open /dashboard with a viewer key "
          "(vagval keys create --role viewer --name ...).")
    return EXIT_OK


COMMANDS = [screen_command, examples_command, serve_command, keys_group, rescreen_command, demo_data_command]


def database_url_for_humans() -> str:
    try:
        from sqlalchemy.engine import make_url

        from app.settings import Settings

        return f" {make_url(Settings().database_url).render_as_string(hide_password=True)}"
    except Exception:  # noqa: BLE001
        return ""


def server_side_failure(exc: Exception) -> int:
    """The exit code for an operator command's own failure: a policy that cannot be loaded, a database that cannot
    be opened (one line, no stack trace); anything else is raised."""
    from sqlalchemy.exc import OperationalError

    from app.screening import PolicyError

    if isinstance(exc, PolicyError):
        print(f"vagval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not isinstance(exc, OperationalError):
        raise exc
    reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    print(f"vagval: database{database_url_for_humans()}: {reason}", file=sys.stderr)
    return EXIT_ERROR
