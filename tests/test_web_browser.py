"""The web app in a real browser: Debian's Chromium driven by Playwright, against the whole
system (config-free: registry, four subgraphs, router, ``trellis-web``) on free ports.

Flows (issue 7): list invoices and open one (customer and product names visible); create a
customer, place an order for them, pay its invoice, see the order PAID and the stock decrease;
run a query in the playground (the SPA's and the router's own page) and see the plan panel.
Sessions (issue 10): every flow logs in first (the demo accounts); each demo role sees its own
navigation and actions (admin, clerk, and the customers ada and grace, who see only their own
invoices); a reload keeps the session, "Log out" returns to the login page; the SPA's
playground sends the session's token (``me`` answers with the user's name).
The browser's host resolver maps every name but 127.0.0.1 to nothing, and every request the
pages make is recorded: a request to any other host fails the test (the playground must work
offline). Screenshots of each screen go to ``test-output/browser/`` at the repository root,
with the first page load's timings in ``timings.json``.

Skipped when Chromium (``/usr/bin/chromium``, or ``TRELLIS_CHROMIUM``) or the web build
(``web/dist``, built by ``make web``) is missing, unless ``TRELLIS_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import DEMO_PASSWORDS, ROOT, System, free_port, start_system, start_web

pytestmark = pytest.mark.system

CHROMIUM = Path(os.environ.get("TRELLIS_CHROMIUM", "/usr/bin/chromium"))
DIST = ROOT / "web" / "dist"
OUTPUT = ROOT / "test-output" / "browser"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Chromium flags for a closed machine: no background traffic to Google, no sandbox as root,
# and every host name but the loopback address resolved to nothing (the network is "cut").
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"
    if not (DIST / "index.html").exists():
        return f"web build not found at {DIST} (make web)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    reason = _missing_reason()
    if reason is None:
        return
    if os.environ.get("TRELLIS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, but TRELLIS_REQUIRE_BROWSER=1 requires the browser tests")
    pytest.skip(reason)


@dataclass
class WebSystem:
    """The running system plus the web app's base URL."""

    system: System
    url: str


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    """The whole system and ``trellis-web``; the router allows the web app's origin (CORS) and
    serves the built playground on GET /graphql."""
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    router_env = {
        "TRELLIS_ROUTER_CORS_ALLOW_ORIGINS": json.dumps([origin]),
        "TRELLIS_ROUTER_PLAYGROUND_DIR": str(DIST),
    }
    with start_system(tmp_path_factory.mktemp("web"), router_env=router_env) as system:
        url = start_web(system.processes, DIST, system.router_url, system.registry_url, web_port)
        yield WebSystem(system, url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Traffic:
    """What the page asked for: every request URL, and the console errors it logged."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests to any host other than the loopback address."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


@dataclass
class Page:
    """A Playwright page with the traffic it made."""

    page: Any
    traffic: Traffic


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A fresh browser context and page; fails the test if a request left the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    traffic = Traffic()
    tab.on("request", lambda request: traffic.requests.append(request.url))
    tab.on(
        "console",
        lambda message: (
            traffic.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield Page(tab, traffic)
    context.close()
    assert traffic.outside() == [], f"requests left the machine: {traffic.outside()}"


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-output/browser/<name>.png``."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def graphql(
    web: WebSystem,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_user: str | None = "admin",
) -> Any:
    """Ask the router directly (to check what the screens show) as the demo account
    ``as_user`` (the admin by default, None: anonymous); fails on errors."""
    body = web.system.graphql(query, variables, as_user=as_user)
    assert "errors" not in body, body
    return body["data"]


# Who each demo account is in the header, and what its navigation holds.
ROLE_LABELS = {
    "admin": "admin (admin)",
    "clerk": "clerk (clerk)",
    "ada": "ada (customer)",
    "grace": "grace (customer)",
}
STAFF_NAV = ["Customers", "Products", "Invoices", "Orders", "Playground", "Registry"]
CUSTOMER_NAV = ["Products", "Invoices", "Orders"]


def log_in(tab: Any, web: WebSystem, username: str, password: str | None = None) -> None:
    """Log in on the login page as ``username`` (``password``: the demo account's by
    default) and wait until the header shows who is signed in (the app opens /invoices)."""
    from playwright.sync_api import expect

    tab.goto(f"{web.url}/login")
    expect(tab.get_by_role("heading", name="Log in", exact=True)).to_be_visible()
    tab.get_by_label("Username", exact=True).fill(username)
    tab.get_by_label("Password", exact=True).fill(
        password if password is not None else DEMO_PASSWORDS[username]
    )
    tab.get_by_role("button", name="Log in", exact=True).click()
    expect(tab.get_by_test_id("session-user")).to_have_text(ROLE_LABELS[username])
    expect(tab).to_have_url(re.compile(r"/invoices$"))


def nav_links(tab: Any) -> list[str]:
    """The texts of the main navigation's links, in order."""
    links = tab.get_by_role("navigation", name="Main").get_by_role("link")
    return [text.strip() for text in links.all_inner_texts()]


def test_invoices_list_then_detail_show_customer_and_product_names(
    web: WebSystem, page: Page
) -> None:
    from playwright.sync_api import expect

    tab = page.page
    log_in(tab, web, "admin")
    # A fresh load of the page: the session comes back from the tab's refresh token.
    started = time.perf_counter()
    tab.goto(f"{web.url}/invoices")
    first_row = tab.locator("table tbody tr").first
    expect(first_row).to_be_visible()
    visible_after = time.perf_counter() - started
    navigation = tab.evaluate(
        "() => { const [n] = performance.getEntriesByType('navigation');"
        " return {domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "timings.json").write_text(
        json.dumps(
            {
                "invoices_first_load_ms": {
                    "dom_content_loaded": round(navigation["domContentLoaded"], 1),
                    "load_event": round(navigation["load"], 1),
                    "first_row_visible": round(visible_after * 1000, 1),
                }
            },
            indent=2,
        )
    )
    expect(tab.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()
    shot(tab, "01-invoices")

    expected = graphql(
        web,
        "{ invoices(first: 1) { nodes { id number customer { name } "
        "items { product { name } } } } }",
    )["invoices"]["nodes"][0]
    expect(first_row).to_contain_text(expected["number"])
    expect(first_row).to_contain_text(expected["customer"]["name"])

    tab.get_by_role("link", name=expected["number"], exact=True).click()
    expect(tab.get_by_role("heading", name=f"Invoice {expected['number']}")).to_be_visible()
    expect(tab.get_by_test_id("invoice-customer")).to_have_text(expected["customer"]["name"])
    products = tab.get_by_test_id("invoice-item-product")
    expect(products).to_have_text([item["product"]["name"] for item in expected["items"]])
    shot(tab, "02-invoice-detail")
    assert page.traffic.console_errors == []


def test_create_customer_place_order_pay_and_ship(web: WebSystem, page: Page) -> None:
    from playwright.sync_api import expect

    tab = page.page
    log_in(tab, web, "clerk")
    # Two products with enough units, and their numbers before the order.
    product, second = [
        item
        for item in graphql(web, "{ products(first: 50) { nodes { id name available stock } } }")[
            "products"
        ]["nodes"]
        if item["available"] >= 10
    ][:2]

    # Create a customer, after the form refuses a bad email.
    tab.goto(f"{web.url}/customers")
    expect(tab.get_by_role("heading", name="Customers", exact=True)).to_be_visible()
    expect(tab.locator("table tbody tr").first).to_be_visible()
    shot(tab, "03-customers")
    tab.get_by_role("link", name="New customer").click()
    expect(tab.get_by_role("heading", name="New customer")).to_be_visible()
    suffix = uuid.uuid4().hex[:8]
    name = f"Ada Browser {suffix}"
    tab.get_by_label("Name", exact=True).fill(name)
    tab.get_by_label("Email", exact=True).fill("not-an-email")
    tab.get_by_role("button", name="Create customer").click()
    expect(tab.locator(".field-error").first).to_be_visible()
    shot(tab, "04-new-customer-invalid")
    tab.get_by_label("Email", exact=True).fill(f"ada.{suffix}@example.com")
    tab.get_by_role("button", name="Create customer").click()
    expect(tab.get_by_role("heading", name=name)).to_be_visible()
    expect(tab.get_by_test_id("customer-email")).to_have_text(f"ada.{suffix}@example.com")
    shot(tab, "05-customer-detail")

    # Place an order for them: two units of one product, one of another.
    tab.get_by_role("link", name="Place an order").click()
    expect(tab.get_by_role("heading", name="Place an order")).to_be_visible()
    chosen = tab.get_by_label("Customer", exact=True).locator("option:checked")
    expect(chosen).to_contain_text(name)
    tab.get_by_label("Product", exact=True).nth(0).select_option(value=product["id"])
    tab.get_by_label("Quantity", exact=True).nth(0).fill("2")
    tab.get_by_role("button", name="Add a product").click()
    tab.get_by_label("Product", exact=True).nth(1).select_option(value=second["id"])
    tab.get_by_label("Quantity", exact=True).nth(1).fill("1")
    shot(tab, "06-place-order")
    tab.get_by_role("button", name="Place order").click()
    expect(tab.get_by_role("heading", name=re.compile(r"^Order ORD-"))).to_be_visible()
    expect(tab.get_by_test_id("order-status")).to_have_text("CONFIRMED")
    order_url = tab.url
    shot(tab, "07-order-confirmed")

    expect(tab.get_by_role("row", name=re.compile(re.escape(second["name"])))).to_be_visible()

    # The reservation shows on the products: fewer units available.
    tab.goto(f"{web.url}/products/{product['id']}")
    expect(tab.get_by_test_id("product-available")).to_contain_text(str(product["available"] - 2))
    tab.goto(f"{web.url}/products/{second['id']}")
    expect(tab.get_by_test_id("product-available")).to_contain_text(str(second["available"] - 1))

    # Pay the invoice in full; the order becomes PAID (billing tells orders asynchronously).
    tab.goto(order_url)
    tab.get_by_role("link", name="Pay invoice").click()
    expect(tab.get_by_role("heading", name=re.compile(r"^Invoice "))).to_be_visible()
    expect(tab.get_by_test_id("invoice-status")).to_have_text("OPEN")
    tab.get_by_role("button", name="Record payment").click()
    expect(tab.get_by_test_id("invoice-status")).to_have_text("PAID")
    expect(tab.get_by_test_id("invoice-balance")).to_have_text("$0.00")
    shot(tab, "08-invoice-paid")
    tab.goto(order_url)
    expect(tab.get_by_test_id("order-status")).to_have_text("PAID", timeout=30_000)
    shot(tab, "09-order-paid")

    # Ship it: the units leave the stock.
    tab.get_by_role("button", name="Ship order").click()
    expect(tab.get_by_test_id("order-status")).to_have_text("SHIPPED")
    tab.goto(f"{web.url}/products/{product['id']}")
    expect(tab.get_by_test_id("product-stock")).to_have_text(str(product["stock"] - 2))
    tab.goto(f"{web.url}/products/{second['id']}")
    expect(tab.get_by_test_id("product-stock")).to_have_text(str(second["stock"] - 1))
    shot(tab, "10-product-after-shipping")

    tab.goto(f"{web.url}/orders")
    expect(tab.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    expect(tab.locator("table tbody tr").first).to_be_visible()
    shot(tab, "11-orders")
    tab.goto(f"{web.url}/products")
    expect(tab.locator("table tbody tr").first).to_be_visible()
    shot(tab, "12-products")
    assert page.traffic.console_errors == []


def _set_query(tab: Any, query: str) -> None:
    """Replace the text of GraphiQL's query editor (CodeMirror 5) with ``query``, a named
    operation, and wait until GraphiQL has read it (it stores the operation's name in
    localStorage once its debounced parse ran; Run sends the old name before that)."""
    name = re.match(r"\s*(?:query|mutation)\s+(\w+)", query)
    assert name, f"not a named operation: {query}"
    tab.locator(".graphiql-query-editor .CodeMirror").first.evaluate(
        "(editor, query) => editor.CodeMirror.setValue(query)", query
    )
    tab.wait_for_function(
        "(name) => localStorage.getItem('graphiql:operationName') === name", arg=name.group(1)
    )


def _run_in_playground(tab: Any, name: str, query: str | None = None) -> None:
    from playwright.sync_api import expect

    plan = tab.get_by_test_id("query-plan")
    expect(plan).to_contain_text("Run a query")
    if query is not None:
        expect(tab.locator(".playground[data-editors-ready=true]")).to_be_visible()
        _set_query(tab, query)
    tab.locator(".graphiql-execute-button").click()
    expect(plan).to_contain_text("Fetch(service:")
    expect(tab.locator(".graphiql-response")).to_contain_text('"data"')
    shot(tab, name)


def test_playground_runs_a_query_and_shows_its_plan_offline(web: WebSystem, page: Page) -> None:
    from playwright.sync_api import expect

    tab = page.page
    log_in(tab, web, "clerk")
    tab.goto(f"{web.url}/playground")
    expect(tab.locator(".graphiql-container")).to_be_visible()
    _run_in_playground(tab, "13-playground")
    # The explorer plugin lists the API schema's root fields.
    tab.get_by_role("button", name="Show GraphiQL Explorer").click()
    explorer = tab.locator(".graphiql-plugin")
    expect(explorer).to_contain_text("invoices")
    expect(explorer).to_contain_text("lowStockProducts")
    shot(tab, "15-playground-explorer")
    assert page.traffic.requests, "the page made no requests"
    assert page.traffic.console_errors == []


def test_playground_sends_the_session_token(web: WebSystem, page: Page) -> None:
    from playwright.sync_api import expect

    tab = page.page
    log_in(tab, web, "clerk")
    tab.goto(f"{web.url}/playground")
    expect(tab.locator(".graphiql-container")).to_be_visible()
    with tab.expect_request(
        lambda request: request.method == "POST" and "me" in (request.post_data or "")
    ) as sent:
        _run_in_playground(tab, "16-playground-me", "query Me { me { username roles } }")
    assert sent.value.headers.get("authorization", "").startswith("Bearer ")
    expect(tab.locator(".graphiql-response")).to_contain_text('"username": "clerk"')
    assert page.traffic.console_errors == []


def test_router_serves_the_same_playground_to_browsers(web: WebSystem, page: Page) -> None:
    from playwright.sync_api import expect

    tab = page.page
    # No session here (the router's own page): a public query runs anonymously.
    tab.goto(f"{web.system.router_url}/graphql")
    expect(tab.locator(".graphiql-container")).to_be_visible()
    _run_in_playground(
        tab, "14-router-playground", "query Catalogue { products(first: 3) { nodes { name } } }"
    )
    assert page.traffic.console_errors == []


@pytest.mark.parametrize("username", ["admin", "clerk", "ada", "grace"])
def test_each_demo_role_sees_its_navigation_and_actions(
    web: WebSystem, page: Page, username: str
) -> None:
    from playwright.sync_api import expect

    tab = page.page
    staff = username in ("admin", "clerk")
    log_in(tab, web, username)
    assert nav_links(tab) == (STAFF_NAV if staff else CUSTOMER_NAV)

    # The invoices: a customer sees only its own (the router filters them).
    rows = tab.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    own = graphql(
        web,
        "{ invoices(first: 100) { totalCount nodes { id customer { name } } } }",
        as_user=username,
    )["invoices"]
    expect(rows).to_have_count(min(own["totalCount"], 20))
    if not staff:
        everyone = graphql(web, "{ invoices(first: 1) { totalCount } }")["invoices"]
        assert own["totalCount"] < everyone["totalCount"]
        names = {node["customer"]["name"] for node in own["nodes"]}
        assert len(names) == 1, names
        customer_cells = tab.locator("table tbody tr td:nth-child(2)")
        expect(customer_cells).to_have_text([names.pop()] * min(own["totalCount"], 20))
    shot(tab, f"20-role-{username}-invoices")

    # An invoice (an OPEN one when there is one): payments and voiding are billing:write.
    visible = graphql(
        web,
        "{ open: invoices(first: 1, status: OPEN) { nodes { id number } }"
        " any: invoices(first: 1) { nodes { id number } } }",
        as_user=username,
    )
    invoice = (visible["open"]["nodes"] or visible["any"]["nodes"])[0]
    tab.goto(f"{web.url}/invoices/{invoice['id']}")
    expect(tab.get_by_role("heading", name=f"Invoice {invoice['number']}")).to_be_visible()
    if visible["open"]["nodes"]:
        expect(tab.get_by_role("heading", name="Record a payment")).to_have_count(1 if staff else 0)
        expect(tab.get_by_role("button", name="Record payment")).to_have_count(1 if staff else 0)

    # The customer screen (a customer opens its own): delete is admin's, editing staff's.
    customer_id = tab.get_by_test_id("invoice-customer").get_attribute("href").rsplit("/", 1)[-1]
    tab.goto(f"{web.url}/customers/{customer_id}")
    expect(tab.get_by_test_id("customer-email")).to_be_visible()
    expect(tab.get_by_role("button", name="Delete customer")).to_have_count(
        1 if username == "admin" else 0
    )
    expect(tab.get_by_role("button", name="Save changes")).to_have_count(1 if staff else 0)
    expect(tab.get_by_role("link", name="Place an order")).to_have_count(1 if staff else 0)

    # A product: stock and catalogue changes are inventory:write (staff); reading is public.
    product = graphql(web, "{ products(first: 1) { nodes { id name } } }")["products"]["nodes"][0]
    tab.goto(f"{web.url}/products/{product['id']}")
    expect(tab.get_by_role("heading", name=product["name"], exact=True)).to_be_visible()
    expect(tab.get_by_role("button", name="Adjust stock")).to_have_count(1 if staff else 0)
    expect(tab.get_by_role("button", name="Delete product")).to_have_count(1 if staff else 0)

    # The Customers list is customers:read: a customer is told so instead.
    if not staff:
        tab.goto(f"{web.url}/customers")
        expect(tab.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert page.traffic.console_errors == []


def test_reload_keeps_the_session_and_log_out_returns_to_login(web: WebSystem, page: Page) -> None:
    from playwright.sync_api import expect

    tab = page.page
    log_in(tab, web, "ada")
    tab.goto(f"{web.url}/orders")
    # Reload only once this load's session is back: a reload while the refresh token is being
    # rotated loses the new one, and the old one's reuse ends the session (by design).
    expect(tab.get_by_test_id("session-user")).to_have_text(ROLE_LABELS["ada"])
    tab.reload()
    expect(tab.get_by_test_id("session-user")).to_have_text(ROLE_LABELS["ada"])
    expect(tab.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    # The access token lives in memory only; the tab keeps the refresh token.
    stored = tab.evaluate("() => JSON.stringify({...sessionStorage, ...localStorage})")
    assert "trellis.refreshToken" in stored
    assert "eyJ" not in stored

    tab.get_by_role("button", name="Log out").click()
    expect(tab).to_have_url(re.compile(r"/login$"))
    expect(tab.get_by_role("heading", name="Log in", exact=True)).to_be_visible()
    expect(tab.get_by_role("status")).to_have_text("You are logged out.")
    assert tab.evaluate("() => sessionStorage.getItem('trellis.refreshToken')") is None
    shot(tab, "21-logged-out")

    # Every screen now asks for a login first, and comes back to the page asked for.
    tab.goto(f"{web.url}/orders")
    expect(tab).to_have_url(re.compile(r"/login\?next=%2Forders$"))
    tab.get_by_label("Username", exact=True).fill("ada")
    tab.get_by_label("Password", exact=True).fill("not the password")
    tab.get_by_role("button", name="Log in", exact=True).click()
    expect(tab.get_by_role("alert")).to_contain_text("Wrong username or password")
    tab.get_by_label("Password", exact=True).fill(DEMO_PASSWORDS["ada"])
    tab.get_by_role("button", name="Log in", exact=True).click()
    expect(tab).to_have_url(re.compile(r"/orders$"))
    expect(tab.get_by_test_id("session-user")).to_have_text(ROLE_LABELS["ada"])
    assert page.traffic.console_errors == []
