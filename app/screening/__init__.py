"""The screening engine: pure, no web or database. screen(proposal, policy) -> Screening."""

# 1.3: airport names keep their towns' letters (Luleå Airport, not Lulea Airport)
# 1.2: SPEC §4 precedence (the score before conditions), business-class advice, the places of the north
ENGINE_VERSION = "1.3.0"

from app.screening.engine import screen  # noqa: E402
from app.screening.errors import ProposalError  # noqa: E402
from app.screening.places import UnknownPlaceError  # noqa: E402
from app.screening.policy import Policy, PolicyError, default_policy, load_policy  # noqa: E402
from app.screening.proposal import Proposal  # noqa: E402
from app.screening.result import Screening  # noqa: E402

__all__ = [
    "ENGINE_VERSION", "Policy", "PolicyError", "Proposal", "ProposalError", "Screening", "UnknownPlaceError",
    "default_policy", "load_policy", "screen",
]
