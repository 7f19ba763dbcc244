"""The deterministic demo catalogue."""

from __future__ import annotations

import pytest
from trellis_subgraph import demo_catalogue


def test_sizes() -> None:
    catalogue = demo_catalogue()
    assert len(catalogue.customers) >= 8
    assert len(catalogue.products) >= 12
    assert len(catalogue.invoices) >= 30
    assert all(1 <= len(invoice.items) <= 5 for invoice in catalogue.invoices)


def test_is_deterministic_per_seed() -> None:
    assert demo_catalogue(seed=7) == demo_catalogue(seed=7)
    assert demo_catalogue(seed=7) != demo_catalogue(seed=8)


def test_ids_numbers_and_emails() -> None:
    catalogue = demo_catalogue(scale=3)
    for rows in (catalogue.customers, catalogue.products, catalogue.invoices):
        assert [row.id for row in rows] == list(range(1, len(rows) + 1))
    assert catalogue.invoices[0].number == "INV-0001"
    assert catalogue.invoices[41].number == "INV-0042"
    assert len({c.email for c in catalogue.customers}) == len(catalogue.customers)
    assert len({p.sku for p in catalogue.products}) == len(catalogue.products)


def test_invoices_refer_to_catalogue_rows_at_their_prices() -> None:
    catalogue = demo_catalogue()
    prices = {p.id: p.price for p in catalogue.products}
    customer_ids = {c.id for c in catalogue.customers}
    for invoice in catalogue.invoices:
        assert invoice.customer_id in customer_ids
        assert invoice.issued_at.tzinfo is not None
        assert len({item.product_id for item in invoice.items}) == len(invoice.items)
        for item in invoice.items:
            assert item.unit_price == prices[item.product_id]
            assert item.quantity >= 1
    assert {i.customer_id for i in catalogue.invoices} == customer_ids


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale"):
        demo_catalogue(scale=0)
