"""The `vagval` command line (SPEC §11).

The operators' commands work on the server's database (`serve`, `keys`, `rescreen`, `demo-data`, the offline
`screen`); the officers' commands talk to a running service through `app.client` (`template`, `submit`,
`proposals`, `decide`, `stats`, `report`, `screen --remote`).

Exit codes: 0 success; 1 failure (for `submit`: some rows refused); 2 bad usage or invalid input (the message names
the problem and, for files, the line and column); 3 authentication or permission (401/403); 4 the service
unreachable or unavailable after retries.
"""

from __future__ import annotations

import sys

import click

from app.cli import officers, operators
from app.cli.common import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    Failure,
    InputError,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="vagval", prog_name="vagval")
def cli() -> None:
    """Vägval: sustainability screening of international work."""


for command in operators.COMMANDS + officers.COMMANDS:
    cli.add_command(command)


def exit_code(status: int | None) -> int:
    """The exit code of SPEC §11 for an HTTP status the service answered (None: no answer)."""
    if status is None or status in (429, 502, 503, 504):
        return EXIT_UNREACHABLE
    if status in (401, 403):
        return EXIT_AUTH
    if status in (400, 404, 405, 406, 413, 414, 415, 422, 428):
        return EXIT_USAGE
    return EXIT_ERROR


def _problem_message(exc) -> str:  # noqa: ANN001 - app.client.ProblemError
    text = f"{exc.status} {exc.title}: {exc.detail}" if exc.status else f"{exc.title}: {exc.detail}"
    details = [f"  {e.get('field')}: {e.get('message')}" for e in exc.errors
               if e.get("field") and f"{e.get('field')}: {e.get('message')}" not in exc.detail]
    if exc.status is None or exc.status in (429, 503):
        text += " (gave up after retrying)"
    if exc.status == 401:
        text += " — check the key (VAGVAL_API_KEY, --key or the profile)"
    return "\n".join([text, *details])


def main(argv: list[str] | None = None) -> int:
    from app.client import ProblemError
    from app.client.config import ConfigError

    try:
        result = cli.main(args=argv, prog_name="vagval", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        print("vagval: aborted", file=sys.stderr)
        return EXIT_ERROR
    except (InputError, ConfigError) as exc:
        print(f"vagval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Failure as exc:
        print(f"vagval: {exc}", file=sys.stderr)
        return exc.code
    except ProblemError as exc:
        print(f"vagval: {_problem_message(exc)}", file=sys.stderr)
        return exit_code(exc.status)
    except Exception as exc:  # noqa: BLE001 - one line for a person at a terminal, not a stack trace
        return operators.server_side_failure(exc)
    return result if isinstance(result, int) else EXIT_OK


__all__ = ["EXIT_AUTH", "EXIT_ERROR", "EXIT_OK", "EXIT_UNREACHABLE", "EXIT_USAGE", "cli", "main"]

if __name__ == "__main__":
    sys.exit(main())
