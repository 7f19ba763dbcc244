"""The deterministic demo catalogue that several subgraphs seed from.

Every subgraph that needs demo rows builds the same catalogue from the same seed, so the ids line
up across databases (billing's frozen unit prices equal inventory's seeded prices) without any
subgraph reading another's database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from trellis_subgraph.money import DEFAULT_CURRENCY

__all__ = [
    "DEMO_SEED",
    "DemoCatalogue",
    "DemoCustomer",
    "DemoInvoice",
    "DemoInvoiceItem",
    "DemoOrder",
    "DemoPayment",
    "DemoProduct",
    "DemoSizes",
    "demo_catalogue",
]

DEMO_SEED = 20240101
"""Seed of the demo catalogue's random choices."""

_FIRST_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Niklaus",
    "Frances",
    "John",
)
_LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Wirth",
    "Allen",
    "Backus",
)
_PRODUCTS = (
    ("Trellis panel, cedar", 4999),
    ("Trellis panel, larch", 5999),
    ("Garden twine, 100 m", 699),
    ("Plant ties, pack of 50", 399),
    ("Climbing rose, bare root", 1899),
    ("Clematis, 2 l pot", 1499),
    ("Wall anchor kit", 1299),
    ("Galvanised wire, 30 m", 999),
    ("Vine eyes, pack of 20", 549),
    ("Pruning shears", 2499),
    ("Garden gloves", 1199),
    ("Compost, 40 l", 899),
    ("Hanging basket", 1799),
    ("Watering can, 10 l", 2199),
    ("Obelisk, steel", 3999),
    ("Arch, powder coated", 8999),
)
_CITIES = (
    ("London", "GB", "EC1A 1BB"),
    ("Paris", "FR", "75001"),
    ("Berlin", "DE", "10115"),
    ("Amsterdam", "NL", "1012 AB"),
    ("Dublin", "IE", "D02 X285"),
    ("Lisbon", "PT", "1100-148"),
)
_PAYMENT_METHODS = ("CARD", "BANK_TRANSFER", "CASH")
_FIRST_ISSUE = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
_FIRST_SIGN_UP = datetime(2023, 11, 1, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DemoSizes:
    """How many rows of each kind the catalogue has.

    Attributes:
        customers: Customers (at least 1).
        products: Products (at least 5: an invoice has up to 5 distinct products).
        invoices: Invoices, each of 1-5 items.
    """

    customers: int = 12
    products: int = 16
    invoices: int = 40

    @classmethod
    def scaled(cls, scale: int) -> DemoSizes:
        """The default sizes times ``scale``.

        Raises:
            ValueError: If ``scale`` is below 1.
        """
        if scale < 1:
            raise ValueError(f"scale must be at least 1, got {scale}")
        return cls(customers=12 * scale, products=16 * scale, invoices=40 * scale)


@dataclass(frozen=True, slots=True)
class DemoAddress:
    """A postal address; ``country`` is an ISO 3166-1 alpha-2 code."""

    line1: str
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """A demo customer (``id`` is the database id); a third have no phone, half no address."""

    id: int
    name: str
    email: str
    phone: str | None
    address: DemoAddress | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """A demo product; ``price`` is in minor units of ``currency``, nothing is reserved."""

    id: int
    sku: str
    name: str
    description: str
    price: int
    currency: str
    stock: int


@dataclass(frozen=True, slots=True)
class DemoInvoiceItem:
    """One line of a demo invoice; ``unit_price`` (minor units) is the product's seeded price."""

    product_id: int
    quantity: int
    unit_price: int


@dataclass(frozen=True, slots=True)
class DemoPayment:
    """A payment received against a demo invoice (``amount`` in minor units)."""

    amount: int
    method: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    """A demo invoice, numbered ``INV-0001`` onwards.

    Statuses: every 5th invoice is ``VOID`` (no payments); otherwise even ids are ``PAID``
    (in full, in two payments when the id is a multiple of 4), odd multiples of 3 are ``OPEN``
    with half paid, the rest ``OPEN`` unpaid. ``order_id`` names the order it bills, if any.
    """

    id: int
    number: str
    issued_at: datetime
    customer_id: int
    currency: str
    items: tuple[DemoInvoiceItem, ...]
    status: str
    payments: tuple[DemoPayment, ...]
    order_id: int | None

    @property
    def total(self) -> int:
        """Sum of the line totals, in minor units."""
        return sum(item.unit_price * item.quantity for item in self.items)


@dataclass(frozen=True, slots=True)
class DemoOrder:
    """A demo order: the paid invoices whose id is a multiple of 4 bill one each.

    Its items are the invoice's; it is ``DELIVERED`` when the invoice id is a multiple of 8,
    else ``SHIPPED`` (either way its stock is already committed: nothing stays reserved).
    """

    id: int
    number: str
    customer_id: int
    invoice_id: int
    items: tuple[DemoInvoiceItem, ...]
    status: str
    placed_at: datetime
    paid_at: datetime
    shipped_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DemoCatalogue:
    """All demo rows, ids starting at 1 in each collection."""

    customers: tuple[DemoCustomer, ...]
    products: tuple[DemoProduct, ...]
    invoices: tuple[DemoInvoice, ...]
    orders: tuple[DemoOrder, ...]


@cache
def demo_catalogue(
    scale: int = 1, seed: int = DEMO_SEED, *, sizes: DemoSizes | None = None
) -> DemoCatalogue:
    """Build the demo catalogue.

    Sizes at ``scale=1``: 12 customers, 16 products, 40 invoices with 1-5 items each (every
    customer has at least one invoice); all three grow linearly with ``scale``, or take any
    ``sizes`` (for benchmarks: 10,000 customers, 2,000 products, 100,000 invoices).

    Args:
        scale: Size multiplier, at least 1 (ignored when ``sizes`` is given).
        seed: Seed of the random choices; the same arguments always give the same catalogue.
        sizes: Explicit sizes.

    Returns:
        The catalogue.

    Raises:
        ValueError: If ``scale`` is below 1, or the sizes are too small.
    """
    sizes = sizes if sizes is not None else DemoSizes.scaled(scale)
    if sizes.customers < 1 or sizes.products < 5 or sizes.invoices < 0:
        raise ValueError(f"sizes need at least 1 customer and 5 products, got {sizes}")
    rng = random.Random(seed)
    customers = tuple(_customer(i) for i in range(1, sizes.customers + 1))
    products = tuple(_product(i, rng) for i in range(1, sizes.products + 1))
    invoices = list(_invoice(i, rng, customers, products) for i in range(1, sizes.invoices + 1))
    orders: list[DemoOrder] = []
    for position, invoice in enumerate(invoices):
        if invoice.status == "PAID" and invoice.id % 4 == 0:
            invoices[position] = replace(invoice, order_id=len(orders) + 1)
            orders.append(_order(len(orders) + 1, invoices[position]))
    return DemoCatalogue(
        customers=customers, products=products, invoices=tuple(invoices), orders=tuple(orders)
    )


def _customer(id_: int) -> DemoCustomer:
    first = _FIRST_NAMES[(id_ - 1) % len(_FIRST_NAMES)]
    last = _LAST_NAMES[((id_ - 1) * 5 + (id_ - 1) // len(_LAST_NAMES)) % len(_LAST_NAMES)]
    city, country, postal_code = _CITIES[id_ % len(_CITIES)]
    return DemoCustomer(
        id=id_,
        name=f"{first} {last}",
        email=f"{first}.{last}.{id_}@example.com".lower(),
        phone=None if id_ % 3 == 0 else f"+44 20 7946 {id_ % 10000:04d}",
        address=(
            None
            if id_ % 2 == 0
            else DemoAddress(
                line1=f"{id_} Garden Row", city=city, postal_code=postal_code, country=country
            )
        ),
        created_at=_FIRST_SIGN_UP + timedelta(hours=id_),
    )


def _product(id_: int, rng: random.Random) -> DemoProduct:
    name, price = _PRODUCTS[(id_ - 1) % len(_PRODUCTS)]
    batch = (id_ - 1) // len(_PRODUCTS)
    return DemoProduct(
        id=id_,
        sku=f"TRL-{id_:05d}",
        name=name if batch == 0 else f"{name} (series {batch + 1})",
        description=f"{name}: from the Trellis garden range.",
        price=price,
        currency=DEFAULT_CURRENCY,
        stock=rng.randint(0, 250),
    )


def _payments(id_: int, total: int, issued_at: datetime) -> tuple[str, tuple[DemoPayment, ...]]:
    method = _PAYMENT_METHODS[id_ % len(_PAYMENT_METHODS)]
    if id_ % 5 == 0:
        return "VOID", ()
    if id_ % 2 == 0:
        if id_ % 4 == 0 and total > 1:
            first = total // 2
            return "PAID", (
                DemoPayment(first, method, issued_at + timedelta(days=2)),
                DemoPayment(total - first, method, issued_at + timedelta(days=9)),
            )
        return "PAID", (DemoPayment(total, method, issued_at + timedelta(days=5)),)
    if id_ % 3 == 0 and total > 1:
        return "OPEN", (DemoPayment(total // 2, method, issued_at + timedelta(days=4)),)
    return "OPEN", ()


def _order(order_id: int, invoice: DemoInvoice) -> DemoOrder:
    placed_at = invoice.issued_at - timedelta(minutes=1)
    paid_at = invoice.payments[-1].received_at
    shipped_at = paid_at + timedelta(days=1)
    delivered = invoice.id % 8 == 0
    return DemoOrder(
        id=order_id,
        number=f"ORD-{order_id:06d}",
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        items=invoice.items,
        status="DELIVERED" if delivered else "SHIPPED",
        placed_at=placed_at,
        paid_at=paid_at,
        shipped_at=shipped_at,
        delivered_at=shipped_at + timedelta(days=2) if delivered else None,
    )


def _invoice(
    id_: int,
    rng: random.Random,
    customers: tuple[DemoCustomer, ...],
    products: tuple[DemoProduct, ...],
) -> DemoInvoice:
    # The first invoices go round the customers, so every customer has at least one.
    customer = customers[id_ - 1] if id_ <= len(customers) else rng.choice(customers)
    lines = rng.sample(products, rng.randint(1, 5))
    items = tuple(
        DemoInvoiceItem(product_id=p.id, quantity=rng.randint(1, 6), unit_price=p.price)
        for p in lines
    )
    issued_at = _FIRST_ISSUE + timedelta(hours=(id_ - 1) * 6, minutes=rng.randint(0, 4 * 60))
    total = sum(item.unit_price * item.quantity for item in items)
    status, payments = _payments(id_, total, issued_at)
    return DemoInvoice(
        id=id_,
        number=f"INV-{id_:04d}",
        issued_at=issued_at,
        customer_id=customer.id,
        currency=DEFAULT_CURRENCY,
        items=items,
        status=status,
        payments=payments,
        order_id=None,
    )
