"""``trellis-config``: serve, encrypt, decrypt, keygen.

Examples:
    ``trellis-config serve --port 8888 --repository var/config-repo``
    ``TRELLIS_CONFIG_SERVER_ENCRYPT_KEY=… trellis-config encrypt 's3cret'`` → ``{cipher}gAAAA…``
    ``trellis-config keygen --key-file var/config.key``
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from pydantic import ValidationError

from trellis_config.cipher import CIPHER_PREFIX, Cipher, generate_key, write_key_file
from trellis_config.errors import (
    CipherError,
    ConfigServerError,
    EncryptionKeyMissingError,
)
from trellis_config.server import create_app
from trellis_config.settings import ConfigServerSettings

__all__ = ["app", "main"]

app = typer.Typer(
    name="trellis-config",
    help="Trellis config server: YAML in git, profiles, {cipher} secrets, live refresh.",
    no_args_is_help=True,
    add_completion=False,
)


class SourceKind(enum.StrEnum):
    """Where configuration files are read from."""

    git = "git"
    directory = "directory"


def _settings(**values: Any) -> ConfigServerSettings:
    try:
        return ConfigServerSettings(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        typer.echo(f"invalid settings: {exc}", err=True)
        raise typer.Exit(2) from None


def _cipher(key_file: Path | None) -> Cipher:
    settings = _settings(encrypt_key_file=key_file)
    try:
        cipher = Cipher.from_settings(settings)
    except ConfigServerError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    if cipher is None:
        typer.echo(
            str(
                EncryptionKeyMissingError(
                    "no key: set TRELLIS_CONFIG_SERVER_ENCRYPT_KEY or pass --key-file"
                )
            ),
            err=True,
        )
        raise typer.Exit(1)
    return cipher


KeyFileOption = Annotated[
    Path | None,
    typer.Option("--key-file", help="File with Fernet key(s), newest first (mode 0600)."),
]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (8888).")] = None,
    repository: Annotated[
        Path | None, typer.Option(help="Git repository or folder (var/config-repo).")
    ] = None,
    source: Annotated[SourceKind | None, typer.Option(help="git or directory (git).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the config server (settings also from TRELLIS_CONFIG_SERVER_* variables)."""
    settings = _settings(
        host=host,
        port=port,
        repository=repository,
        source=source.value if source is not None else None,
    )
    try:
        application = create_app(settings)
    except ConfigServerError as exc:
        typer.echo(f"cannot start: {exc}", err=True)
        raise typer.Exit(1) from None
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        ws="none",
        timeout_graceful_shutdown=5,
    )


@app.command()
def encrypt(
    text: Annotated[str, typer.Argument(help="The plaintext; '-' reads standard input.")],
    key_file: KeyFileOption = None,
) -> None:
    """Encrypt a value; prints '{cipher}…' ready to paste into a YAML file (quoted)."""
    plaintext = sys.stdin.read().rstrip("\n") if text == "-" else text
    typer.echo(CIPHER_PREFIX + _cipher(key_file).encrypt(plaintext))


@app.command()
def decrypt(
    token: Annotated[str, typer.Argument(help="A token, with or without '{cipher}'.")],
    key_file: KeyFileOption = None,
) -> None:
    """Decrypt a value (exit 1 when no configured key fits)."""
    try:
        typer.echo(_cipher(key_file).decrypt(token))
    except CipherError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@app.command()
def keygen(
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Write the key to this file (mode 0600)."),
    ] = None,
    rotate: Annotated[
        bool, typer.Option(help="The key file exists: put the new key in front of its keys.")
    ] = False,
) -> None:
    """Print a new Fernet key, or write it to a key file with mode 0600."""
    key = generate_key()
    if key_file is None:
        typer.echo(key)
        return
    try:
        write_key_file(key_file, key, rotate=rotate)
    except (ConfigServerError, OSError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote a new key to {key_file}")


def main() -> None:
    """Entry point of the ``trellis-config`` console script."""
    app()
