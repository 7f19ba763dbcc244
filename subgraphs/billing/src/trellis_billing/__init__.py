"""Trellis billing subgraph: the ``Invoice`` entity and ``Customer.invoices``."""
