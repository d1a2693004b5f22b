"""Errors the engine raises for a proposal it cannot screen."""


class ProposalError(ValueError):
    """A proposal that is well-formed but cannot be screened under the policy; `field` names where."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)
