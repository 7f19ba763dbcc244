"""Errors of the config server and its client.

Hierarchy::

    TrellisConfigError
    ├── ConfigServerError              cannot start or serve (bad setting, bad repository)
    │   ├── LabelNotFoundError         a label names no branch, tag or commit (HTTP 404)
    │   ├── ConfigSourceError          a YAML file cannot be read as properties (HTTP 500)
    │   ├── VaultUnavailableError      the Vault backend cannot be read (HTTP 503)
    │   └── KeyFileError               the key file is missing, unreadable or not private (0600)
    ├── CipherError
    │   ├── EncryptionKeyMissingError  no key is configured (HTTP 404 on /encrypt, /decrypt)
    │   └── InvalidCipherError         a token cannot be decrypted (HTTP 400 on /decrypt)
    └── ConfigUnavailableError         client side: transport error, non-2xx answer, bad body
"""

from __future__ import annotations

__all__ = [
    "CipherError",
    "ConfigServerError",
    "ConfigSourceError",
    "ConfigUnavailableError",
    "EncryptionKeyMissingError",
    "InvalidCipherError",
    "KeyFileError",
    "LabelNotFoundError",
    "TrellisConfigError",
    "VaultUnavailableError",
]


class TrellisConfigError(Exception):
    """Base class of every error this package raises."""


class ConfigServerError(TrellisConfigError):
    """The config server cannot start or cannot serve a request."""


class LabelNotFoundError(ConfigServerError):
    """A label names no branch, tag or commit of the repository (HTTP 404)."""


class ConfigSourceError(ConfigServerError):
    """A configuration file cannot be read as properties (invalid YAML, not a mapping)."""


class VaultUnavailableError(ConfigServerError):
    """The Vault-compatible backend is configured but cannot be read (HTTP 503)."""


class KeyFileError(ConfigServerError):
    """The encryption key file is missing, unreadable, malformed or readable by others."""


class CipherError(TrellisConfigError):
    """Base class of encryption and decryption errors."""


class EncryptionKeyMissingError(CipherError):
    """No encryption key is configured (Spring answers 404 on ``/encrypt`` then)."""


class InvalidCipherError(CipherError):
    """A ``{cipher}`` token cannot be decrypted with any configured key (wrong key, corrupt)."""


class ConfigUnavailableError(TrellisConfigError):
    """The client could not get an environment from the config server.

    Raised on transport errors (refused, timeout), on any answer other than 200 (or 304 for a
    long poll), and on a body that is not a Spring Cloud Config environment.

    Attributes:
        status_code: the HTTP status of the answer, or None when there was no answer.
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
