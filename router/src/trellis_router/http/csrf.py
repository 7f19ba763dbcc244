"""CSRF prevention: refuse requests a browser may send cross-site without a CORS preflight.

A browser sends a cross-origin "simple" request (a form post, an ``<img>`` GET, a ``fetch`` with
a CORS-safelisted Content-Type) without asking the server first, with the user's cookies. Such a
request can only carry a Content-Type of ``application/x-www-form-urlencoded``,
``multipart/form-data`` or ``text/plain`` (or none) and no custom header. So a request is safe
when its Content-Type parses as another MIME type (``application/json``: the browser had to
preflight it) or when it carries one of the required headers with a value. A Content-Type that
does not parse is treated as unsafe: browsers and servers disagree on odd values.

Apollo Router: ``csrf.unsafe_disabled``, ``csrf.required_headers``; code ``CSRF_ERROR``, HTTP 400.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..configuration.csrf import CsrfSettings

__all__ = ["CSRF_ERROR", "NON_PREFLIGHTED_CONTENT_TYPES", "content_type_essence", "csrf_problem"]

CSRF_ERROR = "CSRF_ERROR"
NON_PREFLIGHTED_CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
)

# RFC 9110 §5.6.2 token characters; HTTP whitespace per the Fetch standard.
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_HTTP_WHITESPACE = " \t\r\n"


def csrf_problem(method: str, headers: Mapping[str, str], settings: CsrfSettings) -> str | None:
    """Decide whether a request may be a cross-site request forgery.

    Args:
        method: the HTTP method (``OPTIONS`` is never checked: it is the preflight itself).
        headers: the request headers (any case of names; repeated headers, as Starlette's
            ``Headers.items()`` yields them, are joined with ``", "`` as a browser would).
        settings: ``enabled`` and ``required_headers`` (names, any case).

    Returns:
        None when the request is allowed; otherwise the message for an HTTP 400 response with
        code ``CSRF_ERROR``.

    Spec: Fetch standard, "CORS-safelisted request-header" (``Content-Type`` essence) and
    "CORS-preflight request"; MIME Sniffing, "parse a MIME type".
    """
    if not settings.enabled or method.upper() == "OPTIONS":
        return None
    required = {name.lower() for name in settings.required_headers}
    content_types: list[str] = []
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in required and value.strip(_HTTP_WHITESPACE):
            return None
        if lowered == "content-type":
            content_types.append(value)
    if content_types:
        essence = content_type_essence(", ".join(content_types))
        if essence is not None and essence not in NON_PREFLIGHTED_CONTENT_TYPES:
            return None
    return (
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
        "Please either specify a 'content-type' header (with a mime-type that is not one of "
        f"{', '.join(NON_PREFLIGHTED_CONTENT_TYPES)}) or provide a non-empty value for one of "
        f"the following headers: {', '.join(settings.required_headers)}"
    )


def content_type_essence(value: str) -> str | None:
    """The essence (``type/subtype``, lower case) of a Content-Type value, or None.

    Args:
        value: the header value, e.g. ``"Application/JSON; charset=utf-8"``.

    Returns:
        ``"application/json"`` for that example; None when the value is not a MIME type
        (no ``/``, an empty or non-token type or subtype).

    Spec: MIME Sniffing §4.4 "parse a MIME type" (parameters ignored).
    """
    media = value.strip(_HTTP_WHITESPACE).split(";", 1)[0].rstrip(_HTTP_WHITESPACE)
    kind, slash, subtype = media.partition("/")
    if not slash or not kind or not subtype:
        return None
    if not _TOKEN_CHARS.issuperset(kind) or not _TOKEN_CHARS.issuperset(subtype):
        return None
    return f"{kind}/{subtype}".lower()
