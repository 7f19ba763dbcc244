"""Password hashing (argon2id) and the password policy.

Hashes are argon2id PHC strings made by ``argon2-cffi``'s :class:`~argon2.PasswordHasher` with
the library's default parameters (RFC 9106's second recommended option); a hash made with older
parameters is replaced at the next successful login. Passwords are never logged or returned.

Policy: at least :data:`MIN_PASSWORD_LENGTH` characters, at most :data:`MAX_PASSWORD_LENGTH`,
not the username or the email (compared case-insensitively), and not one of
:data:`COMMON_PASSWORDS`.

Spec: RFC 9106 (Argon2); NIST SP 800-63B §5.1.1.2 (length over composition rules, a blocklist
of common passwords).
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "COMMON_PASSWORDS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "hash_password",
    "needs_rehash",
    "password_problem",
    "verify_password",
    "waste_verification",
]

MIN_PASSWORD_LENGTH = 12
"""Shortest accepted password, in characters."""

MAX_PASSWORD_LENGTH = 256
"""Longest accepted password, in characters (bounds the hashing work per request)."""

COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "aaaaaaaaaaaa",
        "abc123abc123",
        "administrator",
        "changeme1234",
        "iloveyou1234",
        "letmein12345",
        "password1234",
        "password12345",
        "password123!",
        "passwordpassword",
        "qwerty123456",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "trustno1trustno1",
        "welcome12345",
        "correcthorsebatterystaple",
        "1q2w3e4r5t6y",
        "zaq12wsxcde3",
        "football1234",
        "baseball1234",
        "superman1234",
        "sunshine1234",
        "monkey123456",
        "princess1234",
        "trellis12345",
        "trellistrellis",
    }
)
"""Common passwords refused by the policy (compared lower-cased), at least 12 characters long
(shorter ones already fail the length rule)."""


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password with argon2id (the library's default parameters; ~50 ms of CPU).

    Args:
        password: The clear-text password.

    Returns:
        The PHC string, e.g. ``$argon2id$v=19$m=65536,t=3,p=4$...``.
    """
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against a stored hash.

    Args:
        password_hash: The stored PHC string.
        password: The clear-text password presented.

    Returns:
        Whether it matches (False for a malformed hash too).
    """
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than the current ones.

    Args:
        password_hash: The stored PHC string.

    Returns:
        True when it should be replaced by :func:`hash_password` of the same password.
    """
    return _hasher().check_needs_rehash(password_hash)


@cache
def _decoy_hash() -> str:
    return hash_password("not a password: a decoy for unknown usernames")


def waste_verification(password: str) -> None:
    """Spend the time of one verification, for a login whose account does not exist.

    Without it, an unknown username would answer faster than a wrong password and give away
    which usernames exist.

    Args:
        password: The clear-text password presented.
    """
    verify_password(_decoy_hash(), password)


def password_problem(password: str, *, username: str, email: str) -> str | None:
    """What is wrong with a new password under the policy.

    Args:
        password: The proposed password.
        username: The account's username.
        email: The account's email.

    Returns:
        The problem as a message ending without a period (e.g. ``must be at least 12
        characters``), or None when the password is acceptable.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in (username.lower(), email.lower()):
        return "must not be the username or the email"
    if lowered in COMMON_PASSWORDS:
        return "is too common"
    return None
