"""Response compression for clients that accept it (``Accept-Encoding: gzip``).

The /graphql endpoint holds each response body whole, so it is compressed in one call (no
streaming middleware on the hot path).

Spec: RFC 9110 §8.4 (Content-Encoding), §12.5.3 (Accept-Encoding, ``q=0`` refuses a coding);
RFC 1952 (gzip).
"""

from __future__ import annotations

import zlib

from ..configuration.traffic_shaping import ResponseCompressionSettings

__all__ = ["GZIP_LEVEL", "accepts_gzip", "compress_body"]

GZIP_LEVEL = 5
"""zlib level: most of level 9's ratio on JSON at a fraction of its CPU."""


def accepts_gzip(accept_encoding: str) -> bool:
    """True when an ``Accept-Encoding`` value accepts gzip (or ``*``) with a non-zero q.

    Args:
        accept_encoding: the header value (may be empty).

    Returns:
        Whether a gzip body may be sent.
    """
    if "gzip" not in accept_encoding and "*" not in accept_encoding:
        return False
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            return _weight(params) > 0
    return False


def _weight(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def compress_body(
    body: bytes, accept_encoding: str, settings: ResponseCompressionSettings
) -> bytes | None:
    """The gzip-compressed ``body`` when the client accepts it and it is large enough.

    Args:
        body: the encoded response body.
        accept_encoding: the request's ``Accept-Encoding`` value.
        settings: ``traffic_shaping.response_compression``.

    Returns:
        The compressed bytes (send with ``Content-Encoding: gzip``), or None to send ``body``
        as it is.
    """
    if not settings.enabled or len(body) < settings.min_bytes or not accept_encoding:
        return None
    if not accepts_gzip(accept_encoding):
        return None
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(body) + compressor.flush()
