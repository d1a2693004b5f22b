"""The `vagval` command line (SPEC §11). Exit codes: 0 success, 2 bad usage or invalid input, 1 anything else."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from app.screening import PolicyError, Proposal, ProposalError, Screening, load_policy, screen
from app.screening.policy import DEFAULT_POLICY_PATH, Policy, field_path
from app.screening.rules import MODE_SV, num

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class InputError(Exception):
    """An input file that cannot be screened; the message names the problem."""


def read_proposal(path: Path) -> Proposal:
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


def screen_file(path: Path, policy: Policy) -> tuple[Proposal, Screening]:
    proposal = read_proposal(path)
    try:
        return proposal, screen(proposal, policy)
    except ProposalError as exc:
        raise InputError(f"{path}: {exc}") from None


# -- readable output ---------------------------------------------------------------------------

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


def explain(proposal: Proposal, s: Screening, lang: str) -> str:
    """A readable explanation: recommendation, score and its parts, findings, CO2 per leg and alternatives."""
    t = _LABELS[lang]
    sv = lang == "sv"
    rec = s.recommendation.value
    out = [
        f"{proposal.title}",
        f"{t['recommendation']}: {rec.upper()}   {t['score']}: {num(s.score, lang)}/100 ({t['threshold']} {num(s.approve_threshold, lang)})",
        "",
        s.summary_sv if sv else s.summary_en,
        "",
        f"{t['parts']}:",
    ]
    for p in s.score_parts:
        out.append(f"  {p.part:<16} {num(p.score, lang):>6} x {num(p.weight, lang, 0):>2} % = {num(p.points, lang, 2):>6}   "
                   f"{p.reason_sv if sv else p.reason_en}")
    out += ["", f"{t['findings']}:"]
    for f in s.findings:
        out.append(f"  [{f.severity.value}] {f.code}: {f.message_sv if sv else f.message_en}")
    if s.conditions:
        out += ["", f"{t['conditions']}:"]
        out += [f"  - {c.text_sv if sv else c.text_en}" for c in s.conditions]
    c = s.climate
    if c is not None:
        out += [
            "",
            f"{t['climate']}: {num(c.co2e_kg, lang)} kg ({num(c.co2e_kg_per_traveller, lang)} kg {t['per_traveller']}; "
            f"{num(c.co2e_kg_without_rf, lang)} kg {t['without_rf']})",
        ]
        for leg in c.legs:
            mode = MODE_SV[leg.mode] if sv else leg.mode
            trip = f", {t['return']}" if leg.round_trip else ""
            out.append(f"  {leg.index + 1}. {leg.from_.name} -> {leg.to.name}, {mode}{trip}: "
                       f"{num(leg.distance_km, lang)} km -> {num(leg.co2e_kg, lang)} kg")
            out.append(f"     {leg.distance_basis}; {t['factor']} {leg.factor.value:g} kg/{leg.factor.unit} "
                       f"({leg.factor.source})")
            for alt in leg.alternatives:
                alt_mode = MODE_SV[alt.mode] if sv else alt.mode
                out.append(f"     {t['alternatives']}: {alt_mode} {num(alt.co2e_kg, lang)} kg ({t['saves']} "
                           f"{num(alt.saving_kg, lang)} kg)")
        d = c.digital_meeting
        gain = f"{t['saves']} {num(d.saving_kg, lang)} kg" if d.climate_gain else t["no_gain"]
        out.append(f"  {t['digital']}: {d.participants} {t['participants']} x {num(d.hours, lang)} h -> "
                   f"{num(d.co2e_kg, lang, 2)} kg ({gain}; {num(d.co2e_kg_low, lang, 2)}–{num(d.co2e_kg_high, lang, 2)} kg)")
    out += ["", f"{t['policy']}: {s.policy_version} ({s.policy_hash[:19]}…), engine {s.engine_version}"]
    return "\n".join(out)


# -- commands ----------------------------------------------------------------------------------


def _policy(path: str | None) -> Policy:
    return load_policy(path or DEFAULT_POLICY_PATH)


def cmd_screen(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    proposal, result = screen_file(Path(args.file), policy)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(explain(proposal, result, args.lang))
    return EXIT_OK


def cmd_examples(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    files = sorted(Path(args.dir).glob("*.json"))
    if not files:
        raise InputError(f"no *.json proposals in {args.dir}")
    for path in files:
        proposal, result = screen_file(path, policy)
        print(f"== {path}")
        print(explain(proposal, result, args.lang))
        print()
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app
    from app.migrate import upgrade
    from app.server import ProblemHttpToolsProtocol
    from app.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=settings.log_level,
                proxy_headers=True, access_log=not args.no_access_log, http=ProblemHttpToolsProtocol)
    return EXIT_OK


def cmd_keys_create(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.errors import ApiError
    from app.services.keys import create_client_key

    engine = _database()
    try:
        with Session(engine, expire_on_commit=False) as session:
            client, key, token = create_client_key(session, name=args.name, role=args.role, department=args.department,
                                                   actor="vagval keys create (command line)")
    except ApiError as exc:
        raise InputError(exc.detail) from None
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"key": token, "id": key.id, "role": client.role, "department": client.department,
                          "name": client.name, "prefix": key.prefix, "client_id": client.id}))
    else:
        print(f"API key for {client.name} ({client.role}{', ' + client.department if client.department else ''}):\n")
        print(f"  {token}\n")
        print("It is shown only this once; store it now. Use it as: Authorization: Bearer <key>")
    return EXIT_OK


def _database():
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


def cmd_keys_list(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.services.keys import list_keys

    engine = _database()
    with Session(engine) as session:
        rows = list_keys(session)
    engine.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    print(f"{'id':<36}  {'prefix':<16}  {'role':<9}  {'department':<24}  {'client':<24}  {'created':<19}  "
          f"{'last used':<19}  revoked")
    for r in rows:
        print(f"{r['id']:<36}  {r['prefix']:<16}  {r['role']:<9}  {r['department'] or '-':<24}  {r['client'][:24]:<24}  "
              f"{r['created_at'][:19]:<19}  {(r['last_used_at'] or '-')[:19]:<19}  {(r['revoked_at'] or '-')[:19]}")
    return EXIT_OK


def _key_command(args: argparse.Namespace, action: str) -> int:
    from sqlmodel import Session

    from app.errors import ApiError
    from app.services import keys

    engine = _database()
    try:
        with Session(engine, expire_on_commit=False) as session:
            if action == "revoke":
                info, token = keys.revoke(session, args.id, "vagval keys revoke (command line)"), None
            else:
                info, token = keys.rotate(session, args.id, "vagval keys rotate (command line)")
    except ApiError as exc:
        raise InputError(exc.detail) from None
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(info | ({"key": token} if token else {}), ensure_ascii=False))
    elif token:
        print(f"New API key for {info['client']} ({info['role']}); the old key stays valid until you revoke it:\n")
        print(f"  {token}\n")
        print(f"Revoke the old one when every system has switched: vagval keys revoke {args.id}")
    else:
        print(f"Revoked {info['prefix']}… of {info['client']} at {info['revoked_at']}.")
    return EXIT_OK


def _progress_bar(label: str):  # noqa: ANN202
    """A progress callback drawing `label [####......] done/total` on stderr."""

    def progress(done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr,
              flush=True)

    return progress


def cmd_rescreen(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.services import cases

    if not args.all:
        raise InputError("say which proposals: --all re-screens every undecided proposal")
    engine = _database()

    progress = _progress_bar("re-screening")
    with Session(engine, expire_on_commit=False) as session:
        report = cases.rescreen_all(session, "vagval rescreen --all (command line)", None, progress)
    engine.dispose()
    print(file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    print(f"Re-screened {report['rescreened']} undecided proposals under {report['policy_version']}; "
          f"{report['changed']} changed recommendation.")
    for c in report["changes"]:
        print(f"  {c['id']}  {c['from']} -> {c['to']}  ({c['department']}: {c['title']})")
    for f in report["failed"]:
        print(f"  could not re-screen {f['id']}: {f['detail']}", file=sys.stderr)
    return EXIT_OK


def cmd_demo_data(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.services import demo

    if args.n < 1 or args.n > 1_000_000:
        raise InputError("--n is a number of proposals from 1 to 1,000,000")
    engine = _database()

    progress = _progress_bar("storing demo proposals")
    with Session(engine, expire_on_commit=False) as session:
        report = demo.fill(session, args.n, seed=args.seed, progress=progress)
    engine.dispose()
    print(file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    print(f"Stored {report['stored']} demo proposals of {len(report['departments'])} departments; decided "
          f"{report['decided']}, withdrew {report['withdrawn']}. Open /dashboard with a viewer key "
          "(vagval keys create --role viewer --name ...).")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vagval", description="Vägval: sustainability screening of international work.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("screen", help="screen one proposal file offline")
    p.add_argument("file", help="a proposal as JSON (SPEC §7a)")
    p.add_argument("--json", action="store_true", help="print the full screening as one JSON object")
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="language of the explanation (default sv)")
    p.add_argument("--policy", help="a policy TOML file (default: the shipped Luleå policy)")
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("examples", help="screen every proposal in a folder and explain each")
    p.add_argument("dir", nargs="?", default="examples")
    p.add_argument("--lang", choices=["sv", "en"], default="en")
    p.add_argument("--policy", help="a policy TOML file (default: the shipped Luleå policy)")
    p.set_defaults(func=cmd_examples)

    p = sub.add_parser("serve", help="apply migrations, then serve the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-access-log", action="store_true")
    p.set_defaults(func=cmd_serve)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    p = keys.add_parser("create", help="create a client and its API key (printed once)")
    p.add_argument("--role", required=True, choices=["submitter", "officer", "viewer", "admin"])
    p.add_argument("--name", required=True, help="the client: a named system or person")
    p.add_argument("--department", help="the department a submitter key submits for")
    p.add_argument("--json", action="store_true", help='print {"key", "id", "role", ...} as one JSON object')
    p.set_defaults(func=cmd_keys_create)
    p = keys.add_parser("list", help="list keys (prefix, role, department, created and last used; never the key)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_keys_list)
    p = keys.add_parser("revoke", help="revoke a key at once")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: _key_command(a, "revoke"))
    p = keys.add_parser("rotate", help="a new key for the same client; the old one works until revoked")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: _key_command(a, "rotate"))

    p = sub.add_parser("demo-data", help="fill the database with realistic demo proposals and decisions")
    p.add_argument("--n", type=int, default=300, help="how many proposals (default 300)")
    p.add_argument("--seed", type=int, default=2027, help="the random seed (the same seed, the same proposals)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("rescreen", help="re-screen proposals under the active policy")
    p.add_argument("--all", action="store_true", help="every undecided (screened or returned) proposal")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rescreen)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, PolicyError) as exc:
        print(f"vagval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - one line for a person at a terminal, not a stack trace
        from sqlalchemy.exc import OperationalError

        if not isinstance(exc, OperationalError):
            raise
        url = _database_url_for_humans()
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        print(f"vagval: database{url}: {reason}", file=sys.stderr)
        return EXIT_ERROR


def _database_url_for_humans() -> str:
    try:
        from sqlalchemy.engine import make_url

        from app.settings import Settings

        return f" {make_url(Settings().database_url).render_as_string(hide_password=True)}"
    except Exception:  # noqa: BLE001
        return ""


if __name__ == "__main__":
    sys.exit(main())
