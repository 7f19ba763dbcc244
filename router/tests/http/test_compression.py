"""Response compression: which Accept-Encoding values get gzip, and the body round-trips."""

from __future__ import annotations

import gzip

import pytest
from trellis_router.configuration.traffic_shaping import ResponseCompressionSettings
from trellis_router.http.compression import accepts_gzip, compress_body


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("deflate, br", False),
        ("", False),
        ("identity", False),
    ],
)
def test_accepts_gzip(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_large_bodies_are_compressed_and_round_trip() -> None:
    body = b'{"data":{"items":[' + b",".join(b'{"id":"%d"}' % i for i in range(500)) + b"]}}"
    compressed = compress_body(body, "gzip", ResponseCompressionSettings())
    assert compressed is not None
    assert len(compressed) < len(body) / 3
    assert gzip.decompress(compressed) == body


def test_small_bodies_and_disabled_compression_are_left_alone() -> None:
    settings = ResponseCompressionSettings(min_bytes=100)
    assert compress_body(b'{"data":{}}', "gzip", settings) is None
    big = b"x" * 200
    assert compress_body(big, "gzip", ResponseCompressionSettings(enabled=False)) is None
    assert compress_body(big, "br", settings) is None
