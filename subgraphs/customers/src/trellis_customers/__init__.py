"""Trellis customers subgraph: the ``Customer`` entity."""
