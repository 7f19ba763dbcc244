"""Trellis config server: ordered property sources per application and profile, from YAML in
a git repository, with ``{cipher}`` secrets and live refresh; and the client services use.

Server: :func:`create_app` with :class:`ConfigServerSettings` (``trellis-config serve``).
Client: :class:`ConfigClient`, :class:`LiveSettings`, :func:`client_from_env`.

The server names (``ConfigServer``, ``create_app``) are imported on first use, so a service
that only uses the client does not load FastAPI, dulwich and hvac.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trellis_config.cipher import Cipher
from trellis_config.client import (
    ConfigClient,
    ConfigServerSettingsSource,
    LiveSettings,
    client_from_env,
)
from trellis_config.environment import Environment, PropertySource
from trellis_config.errors import (
    CipherError,
    ConfigServerError,
    ConfigSourceError,
    ConfigUnavailableError,
    EncryptionKeyMissingError,
    InvalidCipherError,
    KeyFileError,
    LabelNotFoundError,
    TrellisConfigError,
    VaultUnavailableError,
)
from trellis_config.settings import ConfigServerSettings

if TYPE_CHECKING:
    from trellis_config.server import ConfigServer, create_app

__all__ = [
    "Cipher",
    "CipherError",
    "ConfigClient",
    "ConfigServer",
    "ConfigServerError",
    "ConfigServerSettings",
    "ConfigServerSettingsSource",
    "ConfigSourceError",
    "ConfigUnavailableError",
    "EncryptionKeyMissingError",
    "Environment",
    "InvalidCipherError",
    "KeyFileError",
    "LabelNotFoundError",
    "LiveSettings",
    "PropertySource",
    "TrellisConfigError",
    "VaultUnavailableError",
    "client_from_env",
    "create_app",
]


def __getattr__(name: str) -> Any:
    if name in ("ConfigServer", "create_app"):
        from trellis_config import server

        return getattr(server, name)
    raise AttributeError(f"module 'trellis_config' has no attribute {name!r}")
