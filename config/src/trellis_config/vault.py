"""The optional Vault-compatible secrets backend (Vault, OpenBao), KV version 2.

Secrets for an application live at ``{mount}/{application}``,
``{mount}/{application},{profile}``, ``{mount}/application`` and
``{mount}/application,{profile}``; they take precedence over the files of the repository.
hvac is synchronous: the server calls :meth:`VaultBackend.read_sources` through
``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import hvac  # type: ignore[import-untyped]
import hvac.exceptions  # type: ignore[import-untyped]
import requests

from trellis_config.environment import PropertySource
from trellis_config.errors import VaultUnavailableError
from trellis_config.properties import flatten
from trellis_config.settings import ConfigServerSettings

__all__ = ["VaultBackend", "vault_paths"]

logger = logging.getLogger(__name__)


def vault_paths(application: str, profiles: Sequence[str]) -> list[str]:
    """The KV paths for an application and profiles, highest precedence first.

    Args:
        application: e.g. ``"router"``.
        profiles: e.g. ``["dev", "eu"]`` (a later profile wins).

    Returns:
        e.g. ``["router,eu", "router,dev", "router", "application,eu", "application,dev",
        "application"]``.

    Spec: Spring Cloud Config Server, Vault backend (``{application},{profile}`` paths).
    """
    paths: list[str] = []
    for base in (application, "application"):
        paths.extend(f"{base},{profile}" for profile in reversed(profiles))
        paths.append(base)
    return list(dict.fromkeys(paths))


class VaultBackend:
    """Reads property sources from a KV v2 secrets engine.

    Args:
        url: the server's base URL, e.g. ``http://127.0.0.1:8200``.
        token: the token to read with.
        mount: the KV v2 mount point (``secret``).
        timeout_seconds: limit of one request.
    """

    def __init__(
        self, url: str, token: str | None, mount: str = "secret", timeout_seconds: float = 5.0
    ) -> None:
        self.url = url
        self.mount = mount
        self._token = token
        self._timeout_seconds = timeout_seconds

    @classmethod
    def from_settings(cls, settings: ConfigServerSettings) -> VaultBackend | None:
        """Build the backend when ``vault_url`` is set.

        Args:
            settings: the server settings.

        Returns:
            The backend, or None when Vault is not configured.
        """
        if not settings.vault_url:
            return None
        token = settings.vault_token.get_secret_value() if settings.vault_token else None
        return cls(
            settings.vault_url, token, settings.vault_kv_mount, settings.vault_timeout_seconds
        )

    def read_sources(self, application: str, profiles: Sequence[str]) -> list[PropertySource]:
        """Read the secrets of an application and profiles.

        Args:
            application: the application name.
            profiles: the active profiles.

        Returns:
            One property source per existing path (named ``vault:{path}``), highest
            precedence first; missing or deleted paths are skipped.

        Raises:
            VaultUnavailableError: the server cannot be reached, refuses the token, or
                answers an error.
        """
        client = hvac.Client(url=self.url, token=self._token, timeout=self._timeout_seconds)
        try:
            sources: list[PropertySource] = []
            for path in vault_paths(application, profiles):
                data = self._read(client, path)
                if data is not None:
                    sources.append(PropertySource(name=f"vault:{path}", source=flatten(data)))
            return sources
        finally:
            client.adapter.close()

    def _read(self, client: hvac.Client, path: str) -> dict[str, object] | None:
        try:
            response = client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath:
            return None
        except hvac.exceptions.VaultError as exc:
            raise VaultUnavailableError(
                f"Vault at {self.url} refused reading {self.mount}/{path}: {exc}"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise VaultUnavailableError(f"Vault at {self.url} is unreachable: {exc}") from None
        data = response.get("data", {}).get("data") if isinstance(response, dict) else None
        if not isinstance(data, dict):
            raise VaultUnavailableError(f"Vault answered no KV v2 data for {self.mount}/{path}")
        return data
