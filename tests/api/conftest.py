"""The API under test: the app on a fresh database, and keys of every role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import create_app
from app.services.keys import create_client_key
from app.settings import Settings

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def make_key(client: TestClient) -> Callable[..., dict[str, str]]:
    """Headers with a new key of the role (and department, for submitters)."""
    counter = iter(range(1_000_000))

    def make(role: str = "submitter", department: str | None = None, name: str | None = None) -> dict[str, str]:
        if role == "submitter" and department is None:
            department = "kommunstaben"
        with Session(client.app.state.engine, expire_on_commit=False) as session:
            _, _, token = create_client_key(session, name=name or f"{role}-{department or 'all'}-{next(counter)}",
                                            role=role, department=department, actor="test")
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def submitter(make_key) -> dict[str, str]:
    return make_key("submitter", "kommunstaben")


@pytest.fixture
def officer(make_key) -> dict[str, str]:
    return make_key("officer")


@pytest.fixture
def admin(make_key) -> dict[str, str]:
    return make_key("admin")


@pytest.fixture
def viewer(make_key) -> dict[str, str]:
    return make_key("viewer")


async def answer_lifespan(receive: Callable, send: Callable) -> None:
    """Acknowledge an ASGI lifespan without running one (the test's TestClient runs the real app's lifespan)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def example(name: str, **changes: Any) -> dict[str, Any]:
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


def proposal(**changes: Any) -> dict[str, Any]:
    """The Arctic Mayors' Forum trip of kommunstaben, without an external_ref unless given."""
    data = example("arctic-mayors-forum-tromso")
    data.pop("external_ref")
    data.update(changes)
    return data
