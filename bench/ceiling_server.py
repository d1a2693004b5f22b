"""`vagval serve` with the screening engine and the serialisation of its answer made free: the ceiling of bench/api.py.

Used by `bench/api.py --ceiling`, never by the product. The first screening of a proposal is computed and serialised
as usual; every later screening of a proposal with the same title and start date (the bench posts one proposal) under the
same policy returns that result object,
and serialising that object returns the remembered JSON. Everything else is the real service: the framework, the
key lookup, body validation, the inserts and the commit. So the ratios this server gives are the best the API's
throughput targets can reach with this framework and storage, whatever the engine costs: a bound, not a result.
"""

from __future__ import annotations

import sys

from app.cli import main
from app.screening.result import Screening
from app.services import proposals

_results: dict[tuple[int, str], Screening] = {}
_json: dict[tuple[int, tuple], str] = {}
_real_screen = proposals.run_screen
_real_dump_json = Screening.model_dump_json


def _remembered_screen(proposal, policy, prefix=""):  # noqa: ANN001, ANN202
    key = (id(policy), proposal.title, proposal.start_date)  # cheap: the bench posts one proposal
    result = _results.get(key)
    if result is None:
        result = _results[key] = _real_screen(proposal, policy, prefix)
    return result


def _remembered_dump_json(self, **kwargs):  # noqa: ANN001, ANN003, ANN202
    key = (id(self), tuple(sorted(kwargs.items())))
    text = _json.get(key)
    if text is None:
        text = _json[key] = _real_dump_json(self, **kwargs)
    return text


proposals.run_screen = _remembered_screen
Screening.model_dump_json = _remembered_dump_json

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
