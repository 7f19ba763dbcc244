"""Trellis web: serves the built single-page app with its runtime configuration.

:func:`create_app` builds the ASGI app from :class:`WebSettings`; ``trellis-web serve`` (or
``python -m trellis_web serve``) runs it under uvicorn on port 3000.
"""

from __future__ import annotations

from trellis_web.app import create_app
from trellis_web.errors import WebBuildMissing
from trellis_web.headers import content_security_policy
from trellis_web.settings import WebSettings

__all__ = ["WebBuildMissing", "WebSettings", "content_security_policy", "create_app"]
