"""Trellis orders subgraph: the ``Order`` entity, its lifecycle, and ``Customer.orders``."""
