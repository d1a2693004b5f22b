"""The real service for tests that talk to it over a socket: `vagval serve` in a subprocess on a free port over a
fresh SQLite file, with keys made by `vagval keys create` (the browser tests, the officers' client and commands)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
VAGVAL = Path(sys.executable).with_name("vagval")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([str(VAGVAL), *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"vagval {' '.join(args)} failed ({done.returncode}): {done.stderr}"
    return json.loads(done.stdout)


def make_key(env: dict[str, str], role: str, name: str, department: str | None = None) -> str:
    args = ["keys", "create", "--role", role, "--name", name, "--json"]
    return cli(env, *args, *(["--department", department] if department else []))["key"]


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vagval serve exited with {process.returncode}:\n{log.read_text()[-4000:]}", pytrace=False)
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"vagval serve did not answer /healthz within {timeout} s:\n{log.read_text()[-4000:]}", pytrace=False)


def server_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAGVAL_")}
    return env | {"VAGVAL_DATABASE_URL": f"sqlite:///{folder / 'x.db'}", "VAGVAL_RATE_LIMIT_PER_MINUTE": "0"}


@contextmanager
def serve(env: dict[str, str], folder: Path) -> Iterator[str]:
    """`vagval serve` on a free port until the block ends; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(VAGVAL), "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--no-access-log"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
