"""Recorded operations (``/v1/operations``) and the refusal of publishes that break them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import httpx
import pytest
from trellis_registry import RegistrySettings
from trellis_registry.testing import ManualClock, serve_in_process

CUSTOMERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  customer(id: ID!): Customer
  customers: [Customer!]!
}

type Customer @key(fields: "id") {
  id: ID!
  name: String!
  email: String!
}
"""

WITHOUT_EMAIL = CUSTOMERS_SDL.replace("  email: String!\n", "")
WITH_PHONE = CUSTOMERS_SDL.replace("email: String!", "email: String!\n  phone: String")
URL = "http://127.0.0.1:4001/graphql"

NAMES = "query Names { customers { id name } }"
EMAILS = "query Emails($id: ID!) { customer(id: $id) { ...Contact } }\nfragment Contact on Customer { email }"


async def publish(client: httpx.AsyncClient, sdl: str) -> httpx.Response:
    return await client.post("/v1/subgraphs/customers", json={"sdl": sdl, "routing_url": URL})


async def test_recorded_operations_are_counted_per_document(settings: RegistrySettings) -> None:
    clock = ManualClock(datetime(2025, 1, 1, 12, 0, tzinfo=UTC))
    async with serve_in_process(settings, clock) as client:
        assert (await client.get("/v1/operations")).json() == {"operations": []}
        index_before = (await client.get("/v1/services")).json()["index"]

        first = await client.post(
            "/v1/operations",
            json=[
                {"name": "Names", "document": NAMES},
                {"name": "Names", "document": NAMES, "count": 4},
                {
                    "name": "Emails",
                    "document": EMAILS,
                    "hash": hashlib.sha256(EMAILS.encode()).hexdigest(),
                },
            ],
        )
        assert first.status_code == 200, first.text
        assert first.json() == {"recorded": 2}
        clock.advance(60)
        again = await client.post("/v1/operations", json=[{"name": "Names", "document": NAMES}])
        assert again.json() == {"recorded": 1}

        listing = (await client.get("/v1/operations")).json()["operations"]
        by_name = {entry["name"]: entry for entry in listing}
        assert by_name["Names"] == {
            "hash": hashlib.sha256(NAMES.encode()).hexdigest(),
            "name": "Names",
            "document": NAMES,
            "count": 6,
            "first_seen_at": "2025-01-01T12:00:00Z",
            "last_seen_at": "2025-01-01T12:01:00Z",
        }
        assert (by_name["Emails"]["count"], by_name["Emails"]["last_seen_at"]) == (
            1,
            "2025-01-01T12:00:00Z",
        )
        assert [entry["hash"] for entry in listing] == sorted(entry["hash"] for entry in listing)
        assert (await client.get("/v1/services")).json()["index"] == index_before


async def test_bad_operation_reports_record_nothing(client: httpx.AsyncClient) -> None:
    for body in [
        {"name": "Names", "document": NAMES},
        [{"name": "Names"}],
        [{"document": ""}],
        [{"document": NAMES, "count": 0}],
        [{"document": NAMES, "hash": "0" * 64}],
        [{"document": NAMES, "extra": 1}],
    ]:
        response = await client.post("/v1/operations", json=body)
        assert response.status_code == 422, body
    for document in ["query { broken", "fragment F on Customer { id }"]:
        response = await client.post(
            "/v1/operations", json=[{"document": NAMES}, {"document": document}]
        )
        assert response.status_code == 400, document
        assert "does not parse" in response.json()["detail"]
    assert (await client.get("/v1/operations")).json() == {"operations": []}


@pytest.fixture
def refusing(settings: RegistrySettings) -> RegistrySettings:
    return settings.model_copy(update={"refuse_breaking_changes": True})


async def test_a_publish_breaking_a_recorded_operation_is_refused(
    refusing: RegistrySettings,
) -> None:
    async with serve_in_process(refusing) as client:
        assert (await publish(client, CUSTOMERS_SDL)).status_code == 200
        await client.post(
            "/v1/operations",
            json=[{"name": "Names", "document": NAMES}, {"name": "Emails", "document": EMAILS}],
        )
        supergraph_before = await client.get("/v1/supergraph")
        index_before = (await client.get("/v1/services")).json()["index"]

        refused = await publish(client, WITHOUT_EMAIL)

        assert refused.status_code == 409
        assert refused.json() == {
            "errors": [
                {
                    "code": "FIELD_REMOVED",
                    "message": "Field Customer.email was removed. Used by: Emails.",
                }
            ],
            "changes": [
                {
                    "severity": "breaking",
                    "kind": "FIELD_REMOVED",
                    "coordinate": "Customer.email",
                    "message": "Field Customer.email was removed.",
                    "operations": ["Emails"],
                }
            ],
        }
        current = (await client.get("/v1/subgraphs/customers")).json()
        assert (current["version"], current["sdl"]) == (1, CUSTOMERS_SDL)
        after = await client.get("/v1/supergraph")
        assert after.headers["etag"] == supergraph_before.headers["etag"]
        assert (await client.get("/v1/services")).json()["index"] == index_before

        safe = await publish(client, WITH_PHONE)
        assert safe.status_code == 200, safe.text
        assert safe.json()["version"] == 2


async def test_breaking_changes_no_recorded_operation_uses_are_accepted(
    refusing: RegistrySettings,
) -> None:
    async with serve_in_process(refusing) as client:
        await publish(client, CUSTOMERS_SDL)
        await client.post("/v1/operations", json=[{"name": "Names", "document": NAMES}])
        accepted = await publish(client, WITHOUT_EMAIL)
        assert accepted.status_code == 200, accepted.text
        assert "email" not in (await client.get("/v1/supergraph")).text


async def test_without_the_setting_breaking_publishes_go_through(
    client: httpx.AsyncClient,
) -> None:
    await publish(client, CUSTOMERS_SDL)
    await client.post("/v1/operations", json=[{"name": "Emails", "document": EMAILS}])
    accepted = await publish(client, WITHOUT_EMAIL)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["version"] == 2


async def test_recorded_operations_survive_a_restart(settings: RegistrySettings) -> None:
    async with serve_in_process(settings) as client:
        await client.post("/v1/operations", json=[{"name": "Names", "document": NAMES}])
    async with serve_in_process(settings) as client:
        listing = (await client.get("/v1/operations")).json()["operations"]
        assert [(entry["name"], entry["count"]) for entry in listing] == [("Names", 1)]


def test_the_setting_defaults_to_off_and_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert RegistrySettings().refuse_breaking_changes is False
    monkeypatch.setenv("TRELLIS_REGISTRY_REFUSE_BREAKING_CHANGES", "true")
    assert RegistrySettings().refuse_breaking_changes is True


async def test_an_unnamed_report_takes_the_name_of_its_one_operation(
    settings: RegistrySettings,
) -> None:
    async with serve_in_process(settings) as client:
        several = "query A { a } query B { b }"
        response = await client.post(
            "/v1/operations",
            json=[{"document": "query Emails { customers { email } }"}, {"document": several}],
        )
        assert response.status_code == 200, response.text
        listing = (await client.get("/v1/operations")).json()["operations"]
        names = {entry["document"]: entry["name"] for entry in listing}
        assert names == {"query Emails { customers { email } }": "Emails", several: None}
