"""Operations and a client helper shared by the accounts and token tests."""

from __future__ import annotations

from typing import Any

import httpx

LOGIN = """
mutation ($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    accessToken tokenType expiresIn refreshToken
    account { id username email roles customer { id } }
  }
}
"""

REFRESH = """
mutation ($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken expiresIn account { username } }
}
"""

LOGOUT = "mutation ($token: String!) { logout(refreshToken: $token) }"

CHANGE_PASSWORD = """
mutation ($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new)
}
"""

ME = "{ me { id username email roles customer { id name } } }"


async def call(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """POST an operation, with ``Authorization: Bearer token`` when a token is given."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    """Log in and return the whole response body."""
    return await call(client, LOGIN, {"username": username, "password": password})


async def tokens(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    """Log in, expecting success, and return the ``AuthPayload``."""
    body = await login(client, username, password)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["login"]
    return payload


def error_code(body: dict[str, Any]) -> str:
    """The code of the one error of a response."""
    (error,) = body["errors"]
    code: str = error["extensions"]["code"]
    return code
