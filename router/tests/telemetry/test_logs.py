"""Logs: standard-library, structlog and uvicorn records come out as JSON lines (or text),
with the trace id inside a span; the access log line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog
from trellis_router.telemetry import ACCESS_LOGGER, RouterTracing, access_log, configure_logging
from trellis_router.telemetry.logs import UVICORN_LOGGERS

from .conftest import CALLER_TRACE_ID, CALLER_TRACEPARENT


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    uvicorn = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
        for name in UVICORN_LOGGERS
    }
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    for name, (saved, propagate) in uvicorn.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = saved
        logger.propagate = propagate
    structlog.reset_defaults()


@pytest.fixture(autouse=True)
def _router_logger_levels() -> Iterator[None]:
    """Other tests (the CLI's, in-process uvicorn servers) set these loggers' levels or
    disable them; start from none."""
    names = ("trellis_router", "trellis_config", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        name: (logging.getLogger(name).level, logging.getLogger(name).disabled) for name in names
    }
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger(name).disabled = False
    yield
    for name, (level, disabled) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).disabled = disabled


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_stdlib_records_are_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")

    logging.getLogger("trellis_router.sources").info("loaded %s subgraphs", 4)
    logging.getLogger("trellis_router.sources").debug("not shown")
    logging.getLogger("aiohttp.client").warning("slow", extra={"subgraph": "products"})

    first, second = _lines(capsys)
    assert first["event"] == "loaded 4 subgraphs"
    assert first["level"] == "info"
    assert first["logger"] == "trellis_router.sources"
    stamp = datetime.fromisoformat(first["timestamp"])
    assert stamp.utcoffset() == UTC.utcoffset(None)
    assert "trace_id" not in first and "span_id" not in first
    assert second == {**second, "level": "warning", "event": "slow", "subgraph": "products"}


def test_lines_inside_a_span_carry_its_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from trellis_router.configuration.telemetry import TracingSettings

    configure_logging("INFO", "json")
    tracing = RouterTracing(TracingSettings(enabled=True), exporter=InMemorySpanExporter())
    with tracing.request_span({"traceparent": CALLER_TRACEPARENT}, "Top") as span:
        logging.getLogger("trellis_router.http").info("inside")
        structlog.get_logger("trellis_router.pipeline").info("planned", operation="Top")
        span_id = format(span.get_span_context().span_id, "016x")
    logging.getLogger("trellis_router.http").info("outside")
    tracing.shutdown()

    inside, planned, outside = _lines(capsys)
    for line in (inside, planned):
        assert line["trace_id"] == CALLER_TRACE_ID
        assert line["span_id"] == span_id
    assert planned["logger"] == "trellis_router.pipeline"
    assert planned["operation"] == "Top"
    assert planned["level"] == "info"
    assert "trace_id" not in outside


def test_uvicorn_loggers_reach_the_json_handler(capsys: pytest.CaptureFixture[str]) -> None:
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(logging.StreamHandler())  # what uvicorn's own config installs
    uvicorn_error.propagate = False

    configure_logging("info", "json")
    uvicorn_error.info("Started server process [%d]", 42, extra={"color_message": "\x1b[1m…"})

    (line,) = _lines(capsys)
    assert line["event"] == "Started server process [42]"
    assert line["logger"] == "uvicorn.error"
    assert "color_message" not in line


def test_access_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")

    access_log(
        method="POST",
        path="/graphql",
        status=200,
        seconds=0.0123456789,
        operation_name="Top",
        client_name="web",
        trace_id=CALLER_TRACE_ID,
        errors=1,
    )

    (line,) = _lines(capsys)
    assert {k: v for k, v in line.items() if k != "timestamp"} == {
        "event": "request",
        "level": "info",
        "logger": ACCESS_LOGGER,
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "duration_seconds": 0.012346,
        "operation_name": "Top",
        "client_name": "web",
        "trace_id": CALLER_TRACE_ID,
        "errors": 1,
    }


def test_access_log_is_silent_below_its_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("warning", "json")

    access_log(
        method="GET",
        path="/graphql",
        status=400,
        seconds=0.001,
        operation_name=None,
        client_name=None,
        trace_id=None,
        errors=1,
    )

    assert capsys.readouterr().out == ""


def test_exceptions_are_rendered_into_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")

    try:
        raise ValueError("bad plan")
    except ValueError:
        logging.getLogger("trellis_router.pipeline").exception("planning failed")

    (line,) = _lines(capsys)
    assert line["level"] == "error"
    assert "ValueError: bad plan" in line["exception"]


def test_text_format_and_reconfiguration(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")
    configure_logging("info", "text")

    logging.getLogger("trellis_router.sources").info("loaded", extra={"subgraphs": 4})

    (line,) = capsys.readouterr().out.splitlines()
    assert "loaded" in line and "subgraphs=4" in line and "trellis_router.sources" in line
    assert not line.startswith("{")
    installed = [h for h in logging.getLogger().handlers if hasattr(h, "_trellis_router_handler")]
    assert len(installed) == 1


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("loud", "json")
