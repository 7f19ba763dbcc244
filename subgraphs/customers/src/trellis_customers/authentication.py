"""Login, refresh token rotation, logout and password change: the account flows.

Each flow reads what it needs, does the slow argon2 work in a worker thread outside any
transaction, then writes in one short transaction (see :meth:`Database.write`): a flow either
commits all its changes or none. A refused login still commits its failure count (and a lock)
before the error is raised; a reused refresh token still commits its family's revocation.

Lockout: ``auth_max_failed_logins`` consecutive failures lock the account for
``auth_lockout_seconds``; a locked account's login fails with the same error as a wrong
password (the lock is logged, not shown), and the count starts again after the lock.

Errors::

    SubgraphError (trellis_subgraph)
    └── Unauthenticated        UNAUTHENTICATED: bad credentials, refresh token or access token

Spec: RFC 6749 §1.5 and §6 (refresh tokens), RFC 6819 §5.2.2.3 and the OAuth 2.0 Security
BCP (RFC 9700) §4.14.2 (refresh token rotation with reuse detection); RFC 6750 §2.1 (the
``Authorization: Bearer`` header); OWASP ASVS V2.2 (lockout without user enumeration).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from trellis_subgraph import BadUserInput, Database, SubgraphError, as_utc

from trellis_customers import repository
from trellis_customers.models import AccountRecord
from trellis_customers.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
    waste_verification,
)
from trellis_customers.settings import CustomersSettings
from trellis_customers.tokens import AccessClaims, KeyRing, hash_refresh_token, new_refresh_token

__all__ = [
    "INVALID_LOGIN",
    "INVALID_REFRESH_TOKEN",
    "IssuedTokens",
    "Unauthenticated",
    "bearer_token",
    "change_password",
    "login",
    "logout",
    "normalize_username",
    "refresh",
]

logger = logging.getLogger(__name__)

INVALID_LOGIN = "Invalid username or password."
"""The one message of every refused login (unknown user, wrong password, locked account)."""

INVALID_REFRESH_TOKEN = "Invalid refresh token."
"""The one message of every refused refresh (unknown, expired, revoked or reused token)."""


class Unauthenticated(SubgraphError):
    """Credentials or a token were refused (``UNAUTHENTICATED``)."""

    code: ClassVar[str] = "UNAUTHENTICATED"


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What a login or a refresh hands out.

    Attributes:
        access_token: The signed JWT.
        expires_in: Lifetime of the access token (seconds).
        refresh_token: The new opaque refresh token (shown once, stored hashed).
        account: The account they belong to.
    """

    access_token: str
    expires_in: int
    refresh_token: str
    account: AccountRecord


def normalize_username(username: str) -> str:
    """The stored form of a username: trimmed and lower-cased (usernames ignore case).

    Args:
        username: As typed.

    Returns:
        The lookup key.
    """
    return username.strip().lower()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header value.

    Spec: RFC 6750 §2.1 (the scheme is case-insensitive).

    Args:
        authorization: The header value, or None when absent.

    Returns:
        The token, or None when the header is absent or another scheme.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _locked(account: AccountRecord, now: datetime) -> bool:
    return account.locked_until is not None and as_utc(account.locked_until) > now


def _record_failure(account: AccountRecord, settings: CustomersSettings, now: datetime) -> None:
    account.failed_logins += 1
    if account.failed_logins >= settings.auth_max_failed_logins:
        account.failed_logins = 0
        account.locked_until = now + timedelta(seconds=settings.auth_lockout_seconds)
        logger.warning(
            "account %s locked until %s after %d failed password checks",
            account.id,
            account.locked_until.isoformat(),
            settings.auth_max_failed_logins,
        )


def _issue(
    ring: KeyRing,
    settings: CustomersSettings,
    account: AccountRecord,
    refresh_token: str,
    now: datetime,
) -> IssuedTokens:
    access = ring.issue(
        settings,
        account_id=account.id,
        username=account.username,
        roles=sorted(account.role_names),
        customer_id=account.customer_id,
        now=now,
    )
    return IssuedTokens(
        access_token=access,
        expires_in=settings.auth_access_token_ttl_seconds,
        refresh_token=refresh_token,
        account=account,
    )


def _refresh_values(
    account_id: int, family_id: str, token: str, settings: CustomersSettings, now: datetime
) -> dict[str, object]:
    return {
        "account_id": account_id,
        "family_id": family_id,
        "token_hash": hash_refresh_token(token),
        "issued_at": now,
        "expires_at": now + timedelta(seconds=settings.auth_refresh_token_ttl_seconds),
    }


async def login(
    database: Database, settings: CustomersSettings, ring: KeyRing, username: str, password: str
) -> IssuedTokens:
    """Check a username and password; on success start a refresh token family.

    Args:
        database: The customers database.
        settings: Lifetimes and lockout settings.
        ring: The signing keys.
        username: As typed (case-insensitive).
        password: As typed.

    Returns:
        The access token, the first refresh token of a new family, and the account.

    Raises:
        Unauthenticated: With :data:`INVALID_LOGIN` for an unknown username, a wrong password
            or a locked account alike.
    """
    name = normalize_username(username)
    async with database.sessions() as session:
        account = await repository.account_by_username(session, name)
    now = datetime.now(UTC)
    if account is None:
        await asyncio.to_thread(waste_verification, password)
        logger.info("login refused: no account named %r", name)
        raise Unauthenticated(INVALID_LOGIN)
    if _locked(account, now):
        logger.warning("login refused: account %s is locked", account.id)
        raise Unauthenticated(INVALID_LOGIN)
    matches = await asyncio.to_thread(verify_password, account.password_hash, password)
    rehashed = None
    if matches and needs_rehash(account.password_hash):
        rehashed = await asyncio.to_thread(hash_password, password)
    token = new_refresh_token()
    async with database.write() as session:
        current = await repository.account_for_update(session, account.id)
        if current is None:
            raise Unauthenticated(INVALID_LOGIN)
        accepted = matches and not _locked(current, now)
        if accepted:
            current.failed_logins = 0
            current.locked_until = None
            if rehashed is not None:
                current.password_hash = rehashed
                current.updated_at = now
            family = uuid.uuid4().hex
            await repository.insert_refresh_token(
                session, _refresh_values(current.id, family, token, settings, now)
            )
        elif matches:
            logger.warning("login refused: account %s is locked", current.id)
        else:
            _record_failure(current, settings, now)
            logger.info("login refused: wrong password for account %s", current.id)
        await session.flush()
    if not accepted:
        raise Unauthenticated(INVALID_LOGIN)
    logger.info("login: account %s", current.id)
    return _issue(ring, settings, current, token, now)


