"""Logs: structlog over the standard library, one JSON object per line.

:func:`configure_logging` installs one handler on the root logger whose formatter is structlog's
``ProcessorFormatter``, so ``logging.getLogger(...)`` calls everywhere (the router's, uvicorn's,
aiohttp's) and ``structlog.get_logger(...)`` calls come out alike::

    {"event": "supergraph loaded", "level": "info", "logger": "trellis_router.http.app",
     "timestamp": "2026-11-21T17:15:29.123456Z", "trace_id": "4bf9…", "span_id": "00f0…"}

``trace_id`` and ``span_id`` (lowercase hex) are added when an OpenTelemetry span is current.
Fields given with ``extra={...}`` on a standard-library call become keys of the object.

Spec: W3C Trace Context (trace id and span id in hex); RFC 3339 timestamps in UTC.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, MutableMapping
from typing import Any, Literal

import orjson
import structlog
from opentelemetry.trace import format_span_id, format_trace_id, get_current_span

__all__ = ["ACCESS_LOGGER", "UVICORN_LOGGERS", "access_log", "add_trace_ids", "configure_logging"]

ACCESS_LOGGER = "trellis_router.access"
"""The logger of :func:`access_log` lines."""

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
"""uvicorn's loggers: their own handlers are removed so that they reach the root handler."""

_access = logging.getLogger(ACCESS_LOGGER)
_INSTALLED = "_trellis_router_handler"
"""Marks the root handler :func:`configure_logging` installed (replaced on the next call)."""


def add_trace_ids(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: add ``trace_id`` and ``span_id`` of the current span, if any.

    Values already in the event (e.g. an explicit ``trace_id``) are kept.

    Args:
        _logger: the wrapped logger (unused).
        _method: the log method name (unused).
        event_dict: the event being built.

    Returns:
        The event, with the ids when a valid span is current.
    """
    context = get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format_trace_id(context.trace_id))
        event_dict.setdefault("span_id", format_span_id(context.span_id))
    return event_dict


_NOT_EXTRA = ("color_message", "message", "asctime")
"""Record attributes that look like ``extra`` fields but are not: uvicorn's ANSI-coloured copy
of its message, and what another handler's ``Formatter.format`` left on the record."""


def _drop_not_extra(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in _NOT_EXTRA:
        event_dict.pop(key, None)
    return event_dict


def _dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS).decode()


def configure_logging(level: str, fmt: Literal["json", "text"]) -> None:
    """Send every log record through structlog to stdout, one line each.

    Replaces the handler a previous call installed (other root handlers are left alone, so
    call this instead of ``logging.basicConfig``). uvicorn's loggers lose their own handlers
    and propagate to the root; run uvicorn with ``log_config=None`` so it does not install
    them again.

    Args:
        level: the root level name (``debug``, ``INFO``, …, any case).
        fmt: ``json`` (one JSON object per line: ``timestamp`` ISO 8601 UTC, ``level``,
            ``logger``, ``event``, ``trace_id``/``span_id`` inside a span, extra fields) or
            ``text`` (the same keys, aligned for a terminal, no colours).

    Raises:
        ValueError: ``level`` is not a logging level name.
    """
    level_number = logging.getLevelNamesMapping().get(level.upper())
    if level_number is None:
        raise ValueError(f"unknown log level {level!r}")
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        add_trace_ids,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Standard-library records: their ``extra`` fields first, so explicit values win.
    foreign: list[structlog.typing.Processor] = [
        structlog.stdlib.ExtraAdder(),
        _drop_not_extra,
        *shared,
    ]
    renderer: structlog.typing.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
        rendering: list[structlog.typing.Processor] = [
            structlog.processors.format_exc_info,
            renderer,
        ]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        rendering = [renderer]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    setattr(handler, _INSTALLED, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _INSTALLED, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level_number)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def access_log(
    *,
    method: str,
    path: str,
    status: int,
    seconds: float,
    operation_name: str | None,
    client_name: str | None,
    trace_id: str | None,
    errors: int,
) -> None:
    """Log one line (info, logger :data:`ACCESS_LOGGER`) for one answered request.

    The event is ``request`` with keys ``method``, ``path``, ``status``, ``duration_seconds``,
    ``operation_name``, ``client_name``, ``errors`` and, when known, ``trace_id``. Nothing is
    built when the logger is not enabled for info.

    Args:
        method: the HTTP method.
        path: the request path (without the query string: it may hold variables).
        status: the HTTP status sent.
        seconds: the time taken, in seconds.
        operation_name: the GraphQL operation name, when known.
        client_name: the client's name (``apollographql-client-name``), when sent.
        trace_id: the request's trace id (hex), when traced.
        errors: the number of GraphQL errors in the response.
    """
    if not _access.isEnabledFor(logging.INFO):
        return
    extra: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "duration_seconds": round(seconds, 6),
        "operation_name": operation_name,
        "client_name": client_name,
        "errors": errors,
    }
    if trace_id is not None:
        extra["trace_id"] = trace_id
    _access.info("request", extra=extra)
