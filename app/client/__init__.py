"""The officers' client of Vägval (SPEC §11): a typed Python API over HTTP, built on httpx alone.

It imports nothing of the server (a test enforces it), so it can be used from any script:

    from app.client import Client, ProblemError

    with Client("https://vagval.example", key) as vagval:
        stored = vagval.create(proposal)
        for item in vagval.proposals(status="screened"):
            ...
"""

from app.client.client import DEFAULT_URL, Client, ProblemError, Resource, Unreachable

__all__ = ["DEFAULT_URL", "Client", "ProblemError", "Resource", "Unreachable"]
