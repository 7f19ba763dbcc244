"""The dashboard page at ``/``: what it shows, and that everything is escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from trellis_registry import HealthCheck, RegistrySettings, SqlRegistryBackend
from trellis_registry.http.dashboard import ago
from trellis_registry.testing import ManualClock, serve_in_process

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { customer(id: ID!): Customer }
type Customer @key(fields: "id") { id: ID! name: String! }
"""
HOSTILE_URL = "http://127.0.0.1:4001/graphql?<script>alert(1)</script>"


class Tables(HTMLParser):
    """Collects the text of every table row (cells in order) and of every <h3>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h3":
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "h3" and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._heading):
            if part is not None:
                part.append(data)


def tables(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


async def test_the_dashboard_shows_services_subgraphs_and_the_supergraph(
    settings: RegistrySettings, database_url: str, clock: ManualClock
) -> None:
    store = SqlRegistryBackend(database_url, clock)
    async with serve_in_process(settings, clock, backend=store) as client:
        empty = await client.get("/")
        assert empty.status_code == 200
        assert "No instance is registered." in empty.text
        assert "No subgraph has been published." in empty.text
        assert "No supergraph has been composed yet." in empty.text

        for service, instance_id, url in [
            ("customers", "c-1", HOSTILE_URL),
            ("customers", "c-2", "http://127.0.0.1:4011/graphql"),
            ("orders", "o-1", "http://127.0.0.1:4004/graphql"),
        ]:
            response = await client.post(
                f"/v1/services/{service}/instances",
                json={"instance_id": instance_id, "routing_url": url, "health_url": url},
            )
            assert response.status_code == 200
        await client.put(
            "/v1/services/customers/instances/c-2/status", json={"status": "OUT_OF_SERVICE"}
        )
        await store.set_health("orders", "o-1", HealthCheck.CRITICAL)
        for by in ["<b>ci</b>", "ops"]:
            published = await client.post(
                "/v1/subgraphs/customers",
                json={
                    "sdl": SDL if by == "ops" else SDL.replace("name", "nom"),
                    "routing_url": "http://127.0.0.1:4001/graphql",
                    "published_by": by,
                },
            )
            assert published.status_code == 200
        supergraph_id = published.json()["supergraph_id"]
        clock.advance(3)

        page = await client.get("/")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "<script" not in html, "no script, and the hostile routing URL is escaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>ci</b>" not in html
    assert "src=" not in html and "stylesheet" not in html, "nothing loaded from elsewhere"

    found = tables(html)
    assert found.headings == ["customers (2 instances)", "orders (1 instance)"]
    heartbeat = "3 s ago 2025-01-01T12:00:00Z"
    expiry = "2025-01-01T12:00:30Z"
    assert ["c-1", HOSTILE_URL, "UP", "—", "UNKNOWN", "UP", heartbeat, expiry] in found.rows
    assert [
        "c-2",
        "http://127.0.0.1:4011/graphql",
        "UP",
        "OUT_OF_SERVICE",
        "UNKNOWN",
        "OUT_OF_SERVICE",
        heartbeat,
        expiry,
    ] in found.rows
    assert [
        "o-1",
        "http://127.0.0.1:4004/graphql",
        "UP",
        "—",
        "CRITICAL",
        "DOWN",
        heartbeat,
        expiry,
    ] in found.rows
    assert [
        "customers",
        "2",
        "2",
        "http://127.0.0.1:4001/graphql",
        "ops",
        "2025-01-01T12:00:00Z",
    ] in found.rows
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert f"Revision 2 · id {supergraph_id[:12]} · composed at 2025-01-01T12:00:00Z" in text
    assert f'title="{supergraph_id}"' in html


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0 s ago"),
        (0, "0 s ago"),
        (3, "3 s ago"),
        (119, "119 s ago"),
        (600, "10 min ago"),
        (7200, "2 h ago"),
    ],
)
def test_ago(seconds: int, text: str) -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert ago(now, now - timedelta(seconds=seconds)) == text
