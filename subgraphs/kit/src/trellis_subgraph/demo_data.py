"""The deterministic demo catalogue that several subgraphs seed from.

Every subgraph that needs demo rows builds the same catalogue from the same seed, so the ids line
up across databases (billing's frozen unit prices equal inventory's seeded prices) without any
subgraph reading another's database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from trellis_subgraph.money import DEFAULT_CURRENCY

__all__ = [
    "DEMO_SEED",
    "DemoCatalogue",
    "DemoCustomer",
    "DemoInvoice",
    "DemoInvoiceItem",
    "DemoProduct",
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
_FIRST_ISSUE = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """A demo customer (``id`` is the database id)."""

    id: int
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """A demo product; ``price`` is in minor units of ``currency``."""

    id: int
    sku: str
    name: str
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
class DemoInvoice:
    """A demo invoice, numbered ``INV-0001`` onwards."""

    id: int
    number: str
    issued_at: datetime
    customer_id: int
    currency: str
    items: tuple[DemoInvoiceItem, ...]


@dataclass(frozen=True, slots=True)
class DemoCatalogue:
    """All demo rows, ids starting at 1 in each collection."""

    customers: tuple[DemoCustomer, ...]
    products: tuple[DemoProduct, ...]
    invoices: tuple[DemoInvoice, ...]


@cache
def demo_catalogue(scale: int = 1, seed: int = DEMO_SEED) -> DemoCatalogue:
    """Build the demo catalogue.

    Sizes at ``scale=1``: 12 customers, 16 products, 40 invoices with 1-5 items each (every
    customer has at least one invoice); all three grow linearly with ``scale`` (for
    benchmarks).

    Args:
        scale: Size multiplier, at least 1.
        seed: Seed of the random choices; the same arguments always give the same catalogue.

    Returns:
        The catalogue.

    Raises:
        ValueError: If ``scale`` is below 1.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    rng = random.Random(seed)
    customers = tuple(_customer(i) for i in range(1, 12 * scale + 1))
    products = tuple(_product(i, rng) for i in range(1, len(_PRODUCTS) * scale + 1))
    invoices = tuple(_invoice(i, rng, customers, products) for i in range(1, 40 * scale + 1))
    return DemoCatalogue(customers=customers, products=products, invoices=invoices)


def _customer(id_: int) -> DemoCustomer:
    first = _FIRST_NAMES[(id_ - 1) % len(_FIRST_NAMES)]
    last = _LAST_NAMES[((id_ - 1) * 5 + (id_ - 1) // len(_LAST_NAMES)) % len(_LAST_NAMES)]
    return DemoCustomer(
        id=id_, name=f"{first} {last}", email=f"{first}.{last}.{id_}@example.com".lower()
    )


def _product(id_: int, rng: random.Random) -> DemoProduct:
    name, price = _PRODUCTS[(id_ - 1) % len(_PRODUCTS)]
    batch = (id_ - 1) // len(_PRODUCTS)
    return DemoProduct(
        id=id_,
        sku=f"TRL-{id_:05d}",
        name=name if batch == 0 else f"{name} (series {batch + 1})",
        price=price,
        currency=DEFAULT_CURRENCY,
        stock=rng.randint(0, 250),
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
    issued_at = _FIRST_ISSUE + timedelta(days=(id_ - 1) * 3, minutes=rng.randint(0, 8 * 60))
    return DemoInvoice(
        id=id_,
        number=f"INV-{id_:04d}",
        issued_at=issued_at,
        customer_id=customer.id,
        currency=DEFAULT_CURRENCY,
        items=items,
    )
