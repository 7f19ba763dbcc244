"""The per-request GraphQL context: one database session and one set of DataLoaders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from trellis_subgraph.database import Database
from trellis_subgraph.errors import Forbidden
from trellis_subgraph.ids import parse_id
from trellis_subgraph.loaders import BatchLoad
from trellis_subgraph.peers import PeerClient, Peers
from trellis_subgraph.settings import SubgraphSettings

__all__ = [
    "OWNER_HEADER",
    "SubgraphContext",
    "SubgraphInfo",
    "SubgraphServices",
    "context_getter",
]

OWNER_HEADER = "x-trellis-customer-id"
"""The request header naming the customer a request acts for.

The router sets it from the verified access token's ``customer_id`` claim (``headers`` insert
``from_claim``) on requests of customers' logins, and never passes a client's own value on.
Subgraphs then show such a request only that customer's data. A request without it comes from
staff through the router (whose ``@requiresScopes`` / ``@policy`` checks already passed) or from
a peer subgraph: subgraphs are reachable only behind the router (DESIGN.md, trust boundary)."""

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass(slots=True)
class SubgraphServices:
    """The process-wide parts of a running subgraph, shared by requests and background tasks.

    Attributes:
        database: The subgraph's database.
        peers: Clients of the peer subgraphs.
        settings: The subgraph's settings; replaced whole when the config server changes a
            key (read it at the point of use, do not keep a copy across awaits in loops).
    """

    database: Database
    peers: Peers
    settings: SubgraphSettings


class SubgraphContext(BaseContext):
    """What every resolver of a subgraph sees as ``info.context``.

    The read session is shared by the whole request; :meth:`use_session` serialises access to
    it, because resolvers run concurrently and an ``AsyncSession`` allows one operation at a
    time. Mutations write through :meth:`write` (their own short transaction).

    Args:
        session: The request's read session.
        services: The process-wide parts (database, peers, settings).
    """

    def __init__(self, session: AsyncSession, services: SubgraphServices) -> None:
        super().__init__()
        self._session = session
        self.services = services
        self._lock = asyncio.Lock()
        self._loaders: dict[object, DataLoader[Any, Any]] = {}

    @asynccontextmanager
    async def use_session(self) -> AsyncIterator[AsyncSession]:
        """Borrow the request's session, one user at a time.

        Yields:
            The request's :class:`AsyncSession`.
        """
        async with self._lock:
            yield self._session

    def owner(self) -> int | None:
        """The customer this request acts for, from the :data:`OWNER_HEADER` header.

        Returns:
            The customer's id, or None when the header is absent (no per-customer restriction).

        Raises:
            Forbidden: If the header is present but not a positive integer (fail closed).
        """
        request = self.request
        value = request.headers.get(OWNER_HEADER) if request is not None else None
        if value is None:
            return None
        owner = parse_id(value)
        if owner is None:
            raise Forbidden(f"the {OWNER_HEADER} header is not a customer id")
        return owner

    def write(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One write transaction (see :meth:`Database.write`); commits when the block ends.

        Returns:
            An async context manager yielding the transaction's session.
        """
        return self.services.database.write()

    def peer(self, service: str) -> PeerClient:
        """The client of a peer subgraph.

        Args:
            service: The peer's service name, e.g. ``inventory``.

        Returns:
            Its :class:`PeerClient`.
        """
        return self.services.peers.client(service)

    def loader(self, batch: BatchLoad[K, T]) -> DataLoader[K, T]:
        """The request's DataLoader for a batch function, created on first use.

        Example:
            >>> customer = await info.context.loader(repository.customers_by_id).load(7)

        Args:
            batch: A batch function ``async (session, keys) -> results``; it is the loader's
                identity, so pass the same function object everywhere.

        Returns:
            The DataLoader, shared by every resolver of this request.
        """
        existing = self._loaders.get(batch)
        if existing is not None:
            return cast("DataLoader[K, T]", existing)

        async def load(keys: list[K]) -> Sequence[T]:
            async with self.use_session() as session:
                return await batch(session, keys)

        created: DataLoader[K, T] = DataLoader(load_fn=load)
        self._loaders[batch] = created
        return created


SubgraphInfo: TypeAlias = Info[SubgraphContext, None]
"""The ``info`` type of subgraph resolvers."""


def context_getter(
    services: Callable[[], SubgraphServices],
) -> Callable[[], AsyncIterator[SubgraphContext]]:
    """Build the FastAPI dependency that opens one session per request.

    Args:
        services: Returns the running subgraph's services (they exist once the lifespan began).

    Returns:
        An async-generator dependency for ``GraphQLRouter(context_getter=...)``; it closes the
        session when the request ends.
    """

    async def get_context() -> AsyncIterator[SubgraphContext]:
        running = services()
        async with running.database.sessions() as session:
            yield SubgraphContext(session, running)

    return get_context
