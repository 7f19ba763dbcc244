"""``python -m trellis_<name> [serve|migrate|seed]``: the command line of every subgraph.

- ``serve`` (the default when no command is given): run the subgraph under uvicorn.
- ``migrate``: run the Alembic migrations to head, then exit.
- ``seed``: migrate, then load the demo catalogue at the given sizes into empty tables
  (``--customers 10000 --products 2000 --invoices 100000`` for benchmarks); prints the time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from trellis_config.client import LiveSettings, client_from_env

from trellis_subgraph.app import SubgraphDefinition, create_app
from trellis_subgraph.database import Database
from trellis_subgraph.demo_data import DemoSizes, demo_catalogue
from trellis_subgraph.migrations import upgrade
from trellis_subgraph.settings import SubgraphSettings

__all__ = ["live_settings", "main", "migrate", "seed", "settings_from_args"]

COMMANDS = ("serve", "migrate", "seed")


def _parser(definition: SubgraphDefinition) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m trellis_{definition.name}",
        description=f"Run the Trellis {definition.name} subgraph (commands: serve, migrate, seed).",
    )
    parser.add_argument("command", nargs="?", choices=COMMANDS, default="serve")
    parser.add_argument("--host", help="interface to listen on")
    parser.add_argument("--port", type=int, help="TCP port to listen on")
    parser.add_argument("--database-url", help="SQLAlchemy async database URL")
    parser.add_argument("--registry-url", help="registry base URL; empty disables registration")
    parser.add_argument("--routing-url", help="URL advertised to the registry and router")
    parser.add_argument("--data-dir", help="directory of the default SQLite database")
    defaults = DemoSizes()
    parser.add_argument("--customers", type=int, default=defaults.customers, help="seed size")
    parser.add_argument("--products", type=int, default=defaults.products, help="seed size")
    parser.add_argument("--invoices", type=int, default=defaults.invoices, help="seed size")
    return parser


_SERVE_OPTIONS = ("host", "port", "database_url", "registry_url", "routing_url", "data_dir")


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

    Raises:
        SystemExit: On unknown options (argparse prints the usage).
    """
    args = _parser(definition).parse_args(argv)
    return _settings(definition, args)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(args).items()
        if name in _SERVE_OPTIONS and value is not None
    }


def _settings(definition: SubgraphDefinition, args: argparse.Namespace) -> SubgraphSettings:
    return definition.settings_type(**_overrides(args))


def live_settings(
    definition: SubgraphDefinition, overrides: dict[str, Any], local: SubgraphSettings
) -> LiveSettings[Any] | None:
    """Settings followed from the config server, when ``TRELLIS_CONFIG_URL`` names one.

    Precedence: command-line options > environment > config server (application
    ``<subgraph name>``, profile ``TRELLIS_CONFIG_PROFILE``) > defaults. The last environment
    the server gave is cached in ``<data_dir>/config-cache/<name>.json`` and used when the
    server cannot be reached at start.

    Args:
        definition: The subgraph.
        overrides: Values from command-line options.
        local: The settings without the config server (for ``data_dir``).

    Returns:
        The loaded :class:`LiveSettings`, or None when no config server is configured.
    """
    client = client_from_env(definition.name)
    if client is None:
        return None
    cache = Path(local.data_dir) / "config-cache" / f"{definition.name}.json"
    live = LiveSettings(definition.settings_type, client, overrides=overrides, cache_path=cache)
    live.load()
    return live


async def migrate(definition: SubgraphDefinition, settings: SubgraphSettings) -> None:
    """Run the subgraph's Alembic migrations to head.

    Args:
        definition: The subgraph.
        settings: Its settings (``database_url``).
    """
    database = Database.connect(settings.database_url)
    try:
        await upgrade(database, definition.migrations)
    finally:
        await database.dispose()


async def seed(
    definition: SubgraphDefinition, settings: SubgraphSettings, sizes: DemoSizes
) -> bool:
    """Migrate, then load the demo catalogue at ``sizes`` if the subgraph's tables are empty.

    Args:
        definition: The subgraph.
        settings: Its settings (``database_url``).
        sizes: The catalogue's sizes.

    Returns:
        True if rows were inserted, False if the tables already held data.
    """
    catalogue = demo_catalogue(sizes=sizes)
    database = Database.connect(settings.database_url)
    try:
        await upgrade(database, definition.migrations)
        async with database.write() as session:
            return await definition.seed(session, catalogue)
    finally:
        await database.dispose()


def main(definition: SubgraphDefinition, argv: Sequence[str] | None = None) -> None:
    """Run one command of the subgraph's command line.

    Args:
        definition: The subgraph.
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Raises:
        SystemExit: On bad options, or with status 1 when ``seed`` finds data already there.
    """
    args = _parser(definition).parse_args(argv)
    settings = _settings(definition, args)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per heartbeat otherwise
    if args.command == "migrate":
        asyncio.run(migrate(definition, settings))
        print(f"{definition.name}: migrated {settings.database_url}")
        return
    if args.command == "seed":
        sizes = DemoSizes(customers=args.customers, products=args.products, invoices=args.invoices)
        started = time.perf_counter()
        inserted = asyncio.run(seed(definition, settings, sizes))
        elapsed = time.perf_counter() - started
        if not inserted:
            print(f"{definition.name}: not seeded, the tables already hold data", file=sys.stderr)
            raise SystemExit(1)
        print(f"{definition.name}: seeded {sizes} in {elapsed:.1f} s")
        return
    live = live_settings(definition, _overrides(args), settings)
    if live is not None:
        settings = live.current
    app = create_app(definition, settings, live=live)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
