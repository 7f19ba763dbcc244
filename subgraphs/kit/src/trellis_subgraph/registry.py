"""Registry glue: register the instance, publish the SDL, heartbeat, deregister.

Errors::

    RegistryError                 the registry answered with an unexpected status
    ├── UnknownInstance           404 on heartbeat: the lease is gone; register again
    └── CompositionRejected       409 on publish: the SDL does not compose with the others

Transport failures surface as ``httpx.HTTPError``; :class:`RegistryAgent` treats both kinds as
"try again later", so a subgraph keeps serving while the registry is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "CompositionError",
    "CompositionRejected",
    "InstanceRegistration",
    "PublishResult",
    "RegistryAgent",
    "RegistryClient",
    "RegistryError",
    "UnknownInstance",
]

logger = logging.getLogger(__name__)


class RegistryError(Exception):
    """The registry answered with a status the contract does not allow here."""


class UnknownInstance(RegistryError):
    """The registry does not know the instance (lease expired, or the registry restarted)."""


@dataclass(frozen=True, slots=True)
class CompositionError:
    """One composition error reported by the registry (Apollo's codes, e.g. ``INVALID_GRAPHQL``)."""

    code: str
    message: str


class CompositionRejected(RegistryError):
    """The registry refused a publish because the supergraph would not compose.

    Args:
        errors: The composition errors, as the registry reported them.
    """

    def __init__(self, errors: tuple[CompositionError, ...]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"[{e.code}] {e.message}" for e in errors))


@dataclass(frozen=True, slots=True)
class InstanceRegistration:
    """What a subgraph instance tells the registry about itself."""

    service: str
    instance_id: str
    routing_url: str
    health_url: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """The registry's answer to a successful publish."""

    subgraph: str
    version: int
    changed: bool
    supergraph_id: str | None


