"""Where the officers' commands find the service and the key (SPEC §11).

First what is given on the command line (`--url`, `--key`), then `VAGVAL_URL` / `VAGVAL_API_KEY`, then a profile in
`~/.config/vagval/config.toml` (`$XDG_CONFIG_HOME/vagval/config.toml`; `VAGVAL_CONFIG` names another file):

    [default]
    url = "https://vagval.lulea.se"
    key = "vgv_..."

    [test]
    url = "http://127.0.0.1:8000"
    key = "vgv_..."

`--profile NAME` (or `VAGVAL_PROFILE`) picks a section; without one, `[default]`. The URL defaults to
http://127.0.0.1:8000.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.client.client import DEFAULT_URL


class ConfigError(Exception):
    """A profile file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Connection:
    url: str
    key: str | None
    source: str  # where the key came from, for messages ("--key", "VAGVAL_API_KEY", "profile default in …")


def config_path() -> Path:
    if os.environ.get("VAGVAL_CONFIG"):
        return Path(os.environ["VAGVAL_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vagval" / "config.toml"


def _profile(name: str | None) -> tuple[dict[str, str], str]:
    path = config_path()
    if not path.is_file():
        if name:
            raise ConfigError(f"profile {name!r} asked for, but there is no profile file {path}")
        return {}, str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    wanted = name or "default"
    section = data.get(wanted)
    if section is None:
        if name:
            known = ", ".join(sorted(k for k, v in data.items() if isinstance(v, dict))) or "none"
            raise ConfigError(f"{path}: no profile [{name}] (profiles: {known})")
        return {}, str(path)
    if not isinstance(section, dict) or any(not isinstance(section.get(k, ""), str) for k in ("url", "key")):
        raise ConfigError(f"{path}: [{wanted}] holds url = \"...\" and key = \"...\" (text)")
    unknown = sorted(set(section) - {"url", "key"})
    if unknown:
        raise ConfigError(f"{path}: [{wanted}] has unknown setting {unknown[0]!r} (url and key are known)")
    return section, f"profile [{wanted}] in {path}"


def resolve(url: str | None = None, key: str | None = None, profile: str | None = None) -> Connection:
    """Flags first, then the environment, then the profile file; a profile named with --profile or VAGVAL_PROFILE
    comes before the environment (it was asked for)."""
    named = profile or os.environ.get("VAGVAL_PROFILE") or None
    section, where = _profile(named)
    env = [(os.environ.get("VAGVAL_URL"), os.environ.get("VAGVAL_API_KEY"), "VAGVAL_API_KEY")]
    layers = [(url, key, "--key")]
    layers += [(section.get("url"), section.get("key"), where)] + env if named else env + [
        (section.get("url"), section.get("key"), where)]
    chosen_url = next((u for u, _, _ in layers if u), DEFAULT_URL)
    chosen_key, source = next(((k, s) for _, k, s in layers if k), (None, ""))
    return Connection(url=chosen_url, key=chosen_key, source=source)
