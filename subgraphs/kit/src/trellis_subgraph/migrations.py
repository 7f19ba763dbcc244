"""Alembic migrations, run programmatically on start.

Each subgraph keeps an ``alembic/`` directory inside its package (``env.py`` plus committed
revision scripts under ``versions/``). Its ``env.py`` is two lines: it calls :func:`run_env`
with the subgraph's metadata. :func:`upgrade` runs every pending revision on the application's
own async engine, handing Alembic a connection through ``Config.attributes``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, pool
from sqlalchemy.ext.asyncio import async_engine_from_config

from trellis_subgraph.database import Database

__all__ = ["alembic_config", "run_env", "upgrade"]


def alembic_config(script_location: Path, database_url: str | None = None) -> Config:
    """Build an in-memory Alembic configuration (no ``alembic.ini`` needed).

    Args:
        script_location: The subgraph's ``alembic/`` directory.
        database_url: Optional URL, used only when Alembic opens its own connection.

    Returns:
        The Alembic :class:`~alembic.config.Config`.
    """
    config = Config()
    config.set_main_option("script_location", str(script_location))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def upgrade(database: Database, script_location: Path, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` on the application's engine.

    Args:
        database: The subgraph's database.
        script_location: The subgraph's ``alembic/`` directory.
        revision: Target revision; ``head`` by default.
    """
    config = alembic_config(script_location)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


def run_env(target_metadata: MetaData) -> None:
    """Body of a subgraph's ``alembic/env.py``.

    Uses the connection passed in ``config.attributes["connection"]`` when there is one (the
    programmatic path), otherwise opens an async engine on ``sqlalchemy.url``; offline mode
    emits SQL.

    Args:
        target_metadata: The subgraph's ORM metadata.
    """
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run_on(connection, target_metadata)
        return
    asyncio.run(_run_on_new_engine(config, target_metadata))


def _run_on(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_new_engine(config: Config, target_metadata: MetaData) -> None:
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run_on, target_metadata)
    await engine.dispose()
