"""A running service for the officers' client and commands: `vagval serve` over a fresh SQLite file, and keys for a
submitter of kommunstaben, one of another department, an officer and a viewer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import make_key, serve, server_env


@dataclass
class Live:
    url: str
    submitter: str
    other_submitter: str
    officer: str
    viewer: str
    folder: Path

    def env(self, key: str | None = None, **extra: str) -> dict[str, str]:
        """The environment an officer's shell has: the URL and the key, and no server settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("VAGVAL_")}
        env |= {"VAGVAL_URL": self.url, "VAGVAL_API_KEY": key or self.submitter,
                "VAGVAL_CONFIG": str(self.folder / "no-such-config.toml"), "COLUMNS": "200"}
        return env | extra


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("officers")
    env = server_env(folder)
    keys = {
        "submitter": make_key(env, "submitter", "Anna på kommunstaben", "kommunstaben"),
        "other_submitter": make_key(env, "submitter", "Bo på kultur", "kultur-och-fritidsforvaltningen"),
        "officer": make_key(env, "officer", "Handläggare Cecilia"),
        "viewer": make_key(env, "viewer", "Styrgruppen"),
    }
    with serve(env, folder) as url:
        yield Live(url=url, folder=folder, **keys)
