"""Whole-system tests: the acceptance query through the router on real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROUTER_CONFIG, router_auth_env

INVOICES_QUERY = """
{
  invoices(first: 100) {
    nodes {
      number
      total { amount currency }
      customer { name email invoices { number } }
      items { quantity product { name sku price { amount } } }
    }
  }
}
"""


def expected_invoices(system: Any) -> list[dict[str, Any]]:
    """Build the expected answer from the subgraphs' own answers (no router involved)."""
    billing = system.subgraphs["billing"]
    invoices = billing.query(
        "{ invoices(first: 100) { nodes { number total { amount currency } customer { id }"
        " items { quantity product { id } } } } }"
    )["invoices"]["nodes"]
    customers = {
        c["id"]: c
        for c in system.subgraphs["customers"].query(
            "{ customers(first: 100) { nodes { id name email } } }"
        )["customers"]["nodes"]
    }
    products = {
        p["id"]: p
        for p in system.subgraphs["inventory"].query(
            "{ products(first: 100) { nodes { id name sku price { amount } } } }"
        )["products"]["nodes"]
    }
    customer_ids = sorted({i["customer"]["id"] for i in invoices})
    entities = billing.query(
        "query($r: [_Any!]!) { _entities(representations: $r) {"
        " ... on Customer { id invoices { number } } } }",
        {"r": [{"__typename": "Customer", "id": cid} for cid in customer_ids]},
    )["_entities"]
    invoices_of = {e["id"]: e["invoices"] for e in entities}
    return [
        {
            "number": invoice["number"],
            "total": invoice["total"],
            "customer": {
                "name": customers[invoice["customer"]["id"]]["name"],
                "email": customers[invoice["customer"]["id"]]["email"],
                "invoices": invoices_of[invoice["customer"]["id"]],
            },
            "items": [
                {
                    "quantity": item["quantity"],
                    "product": {
                        k: products[item["product"]["id"]][k] for k in ("name", "sku", "price")
                    },
                }
                for item in invoice["items"]
            ],
        }
        for invoice in invoices
    ]


def test_invoices_query_matches_the_subgraphs_own_answers(system):
    response = system.graphql(INVOICES_QUERY)
    assert "errors" not in response, response
    invoices = response["data"]["invoices"]["nodes"]
    assert len(invoices) >= 30
    assert invoices == expected_invoices(system)


def test_plan_has_three_fetches_billing_then_customers_and_inventory(system):
    response = system.graphql(INVOICES_QUERY, **{"apollo-expose-query-plan": "true"})
    plan = response["extensions"]["apolloQueryPlan"]
    node = plan["object"]["node"]
    assert node["kind"] == "Sequence"
    first, second = node["nodes"]
    assert first["kind"] == "Fetch" and first["serviceName"] == "billing"
    assert second["kind"] == "Parallel"
    assert sorted(n["node"]["serviceName"] for n in second["nodes"]) == ["customers", "inventory"]
    assert plan["text"].startswith("QueryPlan {")


def test_each_subgraph_sees_one_entities_request_for_all_invoices(system):
    for subgraph in system.subgraphs.values():
        subgraph.clear()
    response = system.graphql(INVOICES_QUERY)
    invoices = response["data"]["invoices"]["nodes"]
    customers = system.subgraphs["customers"].recorded()
    inventory = system.subgraphs["inventory"].recorded()
    assert len(customers) == 1 and len(inventory) == 1
    representations = customers[0]["variables"]["representations"]
    assert "_entities" in customers[0]["query"]
    # deduplicated: one representation per distinct customer of all invoices
    distinct_customers = {(i["customer"]["email"]) for i in invoices}
    assert len(representations) == len(distinct_customers)
    assert len(representations) == len({r["id"] for r in representations})
    assert len(system.subgraphs["billing"].recorded()) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "BAD_REQUEST"),
        (b'{"query": "{ invoices { "}', 400, "GRAPHQL_PARSE_FAILED"),
        (b'{"query": "{ invoices { nodes { nope } } }"}', 400, "GRAPHQL_VALIDATION_FAILED"),
        (
            b'{"query": "query($id: ID!) { invoice(id: $id) { number } }",'
            b' "variables": {"id": {"x": 1}}}',
            400,
            "BAD_USER_INPUT",
        ),
    ],
)
def test_bad_input_gets_a_clear_error_never_a_500(system, body, status, code):
    response = httpx.post(
        f"{system.router_url}/graphql",
        content=body,
        headers={
            "content-type": "application/json",
            "accept": "application/graphql-response+json",
        },
    )
    assert response.status_code == status
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == code


def test_same_query_through_the_committed_supergraph_file(system, tmp_path, new_port):
    supergraph = (Path(__file__).parent.parent / "schema" / "supergraph.graphql").read_text()
    for name, subgraph in system.subgraphs.items():
        port = {"customers": 4001, "inventory": 4002, "billing": 4003, "orders": 4004}[name]
        supergraph = supergraph.replace(f"http://127.0.0.1:{port}/graphql", subgraph.proxy_url)
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph)
    port = new_port()
    router = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "trellis-router"),
            "serve",
            "--supergraph",
            str(path),
            "--config",
            str(ROUTER_CONFIG),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        env={**os.environ, **router_auth_env(system.subgraphs["customers"])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, router)
        response = httpx.post(
            f"{url}/graphql",
            json={"query": INVOICES_QUERY},
            headers={"authorization": f"Bearer {system.token()}"},
        ).json()
        assert "errors" not in response
        assert response == system.graphql(INVOICES_QUERY)
    finally:
        router.terminate()
        router.wait(10)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "router exited"
        try:
            if httpx.get(f"{url}/ready").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("router did not become ready")


def test_a_subgraph_down_gives_partial_data_and_subrequest_http_error(system):
    inventory = next(p for p in system.processes.started if p.name == "inventory-proxy")
    inventory.stop()
    try:
        # product and name are non-null: the null bubbles up to the nullable `invoice`.
        response = system.graphql(
            '{ invoices { nodes { number } } invoice(id: "1") { number items { product { name } } } }'
        )
        assert response["data"]["invoice"] is None
        assert all(i["number"] for i in response["data"]["invoices"]["nodes"])
        codes = {e["extensions"]["code"] for e in response["errors"]}
        assert "SUBREQUEST_HTTP_ERROR" in codes
        assert {e["extensions"].get("serviceName") for e in response["errors"]} >= {"inventory"}
    finally:
        system.restart(inventory)
