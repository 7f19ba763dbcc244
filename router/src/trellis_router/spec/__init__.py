"""Definitions of the specs a supergraph links: ``link`` and ``join``.

One module per spec. Nothing here imports the server layer.
"""
