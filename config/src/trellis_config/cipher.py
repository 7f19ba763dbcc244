"""``{cipher}`` values: Fernet encryption with key rotation (MultiFernet).

A property value ``"{cipher}<fernet token>"`` is decrypted by the server before it is served.
A value that cannot be decrypted is never served under its key: the key is replaced by
``invalid.<key>`` with the value ``"<n/a>"`` and the failure is logged (Spring's behaviour).

Keys are Fernet keys (32 url-safe base64 bytes), newest first: the newest encrypts, every key
decrypts, so a key is rotated by putting a new key in front and re-encrypting at leisure.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from trellis_config.errors import InvalidCipherError, KeyFileError
from trellis_config.settings import ConfigServerSettings

__all__ = [
    "CIPHER_PREFIX",
    "INVALID_PREFIX",
    "INVALID_VALUE",
    "Cipher",
    "decrypt_properties",
    "generate_key",
    "parse_keys",
    "read_key_file",
    "write_key_file",
]

logger = logging.getLogger(__name__)

CIPHER_PREFIX = "{cipher}"
"""Prefix of an encrypted property value. Spec: Spring Cloud Config, Encryption and Decryption."""
INVALID_PREFIX = "invalid."
"""Prefix the server gives a key whose value it could not decrypt."""
INVALID_VALUE = "<n/a>"
"""The value served under ``invalid.<key>``."""


class Cipher:
    """Encrypts and decrypts property values with one or more Fernet keys.

    Args:
        keys: Fernet keys, newest first (at least one).

    Raises:
        ValueError: no key, or a key that is not a valid Fernet key.

    Example:
        >>> cipher = Cipher([generate_key()])
        >>> cipher.decrypt(cipher.encrypt("s3cret"))
        's3cret'
    """

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"invalid Fernet key: {exc}") from None

    @classmethod
    def from_settings(cls, settings: ConfigServerSettings) -> Cipher | None:
        """Build the cipher from ``encrypt_key`` and ``encrypt_key_file``.

        Args:
            settings: the server settings.

        Returns:
            The cipher, or None when neither setting is given.

        Raises:
            KeyFileError: the key file is missing, readable by group or others, or holds an
                invalid key; or ``encrypt_key`` holds an invalid key.
        """
        keys: list[str] = []
        if settings.encrypt_key is not None:
            keys.extend(parse_keys(settings.encrypt_key.get_secret_value()))
        if settings.encrypt_key_file is not None:
            keys.extend(read_key_file(settings.encrypt_key_file))
        if not keys:
            return None
        try:
            return cls(keys)
        except ValueError as exc:
            raise KeyFileError(str(exc)) from None

    def encrypt(self, plaintext: str) -> str:
        """Encrypt with the newest key.

        Args:
            plaintext: the value to protect.

        Returns:
            The Fernet token (without the ``{cipher}`` prefix).
        """
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever key fits.

        Args:
            token: a Fernet token, with or without the ``{cipher}`` prefix.

        Returns:
            The plaintext.

        Raises:
            InvalidCipherError: no key decrypts the token, or it is corrupt or not UTF-8.
        """
        text = token.strip().removeprefix(CIPHER_PREFIX)
        try:
            return self._fernet.decrypt(text.encode()).decode()
        except (InvalidToken, ValueError, TypeError):
            raise InvalidCipherError(
                "the value cannot be decrypted with the configured keys"
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the newest key.

        Args:
            token: a Fernet token, with or without the ``{cipher}`` prefix.

        Returns:
            A token for the same plaintext under the newest key.

        Raises:
            InvalidCipherError: no key decrypts the token.
        """
        text = token.strip().removeprefix(CIPHER_PREFIX)
        try:
            return self._fernet.rotate(text.encode()).decode("ascii")
        except (InvalidToken, ValueError, TypeError):
            raise InvalidCipherError(
                "the value cannot be decrypted with the configured keys"
            ) from None


def parse_keys(text: str) -> list[str]:
    """Split a key list: commas, spaces or new lines between keys; ``#`` starts a comment line.

    Args:
        text: e.g. ``"<newest>,<older>"``.

    Returns:
        The keys, newest first.
    """
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [key for key in " ".join(lines).replace(",", " ").split() if key]


def read_key_file(path: Path) -> list[str]:
    """Read keys from a private key file.

    Args:
        path: the key file; it must not be readable, writable or executable by group or
            others (e.g. mode 0600 or 0400).

    Returns:
        The keys, newest first.

    Raises:
        KeyFileError: the file is missing or unreadable, too open, or holds no key.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyFileError(
                f"key file {path} has mode {mode:04o}; it must be private to its owner "
                f"(chmod 600 {path})"
            )
        keys = parse_keys(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    if not keys:
        raise KeyFileError(f"key file {path} holds no key")
    return keys


def generate_key() -> str:
    """A new random Fernet key.

    Returns:
        32 random bytes, url-safe base64 (44 characters).
    """
    return Fernet.generate_key().decode("ascii")


def write_key_file(path: Path, key: str, *, rotate: bool = False) -> None:
    """Write a key file with mode 0600.

    Args:
        path: the key file.
        key: the new key.
        rotate: when the file exists, put ``key`` in front of its keys (rotation) instead of
            refusing.

    Raises:
        KeyFileError: the file exists and ``rotate`` is false, or the existing file is not
            private.
        OSError: the file cannot be written.
    """
    keys = [key]
    if path.exists():
        if not rotate:
            raise KeyFileError(f"{path} exists; pass --rotate to add a new newest key")
        keys.extend(read_key_file(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(keys) + "\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def decrypt_properties(
    source_name: str, properties: Mapping[str, Any], cipher: Cipher | None
) -> dict[str, Any]:
    """Decrypt the ``{cipher}`` values of one property source.

    Args:
        source_name: the property source's name, for the log.
        properties: flat key → value.
        cipher: the configured cipher, or None when no key is configured.

    Returns:
        The properties with decrypted values; a value that cannot be decrypted is replaced by
        ``invalid.<key>: "<n/a>"`` (logged as an error, the value itself never logged).

    Spec: Spring Cloud Config, Encryption and Decryption (``invalid.`` keys).
    """
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if not (isinstance(value, str) and value.startswith(CIPHER_PREFIX)):
            out[key] = value
            continue
        if cipher is None:
            logger.error("cannot decrypt %s in %s: no encryption key configured", key, source_name)
            out[INVALID_PREFIX + key] = INVALID_VALUE
            continue
        try:
            out[key] = cipher.decrypt(value)
        except InvalidCipherError:
            logger.error("cannot decrypt %s in %s: no configured key fits", key, source_name)
            out[INVALID_PREFIX + key] = INVALID_VALUE
    return out
