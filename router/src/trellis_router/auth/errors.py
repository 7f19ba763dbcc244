"""Errors of the auth package.

Hierarchy::

    Exception
    ├── AuthenticationError   a token is present but not acceptable (HTTP 401, UNAUTHENTICATED)
    └── PolicyHookError       the configured policy hook cannot be loaded (a settings error)

Authorization never raises: unauthorized fields are removed and reported as GraphQL errors
(``UNAUTHORIZED_FIELD_OR_TYPE``), see :mod:`trellis_router.auth.authorize`.
"""

from __future__ import annotations

__all__ = ["AuthenticationError", "PolicyHookError"]


class AuthenticationError(Exception):
    """The request carries a token that is malformed, badly signed, expired or not for us.

    The message says why in words and never echoes the token. The router answers
    ``UNAUTHENTICATED`` with HTTP 401.

    Attributes:
        message: the reason, safe to show to the client.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyHookError(Exception):
    """``authorization.policy_hook`` does not name an importable callable (``'module:function'``).

    Attributes:
        message: what is wrong with the setting.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
