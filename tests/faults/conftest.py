"""Fault tests: the real server (`vagval serve` in a subprocess, as `tests.live.serve` runs it) killed with SIGKILL, its
PostgreSQL stopped and started under it, and the same requests sent many times at once. Shared here: servers that
can be killed and restarted on one database, a throwaway PostgreSQL cluster of its own on a free port, proposals
with a unique tag, a poster that retries until 201 (obeying Retry-After on 409 and 503, within a deadline) and a
count of the stored proposals by tag. Every test's counts are printed, and listed again at the end of the run."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import EXAMPLES, VAGVAL, free_port, server_env, wait_until_healthy

# generous: no request of these tests should take more than a fraction of this, even on a busy 2-core machine
CLIENT_TIMEOUT = 30.0
BASE_PROPOSAL = json.loads((EXAMPLES / "kemi-school-exchange.json").read_text(encoding="utf-8"))


def fault_env(folder: Path, lease_seconds: float | None = None, **extra: str) -> dict[str, str]:
    """`tests.live.server_env` (an SQLite file in the folder) with the per-key rate limit off (these tests send
    far more than a person does) and, when given, a short idempotency lease."""
    env = server_env(folder) | {"VAGVAL_RATE_LIMIT_PER_MINUTE": "0"}
    if lease_seconds is not None:
        env["VAGVAL_IDEMPOTENCY_LEASE_SECONDS"] = str(lease_seconds)
    return env | extra


# --- the server -------------------------------------------------------------------------------------------------


@dataclass
class Server:
    """One `vagval serve` process (the command line of `tests.live.serve`), on a free port."""

    process: subprocess.Popen
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last checkpoint, requests cut wherever they are."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=15)

    def stop(self) -> None:
        """As `tests.live.serve` ends: SIGTERM, then SIGKILL if it does not exit."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


