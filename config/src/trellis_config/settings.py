"""Settings of the config server (pydantic-settings, env prefix ``TRELLIS_CONFIG_SERVER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ConfigServerSettings", "find_defaults_path"]


def find_defaults_path() -> Path:
    """Locate the ``config/defaults/`` folder that seeds a new repository.

    Looks next to the package in a source checkout (``config/src/trellis_config`` →
    ``config/defaults``), then at ``config/defaults`` under the working directory (an installed
    wheel run from the checkout root). The setting ``defaults_path`` overrides this.

    Returns:
        The first candidate that is a directory, else the package-relative candidate (so the
        error names the expected place).
    """
    package_relative = Path(__file__).resolve().parents[2] / "defaults"
    for candidate in (package_relative, Path.cwd() / "config" / "defaults"):
        if candidate.is_dir():
            return candidate
    return package_relative


class ConfigServerSettings(BaseSettings):
    """How ``trellis-config serve`` runs.

    Every field can be set from the environment, e.g. ``TRELLIS_CONFIG_SERVER_PORT=9888`` or
    ``TRELLIS_CONFIG_SERVER_ENCRYPT_KEY=<newest key>,<older key>``.
    """

    model_config = SettingsConfigDict(env_prefix="TRELLIS_CONFIG_SERVER_", extra="forbid")

    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    port: int = Field(default=8888, ge=0, le=65535, description="TCP port of the HTTP server.")
    repository: Path = Field(
        default=Path("var/config-repo"),
        description=(
            "The configuration repository: a git repository (source=git; created from "
            "defaults_path on first start when missing) or a folder of YAML files "
            "(source=directory)."
        ),
    )
    source: Literal["git", "directory"] = Field(
        default="git",
        description=(
            "git: files are read from the git object store at the label's commit (branch, tag "
            "or commit sha). directory: files are read from the folder itself and the only "
            "label accepted is default_label (others answer 404)."
        ),
    )
    default_label: str = Field(
        default="main",
        description="Label served when a request names none (the branch a new repository gets).",
    )
    defaults_path: Path = Field(
        default_factory=find_defaults_path,
        description=(
            "Folder whose *.yml / *.yaml files seed a new git repository "
            "(default: config/defaults of this checkout)."
        ),
    )
    encrypt_key: SecretStr | None = Field(
        default=None,
        description=(
            "Fernet key(s) for {cipher} values, comma-separated, newest first: the first "
            "encrypts, every key decrypts (rotation)."
        ),
    )
    encrypt_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding Fernet key(s), newest first (one a line or comma-separated); must not "
            "be readable by group or others (mode 0600). Its keys follow encrypt_key's."
        ),
    )
    scan_interval_seconds: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Seconds between two checks of the repository for new commits or changed files "
            "(and of Vault, when configured); a change wakes the long polls."
        ),
    )
    max_wait_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Longest long poll a request may ask for with ?wait= (seconds).",
    )
    vault_url: str | None = Field(
        default=None,
        description="Base URL of a Vault-compatible server (Vault, OpenBao); set to enable it.",
    )
    vault_token: SecretStr | None = Field(
        default=None, description="Token the server reads Vault with."
    )
    vault_kv_mount: str = Field(
        default="secret", description="Mount point of the KV version 2 secrets engine."
    )
    vault_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Limit of one Vault request (seconds)."
    )

    @property
    def vault_enabled(self) -> bool:
        """Whether the Vault backend is configured (``vault_url`` is set and not empty)."""
        return bool(self.vault_url)