class RegistryClient:
    """Async HTTP client of the registry API (``/v1/services``, ``/v1/subgraphs``).

    Args:
        base_url: The registry's base URL, e.g. ``http://127.0.0.1:8761``.
        timeout_seconds: Per-request timeout in seconds.
        transport: Optional httpx transport (the seam for in-process tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_seconds, transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def register(self, registration: InstanceRegistration) -> None:
        """Register (or re-register) an instance; idempotent.

        Args:
            registration: The instance to register.

        Raises:
            RegistryError: On a non-2xx answer.
            httpx.HTTPError: When the registry cannot be reached.
        """
        response = await self._http.post(
            f"/v1/services/{registration.service}/instances",
            json={
                "instance_id": registration.instance_id,
                "routing_url": registration.routing_url,
                "health_url": registration.health_url,
                "metadata": registration.metadata,
            },
        )
        _expect_success(response, "register")

    async def heartbeat(self, service: str, instance_id: str) -> None:
        """Renew an instance's lease.

        Args:
            service: Service name.
            instance_id: Instance id.

        Raises:
            UnknownInstance: On 404 (register again).
            RegistryError: On another non-2xx answer.
            httpx.HTTPError: When the registry cannot be reached.
        """
        response = await self._http.put(f"/v1/services/{service}/instances/{instance_id}/heartbeat")
        if response.status_code == httpx.codes.NOT_FOUND:
            raise UnknownInstance(f"registry does not know instance {instance_id!r}")
        _expect_success(response, "heartbeat")

    async def deregister(self, service: str, instance_id: str) -> bool:
        """Remove an instance.

        Args:
            service: Service name.
            instance_id: Instance id.

        Returns:
            True if the registry removed it, False if it did not know it (404).

        Raises:
            RegistryError: On another non-2xx answer.
            httpx.HTTPError: When the registry cannot be reached.
        """
        response = await self._http.delete(f"/v1/services/{service}/instances/{instance_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            return False
        _expect_success(response, "deregister")
        return True

    async def current_sdl(self, subgraph: str) -> tuple[int, str] | None:
        """The subgraph's current version in the schema registry (Rover's ``subgraph fetch``).

        Args:
            subgraph: Subgraph name.

        Returns:
            ``(version, sdl)``, or None when the subgraph was never published (404).

        Raises:
            RegistryError: On another non-2xx answer.
            httpx.HTTPError: When the registry cannot be reached.
        """
        response = await self._http.get(f"/v1/subgraphs/{subgraph}")
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        _expect_success(response, "fetch")
        body: dict[str, Any] = response.json()
        return int(body.get("version", 0)), str(body.get("sdl", ""))

    async def publish(
        self, subgraph: str, sdl: str, routing_url: str, published_by: str = "unknown"
    ) -> PublishResult:
        """Publish a subgraph's SDL (Rover's ``subgraph publish``).

        Args:
            subgraph: Subgraph name.
            sdl: The exact text ``{ _service { sdl } }`` returns.
            routing_url: Where the router reaches the subgraph.
            published_by: Who publishes (recorded in the registry's history).

        Returns:
            The new (or unchanged) version.

        Raises:
            CompositionRejected: On 409, with the composition errors.
            RegistryError: On another non-2xx answer.
            httpx.HTTPError: When the registry cannot be reached.
        """
        response = await self._http.post(
            f"/v1/subgraphs/{subgraph}",
            json={"sdl": sdl, "routing_url": routing_url, "published_by": published_by},
        )
        if response.status_code == httpx.codes.CONFLICT:
            raise CompositionRejected(_composition_errors(response))
        _expect_success(response, "publish")
        body: dict[str, Any] = response.json()
        return PublishResult(
            subgraph=str(body.get("subgraph", subgraph)),
            version=int(body.get("version", 0)),
            changed=bool(body.get("changed", False)),
            supergraph_id=body.get("supergraph_id"),
        )


class RegistryAgent:
    """Keeps one subgraph instance registered for the life of the process.

    In the background: register (retrying until the registry answers), publish the SDL unless
    the registry's current version already has it (a second instance of the same version
    publishes nothing), then heartbeat every ``heartbeat_interval_seconds``; on 404 register
    and publish again.
    :meth:`stop` deregisters. Nothing here ever stops the subgraph from serving.

    Args:
        client: The registry client (the agent closes it on stop).
        registration: This instance.
        sdl: The subgraph SDL to publish.
        heartbeat_interval_seconds: Seconds between heartbeats.
        retry_seconds: Seconds between attempts while the registry is unreachable.
    """

    def __init__(
        self,
        client: RegistryClient,
        registration: InstanceRegistration,
        sdl: str,
        *,
        heartbeat_interval_seconds: float,
        retry_seconds: float,
    ) -> None:
        self._client = client
        self._registration = registration
        self._sdl = sdl
        self._heartbeat_interval = heartbeat_interval_seconds
        self._retry = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self.registered = False
        self.last_publish: PublishResult | None = None
        self.composition_errors: tuple[CompositionError, ...] = ()

    def start(self) -> None:
        """Start the background task (call from a running event loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="trellis-registry-agent")

    async def stop(self) -> None:
        """Stop the background task, deregister if registered, and close the client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.registered:
            reg = self._registration
            try:
                await self._client.deregister(reg.service, reg.instance_id)
                logger.info("deregistered %s from the registry", reg.instance_id)
            except (httpx.HTTPError, RegistryError) as error:
                logger.warning("could not deregister %s: %s", reg.instance_id, error)
            self.registered = False
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            await self._register_until_done()
            await self._heartbeat_until_lost()

    async def _register_until_done(self) -> None:
        reg = self._registration
        while True:
            try:
                await self._client.register(reg)
                self.registered = True
                logger.info("registered %s at %s", reg.instance_id, reg.routing_url)
                await self._publish()
                return
            except (httpx.HTTPError, RegistryError) as error:
                logger.warning(
                    "registry not reachable for %s (%s); retrying in %.1fs",
                    reg.instance_id,
                    error,
                    self._retry,
                )
                await asyncio.sleep(self._retry)

    async def _publish(self) -> None:
        reg = self._registration
        current = await self._client.current_sdl(reg.service)
        if current is not None and current[1] == self._sdl:
            # Another instance of this version published it already: publishing again would
            # only move the supergraph's routing URL to this instance (the router routes by
            # the registry's instance list anyway).
            logger.info("%s subgraph schema is current (version %s)", reg.service, current[0])
            self.composition_errors = ()
            return
        try:
            result = await self._client.publish(
                reg.service, self._sdl, reg.routing_url, published_by=reg.instance_id
            )
        except CompositionRejected as rejected:
            self.composition_errors = rejected.errors
            for error in rejected.errors:
                logger.error(
                    "registry rejected the %s subgraph schema: [%s] %s",
                    reg.service,
                    error.code,
                    error.message,
                )
            return
        self.composition_errors = ()
        self.last_publish = result
        logger.info(
            "published %s subgraph schema: version %s (changed: %s)",
            result.subgraph,
            result.version,
            result.changed,
        )

    async def _heartbeat_until_lost(self) -> None:
        reg = self._registration
        while True:
            await asyncio.sleep(self._heartbeat_interval)
            try:
                await self._client.heartbeat(reg.service, reg.instance_id)
            except UnknownInstance:
                logger.warning("registry lost %s; registering again", reg.instance_id)
                self.registered = False
                return
            except (httpx.HTTPError, RegistryError) as error:
                logger.warning("heartbeat of %s failed: %s", reg.instance_id, error)


def _expect_success(response: httpx.Response, action: str) -> None:
    if not response.is_success:
        raise RegistryError(
            f"registry {action} answered {response.status_code}: {response.text[:500]}"
        )


def _composition_errors(response: httpx.Response) -> tuple[CompositionError, ...]:
    try:
        body = response.json()
        errors = body.get("errors", [])
        return tuple(
            CompositionError(code=str(e.get("code", "")), message=str(e.get("message", "")))
            for e in errors
        ) or (CompositionError(code="UNKNOWN", message=response.text[:500]),)
    except (ValueError, AttributeError):
        return (CompositionError(code="UNKNOWN", message=response.text[:500]),)
