"""Trellis package."""
