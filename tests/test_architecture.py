"""app/screening is a pure engine: no web framework, no database, nothing from the rest of app."""

from __future__ import annotations

import ast
from pathlib import Path

import app.screening

ENGINE = Path(app.screening.__file__).parent
FORBIDDEN_TOP = {"fastapi", "starlette", "sqlmodel", "sqlalchemy", "alembic", "uvicorn", "httpx", "psycopg",
                 "requests", "urllib", "socket", "http", "sqlite3"}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_engine_imports_no_web_database_or_other_app_code():
    offenders = []
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN_TOP or (top == "app" and not (name == "app.screening" or name.startswith("app.screening."))):
                offenders.append(f"{path.relative_to(ENGINE.parent.parent)}: {name}")
    assert offenders == []


def test_the_check_itself_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from app.models import proposal\nimport sqlmodel\n")
    assert _imports(bad) == ["app.models", "sqlmodel"]


CLIENT = ENGINE.parent / "client"
CLI = ENGINE.parent / "cli"
SERVER = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "alembic", "uvicorn", "psycopg", "pydantic",
          "pydantic_settings", "app.screening", "app.services", "app.models", "app.routers", "app.main", "app.db",
          "app.settings", "app.errors", "app.deps")


def test_the_officers_client_imports_nothing_of_the_server():
    """app/client is built on httpx (and openpyxl for spreadsheets) and the standard library alone."""
    import sys

    allowed = set(sys.stdlib_module_names) | {"httpx", "openpyxl", "__future__"}
    offenders = []
    files = sorted(CLIENT.rglob("*.py"))
    assert len(files) >= 5
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            if not (top in allowed or name == "app.client" or name.startswith("app.client.")):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_the_officers_commands_import_nothing_of_the_server():
    offenders = []
    for path in (CLI / "officers.py", CLI / "output.py", CLI / "render.py", CLI / "common.py", CLI / "__init__.py"):
        for name in _imports(path):
            if name.startswith(SERVER):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_loading_the_client_and_the_command_line_loads_no_server_module():
    """What a case officer's laptop runs: nothing of the server is imported (the operators' commands import it when
    they run)."""
    import subprocess
    import sys

    probe = ("import sys, app.client, app.client.template, app.client.submit, app.client.config, app.cli; "
             f"print(sorted(m for m in sys.modules if m.startswith({SERVER!r})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"
