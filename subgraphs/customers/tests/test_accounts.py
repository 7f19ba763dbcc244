"""Accounts: login, lockout, refresh token rotation, logout, changePassword, demo accounts and
migration 0003, through the real app on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, inspect, select, text
from trellis_customers.app import DEFINITION
from trellis_customers.models import AccountRecord, RefreshTokenRecord
from trellis_customers.passwords import COMMON_PASSWORDS, password_problem
from trellis_customers.seed import DEMO_ACCOUNTS
from trellis_subgraph import Database, upgrade
from trellis_subgraph.migrations import alembic_config
from trellis_subgraph.testing import in_process_client

from .accounts import (
    CHANGE_PASSWORD,
    LOGOUT,
    ME,
    REFRESH,
    call,
    error_code,
    login,
    tokens,
)

ADMIN, CLERK, ADA, GRACE = DEMO_ACCOUNTS
INVALID = "Invalid username or password."


# -- login --------------------------------------------------------------------------------------


async def test_demo_accounts_are_seeded_and_log_in(client: httpx.AsyncClient) -> None:
    seen = {}
    for demo in DEMO_ACCOUNTS:
        payload = await tokens(client, demo.username, demo.password)
        seen[demo.username] = payload["account"]
        assert payload["tokenType"] == "Bearer"
        assert payload["expiresIn"] == 900
        assert len(payload["refreshToken"]) == 43
    assert seen["admin"]["roles"] == ["admin"]
    assert seen["admin"]["customer"] is None
    assert seen["clerk"]["roles"] == ["clerk"]
    assert seen["ada"] == {
        "id": seen["ada"]["id"],
        "username": "ada",
        "email": "ada.lovelace.1@example.com",
        "roles": ["customer"],
        "customer": {"id": "1"},
    }
    assert seen["grace"]["customer"] == {"id": "2"}


def test_demo_passwords_satisfy_the_policy() -> None:
    for demo in DEMO_ACCOUNTS:
        assert password_problem(demo.password, username=demo.username, email=demo.email) is None


async def test_username_is_case_insensitive(client: httpx.AsyncClient) -> None:
    payload = await tokens(client, "  ADMIN ", ADMIN.password)
    assert payload["account"]["username"] == "admin"


async def test_wrong_password_and_unknown_user_get_the_same_error(
    client: httpx.AsyncClient,
) -> None:
    wrong = await login(client, "admin", "not-the-admin-password")
    unknown = await login(client, "nobody", "not-the-admin-password")
    for body in (wrong, unknown):
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["message"] == INVALID
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}
        assert error["path"] == ["login"]


async def test_lockout_after_five_failures_then_unlock(
    make_app: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(auth_lockout_seconds=1.0)
    async with in_process_client(app) as client:
        for _ in range(5):
            assert (await login(client, "clerk", "wrong-password-123"))["errors"]
        with caplog.at_level(logging.INFO):
            locked = await login(client, "clerk", CLERK.password)
        assert locked["errors"][0]["message"] == INVALID
        assert error_code(locked) == "UNAUTHENTICATED"
        assert "is locked" in caplog.text
        async with app.state.database.sessions() as session:
            record = await session.scalar(
                select(AccountRecord).where(AccountRecord.username == "clerk")
            )
        assert record is not None and record.locked_until is not None
        await asyncio.sleep(1.1)
        payload = await tokens(client, "clerk", CLERK.password)
        assert payload["account"]["username"] == "clerk"
        # Other accounts were never locked.
        await tokens(client, "admin", ADMIN.password)


async def test_success_resets_the_failure_count(make_app: Callable[..., FastAPI]) -> None:
    async with in_process_client(make_app()) as client:
        for _ in range(4):
            await login(client, "clerk", "wrong-password-123")
        await tokens(client, "clerk", CLERK.password)
        for _ in range(4):
            await login(client, "clerk", "wrong-password-123")
        await tokens(client, "clerk", CLERK.password)


async def test_passwords_never_reach_responses_or_logs(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    new_password = "a-brand-new-secret-42"
    # Every level of our own logs, INFO of everything else (aiosqlite's DEBUG log echoes bound
    # SQL parameters, the new hash included: never run a database driver at DEBUG in production).
    with caplog.at_level(logging.INFO), caplog.at_level(logging.DEBUG, "trellis_customers"):
        bodies = [
            await login(client, "ada", "ada-wrong-password-1"),
            await login(client, "nobody", "nobody-password-1"),
            await login(client, "ada", ADA.password),
        ]
        access = bodies[-1]["data"]["login"]["accessToken"]
        bodies.append(
            await call(
                client, CHANGE_PASSWORD, {"current": ADA.password, "new": new_password}, access
            )
        )
        bodies.append(await call(client, ME, token=access))
    assert bodies[-2]["data"] == {"changePassword": True}
    text_out = repr(bodies) + caplog.text
    assert "login refused" in caplog.text
    for secret in (ADA.password, "ada-wrong-password-1", "nobody-password-1", new_password):
        assert secret not in text_out
    assert "$argon2" not in text_out


# -- refresh tokens -----------------------------------------------------------------------------


async def test_refresh_rotates_and_old_token_is_refused(client: httpx.AsyncClient) -> None:
    first = await tokens(client, "admin", ADMIN.password)
    body = await call(client, REFRESH, {"token": first["refreshToken"]})
    assert "errors" not in body, body
    second = body["data"]["refreshToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    assert second["account"] == {"username": "admin"}
    assert (await call(client, ME, token=second["accessToken"]))["data"]["me"]["username"] == (
        "admin"
    )
    reused = await call(client, REFRESH, {"token": first["refreshToken"]})
    assert reused["errors"][0]["message"] == "Invalid refresh token."
    assert error_code(reused) == "UNAUTHENTICATED"


async def test_reusing_a_refresh_token_revokes_the_family(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    first = await tokens(client, "clerk", CLERK.password)
    other_login = await tokens(client, "clerk", CLERK.password)
    second = (await call(client, REFRESH, {"token": first["refreshToken"]}))["data"]
    third = (await call(client, REFRESH, {"token": second["refreshToken"]["refreshToken"]}))[
        "data"
    ]["refreshToken"]
    with caplog.at_level(logging.WARNING):
        assert error_code(await call(client, REFRESH, {"token": first["refreshToken"]})) == (
            "UNAUTHENTICATED"
        )
    assert "reuse" in caplog.text
    # The newest token of the family is revoked too ...
    assert error_code(await call(client, REFRESH, {"token": third["refreshToken"]})) == (
        "UNAUTHENTICATED"
    )
    # ... but another login (another family) of the same account is not.
    body = await call(client, REFRESH, {"token": other_login["refreshToken"]})
    assert "errors" not in body, body
    async with app.state.database.sessions() as session:
        rows = (await session.scalars(select(RefreshTokenRecord))).all()
    assert all(len(row.token_hash) == 64 for row in rows)
    stored = {row.token_hash for row in rows}
    assert first["refreshToken"] not in stored and third["refreshToken"] not in stored


async def test_logout_revokes_the_family(client: httpx.AsyncClient) -> None:
    first = await tokens(client, "grace", GRACE.password)
    second = (await call(client, REFRESH, {"token": first["refreshToken"]}))["data"]["refreshToken"]
    assert await call(client, LOGOUT, {"token": second["refreshToken"]}) == {
        "data": {"logout": True}
    }
    assert error_code(await call(client, REFRESH, {"token": second["refreshToken"]})) == (
        "UNAUTHENTICATED"
    )
    assert await call(client, LOGOUT, {"token": "not-a-token"}) == {"data": {"logout": False}}


async def test_expired_refresh_token_is_refused(make_app: Callable[..., FastAPI]) -> None:
    async with in_process_client(make_app(auth_refresh_token_ttl_seconds=1)) as client:
        first = await tokens(client, "admin", ADMIN.password)
        await asyncio.sleep(1.2)
        body = await call(client, REFRESH, {"token": first["refreshToken"]})
        assert error_code(body) == "UNAUTHENTICATED"


async def test_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    assert error_code(await call(client, REFRESH, {"token": "x" * 43})) == "UNAUTHENTICATED"


# -- changePassword -----------------------------------------------------------------------------


async def test_change_password_needs_an_access_token(client: httpx.AsyncClient) -> None:
    variables = {"current": ADMIN.password, "new": "another-long-secret"}
    for token in (None, "not-a-jwt"):
        body = await call(client, CHANGE_PASSWORD, variables, token)
        assert error_code(body) == "UNAUTHENTICATED"
        assert body["errors"][0]["path"] == ["changePassword"]
    await tokens(client, "admin", ADMIN.password)  # unchanged


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-one", "must be at least 12 characters"),
        ("admin@trellis.example", "must not be the username or the email"),
        ("Password1234", "is too common"),
        (ADMIN.password, "must differ from the current password"),
    ],
)
async def test_change_password_policy_errors(
    client: httpx.AsyncClient, new: str, message: str
) -> None:
    access = (await tokens(client, "admin", ADMIN.password))["accessToken"]
    body = await call(client, CHANGE_PASSWORD, {"current": ADMIN.password, "new": new}, access)
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "newPassword", "message": message}],
    }
    await tokens(client, "admin", ADMIN.password)  # unchanged


async def test_change_password_with_a_wrong_current_password(client: httpx.AsyncClient) -> None:
    access = (await tokens(client, "admin", ADMIN.password))["accessToken"]
    body = await call(
        client, CHANGE_PASSWORD, {"current": "not-the-password", "new": "fresh-and-long-1"}, access
    )
    assert body["errors"][0]["extensions"]["fields"] == [
        {"field": "currentPassword", "message": "is not the current password"}
    ]
    await tokens(client, "admin", ADMIN.password)


async def test_change_password_revokes_refresh_tokens(client: httpx.AsyncClient) -> None:
    first = await tokens(client, "ada", ADA.password)
    second = await tokens(client, "ada", ADA.password)
    body = await call(
        client,
        CHANGE_PASSWORD,
        {"current": ADA.password, "new": "ada-new-long-password"},
        first["accessToken"],
    )
    assert body == {"data": {"changePassword": True}}
    for payload in (first, second):
        refused = await call(client, REFRESH, {"token": payload["refreshToken"]})
        assert error_code(refused) == "UNAUTHENTICATED"
    assert error_code(await login(client, "ada", ADA.password)) == "UNAUTHENTICATED"
    await tokens(client, "ada", "ada-new-long-password")


def test_common_passwords_are_long_enough_to_matter() -> None:
    assert all(len(password) >= 12 for password in COMMON_PASSWORDS)


# -- migration ----------------------------------------------------------------------------------


async def test_migration_0003_upgrades_from_0002_and_downgrades(database_url: str) -> None:
    database = Database.connect(database_url)
    config = alembic_config(DEFINITION.migrations)

    def downgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        await upgrade(database, DEFINITION.migrations, "0002")
        async with database.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO customers (id, name, email) VALUES (7, 'Kept', 'k@example.com')")
            )
            assert not {"accounts", "refresh_tokens"} & await connection.run_sync(tables)
        await upgrade(database, DEFINITION.migrations)
        async with database.engine.begin() as connection:
            assert {"accounts", "refresh_tokens"} <= await connection.run_sync(tables)
            await connection.execute(
                text(
                    "INSERT INTO accounts (username, email, password_hash, roles, customer_id, "
                    "failed_logins, created_at, updated_at) VALUES ('kept', 'k@example.com', "
                    "'x', 'customer', 7, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        async with database.engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with database.engine.begin() as connection:
            assert not {"accounts", "refresh_tokens"} & await connection.run_sync(tables)
            assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == (
                "0002"
            )
            assert await connection.scalar(text("SELECT name FROM customers WHERE id = 7")) == (
                "Kept"
            )
    finally:
        await database.dispose()


async def test_deleting_a_customer_deletes_its_login(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await tokens(client, "grace", GRACE.password)
    async with app.state.database.write() as session:
        await session.execute(text("DELETE FROM customers WHERE id = 2"))
    assert error_code(await login(client, "grace", GRACE.password)) == "UNAUTHENTICATED"
