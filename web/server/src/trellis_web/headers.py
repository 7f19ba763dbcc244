"""Security headers on every response, and the Content-Security-Policy of the HTML pages.

Spec: Content Security Policy Level 3 (W3C), RFC 9110 §8.3 (Content-Type), Fetch
(``X-Content-Type-Options: nosniff``), Referrer Policy (W3C).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware", "content_security_policy", "origin_of"]


def origin_of(url: str | None) -> str | None:
    """The origin of an absolute URL, as a CSP source expression.

    Args:
        url: A URL such as ``"http://127.0.0.1:4000/graphql"``, or None.

    Returns:
        ``scheme://host[:port]`` (``"http://127.0.0.1:4000"``; the port only when the URL names
        one; an IPv6 host keeps its brackets), or None for None, a relative URL (served by this
        origin, so ``'self'`` covers it) or a URL without a host.

    Example:
        >>> origin_of("HTTP://User@Example.com:8761/eureka/")
        'http://example.com:8761'
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    host_port = parts.netloc.rpartition("@")[2].lower()
    if not host_port:
        return None
    return f"{parts.scheme.lower()}://{host_port}"


def content_security_policy(connect_urls: Iterable[str | None]) -> str:
    """The Content-Security-Policy of the app's HTML pages.

    Only this server (``'self'``) may serve scripts, styles, fonts, images and workers, and
    the page may connect to itself and the origins of ``connect_urls`` only, so the browser
    itself enforces that no request leaves the machine.

    Args:
        connect_urls: URLs the page talks to (router GraphQL endpoint, registry); None and
            relative URLs add nothing; repeated origins are listed once, in order.

    Returns:
        The header value, directives separated by ``"; "``.

    Spec: Content Security Policy Level 3 (W3C), §6 (directives).
    """
    origins: list[str] = []
    for url in connect_urls:
        origin = origin_of(url)
        if origin is not None and origin not in origins:
            origins.append(origin)
    connect_src = " ".join(["'self'", *origins])
    return "; ".join(
        [
            "default-src 'self'",
            f"connect-src {connect_src}",
            "img-src 'self' data:",
            "style-src 'self' 'unsafe-inline'",
            "font-src 'self' data:",
            "script-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """ASGI middleware adding security headers to every HTTP response.

    Adds ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` to every
    response, and ``Content-Security-Policy`` to responses whose media type is ``text/html``
    when a policy is given. Headers the application already set are kept.

    Args:
        app: The wrapped ASGI application.
        csp: The Content-Security-Policy value for HTML responses, or None for none.
    """

    def __init__(self, app: ASGIApp, csp: str | None = None) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the wrapped app, adding the headers to its ``http.response.start`` message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "same-origin")
                media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
                if self.csp is not None and media_type == "text/html":
                    headers.setdefault("content-security-policy", self.csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)
