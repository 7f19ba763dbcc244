"""Trellis inventory subgraph: the ``Product`` entity, its stock and stock reservations."""