class Servers:
    """Starts servers with a given environment (and so database); every one still running is stopped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[Server] = []

    def start(self, env: dict[str, str], *args: str) -> Server:
        """A server with the environment, and further `vagval serve` options (`--workers 2`)."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = self.folder / f"server-{len(self.started) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([str(VAGVAL), "serve", "--host", "127.0.0.1", "--port", str(port),
                                        "--no-access-log", *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        server = Server(process, url, log)
        self.started.append(server)
        wait_until_healthy(url, process, log)
        return server

    def close(self) -> None:
        for server in self.started:
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - stop the others all the same
                server.process.kill()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    launched = Servers(tmp_path)
    try:
        yield launched
    finally:
        launched.close()


def server_log(server: Server, chars: int = 4000) -> str:
    try:
        return server.log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


# --- a throwaway PostgreSQL cluster -----------------------------------------------------------------------------


def _version_key(path: str) -> tuple:
    version = Path(path).parent.parent.name  # /usr/lib/postgresql/<version>/bin/pg_ctl
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def find_pg_bin() -> Path | None:
    """The directory of initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else the PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key, reverse=True)
    for pg_ctl in candidates:
        folder = Path(pg_ctl).parent
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    return None


PG_BIN = find_pg_bin()
NO_PG_REASON = "PostgreSQL server programs (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on PATH"


@dataclass
class PgCluster:
    """A cluster in a temporary directory, on 127.0.0.1 at a free port, trust authentication, user postgres."""

    bin: Path
    folder: Path
    port: int
    as_owner: Callable[[list[str]], list[str]]  # a command line run as the cluster's owner (itself unless root)
    running: bool = False

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def run(self, program: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.as_owner([str(self.bin / program), *args]), capture_output=True, text=True,
                              timeout=timeout, check=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                   "-c fsync=off -c max_connections=100")
        done = self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
                        "start")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed ({done.returncode}): {done.stderr}{done.stdout}\n"
                               f"{self.log_tail()}")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        done = self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed ({done.returncode}): {done.stderr}{done.stdout}")
        self.running = False

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=30) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _as_owner() -> tuple[Callable[[list[str]], list[str]], int | None, int | None]:
    """initdb refuses root: as root, run the cluster's programs as the `postgres` OS user (runuser, else su)."""
    if os.geteuid() != 0:
        return (lambda command: command), None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no `postgres` OS user to own the cluster (initdb refuses root)")
    runuser, su = shutil.which("runuser"), shutil.which("su")
    if runuser:
        return (lambda command: [runuser, "-u", "postgres", "--", *command]), user.pw_uid, user.pw_gid
    if su:
        return (lambda command: [su, "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]), user.pw_uid, user.pw_gid
    pytest.skip("running as root with neither runuser nor su to run initdb as the `postgres` user")


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    """A fresh cluster (initdb -A trust -U postgres), started; stopped and deleted at the end."""
    if PG_BIN is None:
        pytest.skip(NO_PG_REASON)
    as_owner, uid, gid = _as_owner()
    # not under pytest's tmp_path: its parents are private to root, and the cluster's owner must reach the folder
    folder = Path(tempfile.mkdtemp(prefix="vagval-faults-pg-"))
    cluster = PgCluster(PG_BIN, folder, free_port(), as_owner)
    try:
        if uid is not None:
            os.chown(folder, uid, gid)
        done = cluster.run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                           "--locale=C", "--no-sync")
        if done.returncode != 0:
            pytest.skip(f"initdb cannot be run here ({done.returncode}): {(done.stderr or done.stdout).strip()[:500]}")
        try:
            cluster.start()
        except RuntimeError as exc:
            pytest.skip(f"pg_ctl cannot start a cluster here: {str(exc)[:800]}")
        yield cluster
    finally:
        if cluster.data.exists():
            cluster.run("pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "-t", "60", "stop")
        shutil.rmtree(folder, ignore_errors=True)


# --- proposals, posting until created, counting ------------------------------------------------------------------


def new_tag(prefix: str) -> str:
    """A word found by `q=` in titles and references, and in no other test's data."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def proposal_body(tag: str, label: str) -> dict[str, Any]:
    """The Kemi example for kommunstaben with a unique title and external_ref."""
    body = json.loads(json.dumps(BASE_PROPOSAL))
    body["department"] = "kommunstaben"
    body["title"] = f"Elevutbyte Kemi {tag} {label}"
    body["external_ref"] = f"{tag}-{label}"
    return body


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Answer:
    status: int | None  # None: no answer (a transport error or a timeout)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    error: str | None = None
    sent: float = 0.0
    received: float = 0.0

    @property
    def replayed(self) -> bool:
        return self.headers.get("idempotent-replayed") == "true"

    @property
    def id(self) -> str | None:
        return self.body.get("id") if isinstance(self.body, dict) else None

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        return f"{self.status} {self.headers.get('content-type')} Retry-After={self.headers.get('retry-after')} " \
               f"{json.dumps(self.body)[:300] if self.body is not None else ''}"


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> Answer:
    """One request; its answer, or what kept it from having one."""
    sent = time.monotonic()
    try:
        r = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}", sent=sent, received=time.monotonic())
    try:
        body = r.json()
    except ValueError:
        body = r.text[:500]
    return Answer(r.status_code, {k.lower(): v for k, v in r.headers.items()}, body, sent=sent,
                  received=time.monotonic())


def retry_after(answer: Answer) -> float | None:
    value = answer.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Stuck(AssertionError):
    """A request that never got its 201 within the deadline, or got an answer no retry can mend."""


def post_until_created(client: httpx.Client, url: str, key: str, idempotency_key: str, body: dict[str, Any],
                       deadline: float, on_answer: Callable[[Answer], None] | None = None) -> list[Answer]:
    """POST /v1/proposals until 201, obeying Retry-After on 409 and 503 (nothing else is retried); every answer,
    the 201 last. Raises Stuck past the deadline (time.monotonic()) or on any other answer."""
    answers: list[Answer] = []
    headers = {**bearer(key), "Idempotency-Key": idempotency_key}
    while True:
        answer = send(client, "POST", url + "/v1/proposals", json=body, headers=headers)
        answers.append(answer)
        if on_answer is not None:
            on_answer(answer)
        if answer.status == 201:
            return answers
        wait = retry_after(answer)
        if answer.status not in (409, 503) or wait is None:
            raise Stuck(f"Idempotency-Key {idempotency_key}: {answer.describe()} (after {len(answers)} attempts)")
        if time.monotonic() + wait > deadline:
            raise Stuck(f"Idempotency-Key {idempotency_key} still not created at the deadline after {len(answers)} "
                        f"attempts; last: {answer.describe()}")
        time.sleep(wait)


def listed_ids(client: httpx.Client, url: str, key: str, tag: str) -> list[str]:
    """The ids of every proposal whose title or reference holds the tag, page by page (limit 200, next_cursor)."""
    ids: list[str] = []
    params: dict[str, Any] = {"q": tag, "limit": 200}
    while True:
        r = client.get(url + "/v1/proposals", params=params, headers=bearer(key))
        assert r.status_code == 200, f"GET /v1/proposals?q={tag}: {r.status_code} {r.text[:500]}"
        page = r.json()
        ids += [item["id"] for item in page["items"]]
        if not page.get("next_cursor"):
            return ids
        params = {"q": tag, "limit": 200, "cursor": page["next_cursor"]}


def resend_all(url: str, key: str, requests: list[dict[str, Any]], deadline: float,
               threads: int) -> tuple[dict[str, list[Answer]], list[str]]:
    """Every request ({"key", "body"}) sent again with its Idempotency-Key until 201, from `threads` threads: each
    key's answers, and the keys that stayed stuck or were refused."""
    final: dict[str, list[Answer]] = {}
    failures: list[str] = []
    queue = list(requests)
    lock = threading.Lock()

    def resend(_: int) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    request = queue.pop()
                try:
                    answers = post_until_created(client, url, key, request["key"], request["body"], deadline)
                except Stuck as exc:
                    with lock:
                        failures.append(str(exc))
                    continue
                with lock:
                    final[request["key"]] = answers

    errors = run_threads(threads, resend)
    assert errors == [], errors
    return final, failures


def run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    """Run target(i) in `count` threads; the exceptions they raised (empty when none did)."""
    errors: list[BaseException] = []
    lock = threading.Lock()

    def wrapped(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


# --- the counts of every test -------------------------------------------------------------------------------------

REPORTED: list[tuple[str, dict[str, Any]]] = []


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], None]:
    """Print a test's counts (seen with -s) and keep them for the summary at the end of the run."""

    def record(counts: dict[str, Any]) -> None:
        REPORTED.append((request.node.name, counts))
        print(f"\n{request.node.name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORTED:
        return
    terminalreporter.section("fault test counts")
    for name, counts in REPORTED:
        terminalreporter.write_line(f"{name}:")
        for k, v in counts.items():
            terminalreporter.write_line(f"    {k}: {v}")
