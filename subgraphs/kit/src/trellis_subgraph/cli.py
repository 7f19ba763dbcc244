"""``python -m trellis_<name>``: parse the command line, build settings, run uvicorn."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

import uvicorn

from trellis_subgraph.app import SubgraphDefinition, create_app
from trellis_subgraph.settings import SubgraphSettings

__all__ = ["main", "settings_from_args"]


def settings_from_args(
    definition: SubgraphDefinition, argv: Sequence[str] | None = None
) -> SubgraphSettings:
    """Build settings from the environment, overridden by command-line options.

    Options: ``--host``, ``--port``, ``--database-url``, ``--registry-url`` (an empty value
    disables registration), ``--routing-url``, ``--data-dir``.

    Args:
        definition: The subgraph.
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The subgraph's settings.
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m trellis_{definition.name}",
        description=f"Run the Trellis {definition.name} subgraph.",
    )
    parser.add_argument("--host", help="interface to listen on")
    parser.add_argument("--port", type=int, help="TCP port to listen on")
    parser.add_argument("--database-url", help="SQLAlchemy async database URL")
    parser.add_argument("--registry-url", help="registry base URL; empty disables registration")
    parser.add_argument("--routing-url", help="URL advertised to the registry and router")
    parser.add_argument("--data-dir", help="directory of the default SQLite database")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {
        name: value for name, value in vars(args).items() if value is not None
    }
    return definition.settings_type(**overrides)


def main(definition: SubgraphDefinition, argv: Sequence[str] | None = None) -> None:
    """Run the subgraph under uvicorn until interrupted.

    Args:
        definition: The subgraph.
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    settings = settings_from_args(definition, argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per heartbeat otherwise
    app = create_app(definition, settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