async def refresh(
    database: Database, settings: CustomersSettings, ring: KeyRing, refresh_token: str
) -> IssuedTokens:
    """Rotate a refresh token: revoke it and hand out a new one of the same family.

    A token that was already used (revoked) revokes its whole family: whoever holds the newest
    token of that family must log in again.

    Spec: RFC 9700 §4.14.2 (refresh token rotation, reuse detection).

    Args:
        database: The customers database.
        settings: Lifetimes.
        ring: The signing keys.
        refresh_token: The token the client holds.

    Returns:
        A new access token, the new refresh token and the account.

    Raises:
        Unauthenticated: With :data:`INVALID_REFRESH_TOKEN` when the token is unknown, expired,
            revoked or reused (the reuse is logged and its family revoked).
    """
    now = datetime.now(UTC)
    token = new_refresh_token()
    reused_family: str | None = None
    account: AccountRecord | None = None
    async with database.write() as session:
        record = await repository.refresh_token_for_update(
            session, hash_refresh_token(refresh_token)
        )
        if record is None or as_utc(record.expires_at) <= now:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        if record.revoked_at is None:
            account = await repository.account_for_update(session, record.account_id)
            if account is None:
                raise Unauthenticated(INVALID_REFRESH_TOKEN)
            new = await repository.insert_refresh_token(
                session, _refresh_values(account.id, record.family_id, token, settings, now)
            )
            if not await repository.revoke_refresh_token(session, record.id, now, new.id):
                raise Unauthenticated(INVALID_REFRESH_TOKEN)  # a concurrent refresh won
        else:
            reused_family = record.family_id
            revoked = await repository.revoke_refresh_token_family(session, reused_family, now)
            logger.warning(
                "refresh token reuse for account %s: revoked %d token(s) of its family",
                record.account_id,
                revoked,
            )
    if reused_family is not None or account is None:
        raise Unauthenticated(INVALID_REFRESH_TOKEN)
    return _issue(ring, settings, account, token, now)


async def logout(database: Database, refresh_token: str) -> bool:
    """Revoke the whole family of a refresh token (every device state of that login).

    Args:
        database: The customers database.
        refresh_token: A token of the family (revoked or not).

    Returns:
        True when the token is known (its family is now revoked), False otherwise.
    """
    now = datetime.now(UTC)
    async with database.write() as session:
        record = await repository.refresh_token_for_update(
            session, hash_refresh_token(refresh_token)
        )
        if record is None:
            return False
        await repository.revoke_refresh_token_family(session, record.family_id, now)
    logger.info("logout: account %s", record.account_id)
    return True


async def change_password(
    database: Database,
    settings: CustomersSettings,
    caller: AccessClaims,
    current_password: str,
    new_password: str,
) -> None:
    """Change the caller's password and revoke all its refresh tokens.

    Access tokens already issued stay valid until they expire (they are not stored).

    Args:
        database: The customers database.
        settings: Lockout settings.
        caller: The verified access token of the caller.
        current_password: The password now in use.
        new_password: The new password (checked against the policy).

    Raises:
        Unauthenticated: If the token's account no longer exists.
        BadUserInput: ``newPassword`` breaks the policy or equals the current password;
            ``currentPassword`` is wrong (counted as a failed login) or the account is locked.
    """
    async with database.sessions() as session:
        (account,) = await repository.accounts_by_id(session, [caller.account_id])
    if account is None:
        raise Unauthenticated("Authentication required.")
    problem = password_problem(new_password, username=account.username, email=account.email)
    if problem is None and new_password == current_password:
        problem = "must differ from the current password"
    if problem is not None:
        raise BadUserInput.field("newPassword", problem)
    now = datetime.now(UTC)
    wrong = BadUserInput.field("currentPassword", "is not the current password")
    if _locked(account, now):
        logger.warning("password change refused: account %s is locked", account.id)
        raise wrong
    if not await asyncio.to_thread(verify_password, account.password_hash, current_password):
        async with database.write() as session:
            current = await repository.account_for_update(session, account.id)
            if current is not None:
                _record_failure(current, settings, now)
        logger.info("password change refused: wrong password for account %s", account.id)
        raise wrong
    new_hash = await asyncio.to_thread(hash_password, new_password)
    async with database.write() as session:
        current = await repository.account_for_update(session, account.id)
        if current is None:
            raise Unauthenticated("Authentication required.")
        current.password_hash = new_hash
        current.failed_logins = 0
        current.locked_until = None
        current.updated_at = now
        revoked = await repository.revoke_account_refresh_tokens(session, current.id, now)
    logger.info("password changed: account %s (%d refresh token(s) revoked)", account.id, revoked)
