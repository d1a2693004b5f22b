"""The commands in a real terminal, as a person sees them (SPEC §11): `vagval submit` under tmux draws a progress bar on
stderr and a readable table; `proposals list` a table. Read back with tmux capture-pane."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
import uuid

import pytest

from tests.live import EXAMPLES, VAGVAL, make_key, server_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True, timeout=30).stdout


def run_in_terminal(session: str, env: dict[str, str], command: str, timeout: float = 60) -> str:
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith("VAGVAL_"))
    marker = uuid.uuid4().hex[:8]  # this command's own: the screen may still show the last one's until `clear` ran
    tmux("send-keys", "-t", session, f'clear; env {exports} {command}; echo "EXIT-{marker}""=$?"', "Enter")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session, "-S", "-200")
        found = re.search(rf"^EXIT-{marker}=(\d+)$", screen, re.MULTILINE)
        if found:
            return screen.replace(f"EXIT-{marker}=", "EXIT=")
        time.sleep(0.2)
    raise AssertionError(f"{command} did not finish in {timeout} s:\n{screen}")


@pytest.fixture
def terminal():
    session = f"vagval-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50")
    try:
        yield session
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, timeout=30)


def test_submit_in_a_terminal_shows_a_progress_bar_and_a_table(live, tmp_path, terminal):
    tag = f"TTY{uuid.uuid4().hex[:6]}"
    body = json.loads((EXAMPLES / "kemi-school-exchange.json").read_text(encoding="utf-8"))
    items = [body | {"title": f"{tag} {n}", "department": "kommunstaben", "external_ref": f"{tag}-{n}"}
             for n in range(3)]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(items, indent=2), encoding="utf-8")
    screen = run_in_terminal(terminal, live.env(), f"{VAGVAL} submit {plan}")
    assert "EXIT=0" in screen
    bar = next(line for line in screen.splitlines() if line.startswith("Submitting plan.json"))
    assert "━" in bar and "3/3" in bar  # Rich's bar, drawn on stderr, complete
    assert "┃ line" in screen or "│ line" in screen  # a drawn table, not tab-separated text
    assert f"{tag} 0" in screen and "\t" not in screen
    assert "3 stored, 0 refused" in screen

    listing = run_in_terminal(terminal, live.env(), f"{VAGVAL} proposals list --q {tag}")
    assert "EXIT=0" in listing and "3 proposals" in listing
    assert any("│" in line and f"{tag} 2" in line for line in listing.splitlines())


def test_keys_list_in_an_80_column_terminal_wraps_long_names_inside_aligned_borders(tmp_path):
    env = server_env(tmp_path)
    long_name = "Ärendesystemet för kommunstabens internationella resor och projekt, version två."
    assert len(long_name) == 80
    make_key(env, "submitter", long_name, "kommunstaben")
    make_key(env, "officer", "Handläggare Cecilia")
    session = f"vagval-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "50")
    try:
        screen = run_in_terminal(session, env, f"{VAGVAL} keys list")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, timeout=30)
    assert "EXIT=0" in screen and "\t" not in screen
    table = [line.rstrip() for line in screen.splitlines() if line and line[0] in "┏┃┡│├└"]
    assert {len(line) for line in table} == {80}
    assert len({tuple(i for i, ch in enumerate(line) if ch in "┏┳┓┃┡╇┩│├┼┤└┴┘") for line in table}) == 1
    client = [line.split("│")[2].strip() for line in table if line.startswith("│")]
    assert " ".join(c for c in client if c).startswith(long_name + " submitter, kommunstaben Handläggare Cecilia")
