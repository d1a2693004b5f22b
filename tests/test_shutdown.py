"""Graceful shutdown (SPEC §10): on SIGTERM `vagval serve` stops taking connections, lets the requests in flight
finish, runs a last checkpoint that leaves the SQLite write-ahead log empty, and ends as a process ended by SIGTERM
(uvicorn raises the signal again once it has shut down cleanly, so the exit status says why it stopped)."""

from __future__ import annotations

import json
import signal
import subprocess
import threading

import httpx

from tests.live import EXAMPLES, VAGVAL, free_port, make_key, server_env, wait_until_healthy


def test_sigterm_lets_the_batch_in_flight_finish_then_exits_with_an_empty_log(tmp_path):
    env = server_env(tmp_path)
    key = make_key(env, "submitter", "Shutdown", "kommunstaben")
    body = json.loads((EXAMPLES / "kemi-school-exchange.json").read_text(encoding="utf-8")) | {
        "department": "kommunstaben"}
    batch = {"proposals": [body | {"title": f"Item {n}", "external_ref": f"S-{n}"} for n in range(3000)]}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(VAGVAL), "serve", "--port", str(port)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(url, server, log)
        answer = {}

        def post() -> None:
            answer["r"] = httpx.post(f"{url}/v1/proposals/batch", json=batch, timeout=120,
                                     headers={"Authorization": f"Bearer {key}"})

        sender = threading.Thread(target=post)
        sender.start()
        sender.join(0.5)  # sent, and being worked on: 3,000 screenings and inserts take longer than this
        started = sender.is_alive()
        server.send_signal(signal.SIGTERM)
        sender.join(120)
        assert server.wait(60) == -signal.SIGTERM
    finally:
        if server.poll() is None:
            server.kill()
    assert started
    assert answer["r"].status_code == 200, answer["r"].text
    assert answer["r"].json()["created"] == 3000  # the request in flight finished
    wal = tmp_path / "x.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/v1/proposals/batch" and line.get("status") == 200 for line in lines)
    assert [line["message"] for line in lines][-3:] == ["Waiting for application shutdown.",
                                                        "Application shutdown complete.",
                                                        f"Finished server process [{server.pid}]"]
