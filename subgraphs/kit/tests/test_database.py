"""The database layer on SQLite and PostgreSQL: write transactions under concurrency."""

from __future__ import annotations

import asyncio

from sqlalchemy import Integer, String, select, text, update
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import Database, ModelBase, sync_id_sequences


class Base(ModelBase):
    __abstract__ = True


class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    value: Mapped[int] = mapped_column(Integer)


async def test_concurrent_read_modify_write_transactions_lose_no_update(
    database_url: str,
) -> None:
    database = Database.connect(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with database.write() as session:
            session.add(Counter(id=1, name="hits", value=0))

        async def increment() -> None:
            async with database.write() as session:
                row = await session.scalar(
                    select(Counter).where(Counter.name == "hits").with_for_update()
                )
                assert row is not None
                row.value += 1

        await asyncio.gather(*(increment() for _ in range(40)))
        async with database.sessions() as session:
            assert await session.scalar(select(Counter.value)) == 40
    finally:
        await database.dispose()


async def test_a_failed_write_block_rolls_back(database_url: str) -> None:
    database = Database.connect(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        try:
            async with database.write() as session:
                session.add(Counter(id=1, name="a", value=1))
                await session.flush()
                await session.execute(update(Counter).values(value=2))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with database.sessions() as session:
            assert (await session.scalars(select(Counter))).all() == []
    finally:
        await database.dispose()


async def test_sync_id_sequences_lets_inserts_follow_explicit_ids(database_url: str) -> None:
    database = Database.connect(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with database.write() as session:
            await session.execute(
                Counter.__table__.insert(),
                [{"id": i, "name": f"c{i}", "value": i} for i in range(1, 6)],
            )
            await sync_id_sequences(session, "counters")
        async with database.write() as session:
            row = Counter(name="next", value=0)
            session.add(row)
            await session.flush()
            assert row.id == 6
    finally:
        await database.dispose()


async def test_sqlite_files_use_wal_and_foreign_keys(tmp_path: object) -> None:
    database = Database.connect(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    try:
        async with database.sessions() as session:
            assert await session.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await session.scalar(text("PRAGMA foreign_keys")) == 1
        assert database.backend == "sqlite"
    finally:
        await database.dispose()
