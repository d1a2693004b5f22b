"""What every command shares: the exit codes of SPEC §11, the options, progress on stderr, and the connection."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_UNREACHABLE = 0, 1, 2, 3, 4


class InputError(Exception):
    """An input file or argument that cannot be used; the message names the problem (exit 2)."""


class Failure(Exception):
    """The work failed and the message says why (exit 1, or the code given)."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


json_option = click.option("--json", "as_json", is_flag=True, help="print exactly one JSON document")


def remote_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--url, --key and --profile: the service to talk to (else VAGVAL_URL, VAGVAL_API_KEY, the profile file)."""
    command = click.option("--profile", metavar="NAME", help="a profile of ~/.config/vagval/config.toml")(command)
    command = click.option("--key", metavar="KEY", help="the API key (default: VAGVAL_API_KEY or the profile)")(command)
    return click.option("--url", metavar="URL", help="the service (default: VAGVAL_URL or http://127.0.0.1:8000)")(
        command)


def connect(url: str | None, key: str | None, profile: str | None, *, language: str | None = None,
            need_key: bool = True):  # noqa: ANN201 - app.client.Client
    from app.client import Client
    from app.client.config import resolve

    connection = resolve(url, key, profile)
    if need_key and not connection.key:
        raise Failure("no API key: set VAGVAL_API_KEY, pass --key, or put key = \"...\" in a profile "
                      "(~/.config/vagval/config.toml)", EXIT_AUTH)
    return Client(connection.url, connection.key, language=language)


class ProgressBar:
    """Progress on stderr: a Rich bar at a terminal; piped, one line when the work ends (or where it stopped).

        with ProgressBar("Submitting plan.csv", total) as bar:
            bar.advance()
    """

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, total, 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        self.total = self.total if total is None else total
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=self.total)

    def advance(self, step: int = 1) -> None:
        self.update(self.done + step)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        else:
            stopped = "" if self.done >= self.total else " (stopped)"
            sys.stderr.write(f"{self.label}: {self.done}/{self.total}{stopped}\n")
            sys.stderr.flush()


def progress_bar(label: str) -> tuple[ProgressBar, Callable[[int, int], None]]:
    """A bar and a `progress(done, total)` callback for the services that report progress that way."""
    bar = ProgressBar(label, 0)
    return bar, bar.update
