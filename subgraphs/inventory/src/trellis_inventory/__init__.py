"""Trellis inventory subgraph: the ``Product`` entity and its stock."""
