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
