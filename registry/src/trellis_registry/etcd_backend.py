"""`EtcdRegistryBackend`: the registry's state in an etcd cluster, for several replicas.

Every registry replica opens its own backend on the same cluster and key prefix; they see
each other's changes because everything lives in etcd and the index is etcd's own store
revision.

Mapping (``P`` is the key prefix, path segments are percent-encoded)::

    P instances/{service}/{instance_id}    instance JSON, attached to an etcd lease
    P overrides/{service}/{instance_id}    operator status override (no lease)
    P subgraphs/{name}/versions/{version:010d}   subgraph version JSON
    P supergraphs/{revision:010d}          supergraph JSON
    P current/subgraphs/{name}             current version number (decimal)
    P current/supergraph                   current supergraph revision (decimal)
    P operations/{hash}                    recorded operation JSON

- The index is etcd's store revision (the ``header.revision`` of every answer). It starts
  at 1 on a new cluster, is shared by every key of the cluster (also keys outside ``P``),
  and increases with every write; lease keep-alives do not write. `wait_for_index` wakes
  only for changes under ``P``.
- Leases: `put_instance` grants an etcd lease of the TTL (rounded up to whole seconds, at
  least 2, etcd's minimum with default timing) and revokes the replaced registration's one;
  a heartbeat is a lease keep-alive. etcd deletes expired instances itself (a delete event
  for watchers), so ``alive_since`` is ignored and `delete_expired_instances` deletes
  nothing.
- ``last_heartbeat_at`` of a listed instance is derived, not stored: ``now - (granted TTL -
  remaining TTL)`` from etcd's lease information (the last keep-alive any replica sent).
  etcd reports the remaining TTL truncated to whole seconds, so the value is accurate to
  about half a second; it is never earlier than ``registered_at``.
- A status override lives in its own key without a lease, so it survives a re-registration
  of a live instance; an override left behind by an expired instance is ignored and deleted
  when the instance registers again.
- `save_publication` is one transaction comparing the current pointers; `record_operations`
  is a compare-and-swap loop (one transaction per batch of up to 100 documents).

Failover: the backend talks to one endpoint at a time. When a call fails because the member
is unreachable or cannot serve (gRPC ``UNAVAILABLE`` or ``DEADLINE_EXCEEDED``), it connects
to the next endpoint and retries the call there, each endpoint once; when members answered
but could not serve (``etcdserver: leader changed``, ``no leader`` during an election) it
keeps trying for up to ``timeout_seconds``. So the loss of one member of three is invisible
to callers. A write whose answer was lost may have been applied before the retry: a retried
put is harmless, a retried publication then reports `ConcurrentPublishError`, and a retried
operations report may count its batch twice.

Spec: etcd's v3 gRPC API (KV ``Range``/``Txn``, ``Lease``, ``Watch``), through aetcd.

Errors::

    ConnectionError          no endpoint answered (open and every call)
    ConcurrentPublishError   save_publication lost a race with another replica
    RuntimeError             the backend is not open, or already closed
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import aetcd  # type: ignore[import-untyped]
from aetcd import rpc

from trellis_registry.backend import ConcurrentPublishError
from trellis_registry.instances import HealthCheck, Instance, InstanceStatus
from trellis_registry.operations import OperationReport, RecordedOperation, operation_hash
from trellis_registry.subgraphs import SubgraphVersion, Supergraph

__all__ = ["DEFAULT_PREFIX", "EtcdRegistryBackend"]

DEFAULT_PREFIX = "/trellis/registry/"
"""The key prefix every registry key lives under, unless configured otherwise."""

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

_MIN_LEASE_SECONDS = 2
_TXN_CHUNK = 100
_ROUND_PAUSE_SECONDS = 0.1
_WATCH_RETRY_PAUSE_SECONDS = 0.05
_CLOSE_GRACE_SECONDS = 2.0
_FAILOVER_CODES = frozenset({rpc.StatusCode.UNAVAILABLE, rpc.StatusCode.DEADLINE_EXCEEDED})
_CONNECTION_ERRORS = (aetcd.ConnectionFailedError, aetcd.ConnectionTimeoutError)
_CHANNEL_OPTIONS = {
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 5_000,
    "grpc.max_receive_message_length": 256 * 1024 * 1024,
}


@dataclass(frozen=True, slots=True)
class _Endpoint:
    """One member's client address."""

    url: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class _Connection:
    """An aetcd client connected to one endpoint."""

    client: Any
    endpoint: _Endpoint


@dataclass(frozen=True, slots=True)
class _StoredInstance:
    """An instance key as read: its decoded JSON, lease id and last modification revision."""

    fields: dict[str, Any]
    lease: int
    mod_revision: int


@dataclass(frozen=True, slots=True)
class _InstanceRead:
    """An instance and its override, read in one transaction at ``revision``."""

    stored: _StoredInstance
    override: InstanceStatus | None
    revision: int


def _parse_endpoint(endpoint: str) -> _Endpoint:
    """Parses ``http://host:port`` (or ``host:port``) into an `_Endpoint`.

    Raises:
        ValueError: The scheme is not ``http`` (TLS is not supported) or there is no host.
    """
    parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"not an etcd endpoint (http://HOST:PORT expected): {endpoint!r}")
    return _Endpoint(url=endpoint, host=parts.hostname, port=parts.port or 2379)


def _segment(value: str) -> str:
    """Percent-encodes one key path segment (so ``/`` in names cannot split a key)."""
    return quote(value, safe="")


def _dump(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _load(value: bytes) -> dict[str, Any]:
    loaded = json.loads(value)
    if not isinstance(loaded, dict):
        raise ValueError(f"a registry value in etcd is not a JSON object: {value[:80]!r}")
    return loaded


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _prefix_end(prefix: bytes) -> bytes:
    """The ``range_end`` that makes a range cover every key starting with ``prefix``.

    Spec: etcd's KV API, ``RangeRequest.range_end``: the prefix with its last byte below
    0xff increased by one.
    """
    end = bytearray(prefix)
    while end and end[-1] == 0xFF:
        end.pop()
    if not end:
        return b"\0"
    end[-1] += 1
    return bytes(end)


# -- request builders ------------------------------------------------------------------------


def _exists(key: bytes) -> Any:
    return rpc.Compare(key=key, target=rpc.Compare.VERSION, result=rpc.Compare.GREATER, version=0)


def _absent(key: bytes) -> Any:
    return rpc.Compare(key=key, target=rpc.Compare.VERSION, result=rpc.Compare.EQUAL, version=0)


def _value_is(key: bytes, value: bytes) -> Any:
    return rpc.Compare(key=key, target=rpc.Compare.VALUE, result=rpc.Compare.EQUAL, value=value)


def _modified_at(key: bytes, revision: int) -> Any:
    """Compares a key's last modification revision (0 matches an absent key)."""
    return rpc.Compare(
        key=key, target=rpc.Compare.MOD, result=rpc.Compare.EQUAL, mod_revision=revision
    )


def _put(
    key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False, keep_lease: bool = False
) -> Any:
    request = rpc.PutRequest(
        key=key, value=value, lease=lease, prev_kv=prev_kv, ignore_lease=keep_lease
    )
    return rpc.RequestOp(request_put=request)


def _delete(key: bytes, *, prev_kv: bool = False) -> Any:
    return rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=key, prev_kv=prev_kv))


def _get(key: bytes, *, whole_prefix: bool = False) -> Any:
    range_end = _prefix_end(key) if whole_prefix else b""
    return rpc.RequestOp(request_range=rpc.RangeRequest(key=key, range_end=range_end))


# -- value conversions ------------------------------------------------------------------------


def _instance_fields(instance: Instance) -> dict[str, Any]:
    return {
        "service": instance.service,
        "instance_id": instance.instance_id,
        "routing_url": instance.routing_url,
        "health_url": instance.health_url,
        "status": instance.status.value,
        "registered_at": instance.registered_at.isoformat(),
        "metadata": dict(instance.metadata),
        "health": instance.health.value,
    }


def _instance(
    fields: Mapping[str, Any], last_heartbeat_at: datetime, override: InstanceStatus | None
) -> Instance:
    """Builds an instance from its stored fields; ``last_heartbeat_at`` is never earlier
    than ``registered_at`` (a derived heartbeat time is only accurate to about a second)."""
    registered_at = _time(fields["registered_at"])
    return Instance(
        service=fields["service"],
        instance_id=fields["instance_id"],
        routing_url=fields["routing_url"],
        health_url=fields["health_url"],
        status=InstanceStatus(fields["status"]),
        registered_at=registered_at,
        last_heartbeat_at=max(last_heartbeat_at, registered_at),
        metadata=dict(fields["metadata"]),
        status_override=override,
        health=HealthCheck(fields.get("health", HealthCheck.UNKNOWN.value)),
    )


def _version_fields(version: SubgraphVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "version": version.version,
        "routing_url": version.routing_url,
        "sdl": version.sdl,
        "published_at": version.published_at.isoformat(),
        "published_by": version.published_by,
    }


def _version(fields: Mapping[str, Any]) -> SubgraphVersion:
    return SubgraphVersion(
        name=fields["name"],
        version=int(fields["version"]),
        routing_url=fields["routing_url"],
        sdl=fields["sdl"],
        published_at=_time(fields["published_at"]),
        published_by=fields.get("published_by", "unknown"),
    )


def _supergraph_fields(supergraph: Supergraph) -> dict[str, Any]:
    return {
        "id": supergraph.id,
        "sdl": supergraph.sdl,
        "composed_at": supergraph.composed_at.isoformat(),
        "revision": supergraph.revision,
        "subgraph_versions": dict(supergraph.subgraph_versions),
    }


def _supergraph(fields: Mapping[str, Any]) -> Supergraph:
    return Supergraph(
        id=fields["id"],
        sdl=fields["sdl"],
        composed_at=_time(fields["composed_at"]),
        revision=int(fields["revision"]),
        subgraph_versions={name: int(v) for name, v in fields["subgraph_versions"].items()},
    )


def _operation(fields: Mapping[str, Any]) -> RecordedOperation:
    return RecordedOperation(
        hash=fields["hash"],
        name=fields["name"],
        document=fields["document"],
        count=int(fields["count"]),
        first_seen_at=_time(fields["first_seen_at"]),
        last_seen_at=_time(fields["last_seen_at"]),
    )


def _merge_reports(reports: Sequence[OperationReport]) -> dict[str, OperationReport]:
    """Sums the counts of reports of the same document; the last reported name wins."""
    merged: dict[str, OperationReport] = {}
    for report in reports:
        key = operation_hash(report.document)
        earlier = merged.get(key)
        count = report.count + (earlier.count if earlier is not None else 0)
        merged[key] = OperationReport(name=report.name, document=report.document, count=count)
    return merged


def _describe(error: BaseException) -> str:
    if isinstance(error, rpc.AioRpcError):
        return f"{error.code().name}: {error.details()}"
    return f"{type(error).__name__}: {error}"


class EtcdRegistryBackend:
    """A `RegistryBackend` on an etcd v3 cluster (gRPC, through aetcd).

    Args:
        endpoints: The members' client URLs, e.g. ``["http://10.0.0.1:2379", …]``; the
            first is used until it fails.
        prefix: The key prefix all registry keys live under (one registry per prefix); it
            ends with ``/``.
        timeout_seconds: The deadline of each etcd call, in seconds; also how long calls
            keep retrying while members answer but cannot serve (a leader election).

    Raises:
        ValueError: No endpoint, an endpoint that is not ``http://HOST:PORT``, or a prefix
            that does not end with ``/``.

    Example:
        >>> backend = EtcdRegistryBackend(["http://127.0.0.1:2379"])
        >>> await backend.open()  # doctest: +SKIP
    """

    def __init__(
        self,
        endpoints: Sequence[str],
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout_seconds: float = 5.0,
    ) -> None:
        if isinstance(endpoints, str):
            endpoints = [endpoints]
        if not endpoints:
            raise ValueError("the etcd registry backend needs at least one endpoint")
        if not prefix.endswith("/"):
            # "/a" would also cover the keys of a registry under "/ab".
            raise ValueError(f"the etcd key prefix must end with '/': {prefix!r}")
        self._endpoints = [_parse_endpoint(endpoint) for endpoint in endpoints]
        self._prefix = prefix
        self._timeout = timeout_seconds
        self._endpoint_index = 0
        self._connection: _Connection | None = None
        self._connect_lock = asyncio.Lock()
        self._opened = False
        self._closed = asyncio.Event()
        self._last_revision = 0
        self._watches: set[asyncio.Future[Any]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """The key prefix all registry keys live under."""
        return self._prefix

    @property
    def endpoint(self) -> str:
        """The endpoint calls currently go to (changes on failover)."""
        return self._endpoints[self._endpoint_index].url

    async def open(self) -> None:
        """Connects to the first endpoint that answers (there is no schema to create).

        Raises:
            ConnectionError: No endpoint answered; the message lists each one's error.
            RuntimeError: The backend was closed.
        """
        if self._closed.is_set():
            raise RuntimeError("the etcd registry backend is closed")
        self._opened = True
        try:
            await self.current_index()
        except BaseException:
            self._opened = False
            raise

    async def close(self) -> None:
        """Closes the connection and wakes every `wait_for_index` caller (they return the
        last index this backend saw); the backend cannot be used afterwards."""
        self._closed.set()
        if self._watches:  # let the woken waiters cancel their watches first
            await asyncio.wait(set(self._watches), timeout=_CLOSE_GRACE_SECONDS)
        connection, self._connection = self._connection, None
        if connection is not None:
            await _close_quietly(connection.client)

    # -- index -------------------------------------------------------------------------------

    async def current_index(self) -> int:
        """Returns etcd's current store revision (a linearizable read).

        Raises:
            ConnectionError: No endpoint answered.
        """
        key = self._key("").encode("utf-8")
        response = await self._call(
            lambda client: client.kvstub.Range(
                rpc.RangeRequest(key=key, count_only=True),
                timeout=self._timeout,
                metadata=client.metadata,
            )
        )
        return self._seen(response)

    async def wait_for_index(self, after: int, timeout_seconds: float) -> int:
        """Blocks until something under the prefix changes after revision ``after``, or the
        timeout passes.

        Watches the prefix from revision ``after + 1`` and returns the first event's
        revision: etcd replays the events since then, so a change that already happened
        returns at once. Writes outside the prefix raise etcd's revision but wake no waiter
        (a registry sharing its cluster with other users does not spin); ``after <= 0`` (the
        caller has seen nothing yet) returns the current revision at once. A broken watch is
        re-created on the next endpoint; when the history since ``after`` has been compacted
        away, the current revision is returned at once.

        Spec: Consul's blocking queries (``?index=N&wait=30s``); etcd's Watch API
        (``start_revision``, ``compact_revision``).

        Args:
            after: The index the caller has seen.
            timeout_seconds: The longest wait, in seconds.

        Returns:
            The first changed revision (greater than ``after``); on timeout the current
            revision (greater than ``after`` only through writes outside the prefix); the
            last revision this backend saw when it is closed meanwhile.

        Raises:
            ConnectionError: No endpoint answered.
        """
        deadline = time.monotonic() + max(0.0, timeout_seconds)
        while True:
            if self._closed.is_set():
                return self._last_revision
            try:
                current = await self.current_index()  # also fails over, or raises
                remaining = deadline - time.monotonic()
                if after <= 0 or remaining <= 0:
                    return current
                changed = await self._watch_for_change(after + 1, remaining)
            except Exception:
                if self._closed.is_set():  # closed under the call
                    return self._last_revision
                raise
            if changed is not None:
                return changed

    async def _watch_for_change(self, start_revision: int, seconds: float) -> int | None:
        """Watches the prefix from ``start_revision`` for at most ``seconds``.

        Returns:
            The first event's revision; the current revision when the history was compacted;
            None on timeout, on close, or when the watch broke (the caller re-checks).
        """
        connection = await self._connected()
        watch = asyncio.ensure_future(
            connection.client.watch_prefix_once(
                self._key("").encode("utf-8"), timeout=seconds, start_revision=start_revision
            )
        )
        closed = asyncio.ensure_future(self._closed.wait())
        self._watches.add(watch)
        try:
            await asyncio.wait({watch, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watch, closed):
                task.cancel()
            await asyncio.wait({watch, closed})
            self._watches.discard(watch)
        if watch.cancelled():
            return None
        error = watch.exception()
        if error is not None and not _is_etcd_error(error):
            if self._closed.is_set() or connection is not self._connection:
                return None  # its client was closed under it (close, or another failover)
            raise error
        event = watch.result() if error is None else error
        if isinstance(event, aetcd.RevisionCompactedError):
            _log.debug("etcd history since revision %d is compacted", start_revision)
            return await self.current_index()
        if isinstance(event, aetcd.Event):
            revision = int(event.kv.mod_revision)
            self._last_revision = max(self._last_revision, revision)
            return revision
        if isinstance(event, BaseException) and not isinstance(event, aetcd.WatchTimeoutError):
            _log.warning("etcd watch on %s broke: %s", connection.endpoint.url, _describe(event))
            if _is_unavailable(event):
                await self._fail_over(connection, event)
            await asyncio.sleep(_WATCH_RETRY_PAUSE_SECONDS)
        return None

    # -- instances ---------------------------------------------------------------------------

    async def put_instance(self, instance: Instance, ttl: timedelta) -> int:
        """Stores an instance under a new etcd lease, replacing (and revoking the lease of)
        an earlier registration; a live instance's status override is kept.

        Args:
            instance: The instance; its ``status_override`` and ``last_heartbeat_at`` are
                not stored (the override has its own key, the heartbeat is the lease).
            ttl: The lease duration, rounded up to whole seconds, at least 2 seconds.

        Returns:
            The revision after the change.

        Raises:
            ConnectionError: No endpoint answered.
        """
        seconds = max(_MIN_LEASE_SECONDS, math.ceil(ttl.total_seconds()))
        grant = await self._call(
            lambda client: client.leasestub.LeaseGrant(
                rpc.LeaseGrantRequest(TTL=seconds), timeout=self._timeout, metadata=client.metadata
            )
        )
        lease = int(grant.ID)
        key = self._instance_key(instance.service, instance.instance_id)
        value = _dump(_instance_fields(instance))
        response = await self._txn(
            [_exists(key)],
            [_put(key, value, lease=lease, prev_kv=True)],
            [_put(key, value, lease=lease), _delete(self._override_key(key))],
        )
        if response.succeeded:
            previous = int(response.responses[0].response_put.prev_kv.lease)
            if previous and previous != lease:
                await self._revoke_quietly(previous)
        return self._seen(response)

    async def renew_instance(
        self,
        service: str,
        instance_id: str,
        now: datetime,
        alive_since: datetime,
        status: InstanceStatus | None = None,
    ) -> tuple[Instance, int] | None:
        """Renews an instance's lease with an etcd keep-alive (no write), and writes the
        instance only when ``status`` changes the reported status.

        Args:
            service: The service name.
            instance_id: The instance id.
            now: Returned as the instance's ``last_heartbeat_at``.
            alive_since: Ignored: etcd expires leases itself.
            status: A newly reported status, or None to keep the stored one.

        Returns:
            ``(instance, revision)``, or None when the instance is unknown or its lease has
            expired.

        Raises:
            ConnectionError: No endpoint answered.
        """
        read = await self._read_instance(service, instance_id)
        if read is None or await self._keep_alive(read.stored.lease) <= 0:
            return None
        fields, override, revision = read.stored.fields, read.override, read.revision
        if status is not None and fields["status"] != status.value:
            wanted = status.value
            changed = await self._modify_instance(
                service,
                instance_id,
                lambda current: (
                    None if current["status"] == wanted else {**current, "status": wanted}
                ),
            )
            if changed is None:
                return None
            fields, override, revision = changed.stored.fields, changed.override, changed.revision
        return _instance(fields, now, override), revision

    async def delete_instance(self, service: str, instance_id: str) -> int | None:
        """Deletes an instance and its status override, and revokes its lease.

        Returns:
            The revision after the change, or None when there was no such instance.

        Raises:
            ConnectionError: No endpoint answered.
        """
        key = self._instance_key(service, instance_id)
        response = await self._txn(
            [_exists(key)], [_delete(key, prev_kv=True), _delete(self._override_key(key))], []
        )
        if not response.succeeded:
            return None
        revision = self._seen(response)
        for previous in response.responses[0].response_delete_range.prev_kvs:
            if previous.lease:
                await self._revoke_quietly(int(previous.lease))
        return revision

    async def delete_expired_instances(self, alive_since: datetime) -> tuple[int, int]:
        """Deletes nothing: etcd deletes an instance when its lease expires.

        Returns:
            ``(0, current revision)``.

        Raises:
            ConnectionError: No endpoint answered.
        """
        return 0, await self.current_index()

    async def list_instances(
        self, alive_since: datetime, service: str | None = None
    ) -> tuple[int, list[Instance]]:
        """Lists instances whose lease is live, ordered by service then instance id.

        Instances and overrides are read in one transaction; ``last_heartbeat_at`` is derived
        from each lease's granted and remaining TTL (whole seconds, so about one second
        accurate). ``alive_since`` is ignored: etcd expires leases itself.

        Returns:
            ``(revision, instances)``.

        Raises:
            ConnectionError: No endpoint answered.
        """
        scope = "" if service is None else f"{_segment(service)}/"
        instances_prefix = self._key(f"instances/{scope}").encode("utf-8")
        overrides_prefix = self._key(f"overrides/{scope}").encode("utf-8")
        response = await self._txn(
            [],
            [_get(instances_prefix, whole_prefix=True), _get(overrides_prefix, whole_prefix=True)],
            [],
        )
        revision = self._seen(response)
        overrides = {
            bytes(kv.key)[len(overrides_prefix) :]: InstanceStatus(bytes(kv.value).decode())
            for kv in response.responses[1].response_range.kvs
        }
        stored = [
            (bytes(kv.key)[len(instances_prefix) :], _load(kv.value), int(kv.lease))
            for kv in response.responses[0].response_range.kvs
        ]
        heartbeats = await self._heartbeats({lease for _, _, lease in stored})
        instances: list[Instance] = []
        for suffix, fields, lease in stored:
            heartbeat = heartbeats.get(lease)
            if heartbeat is not None:  # None: expired, etcd is about to delete it
                instances.append(_instance(fields, heartbeat, overrides.get(suffix)))
        instances.sort(key=lambda instance: (instance.service, instance.instance_id))
        return revision, instances

    async def set_status_override(
        self, service: str, instance_id: str, override: InstanceStatus | None
    ) -> tuple[Instance, int] | None:
        """Sets or removes an operator's status override of a live instance.

        Spec: Eureka's ``PUT /eureka/apps/{app}/{id}/status?value=OUT_OF_SERVICE`` and
        ``DELETE …/status``.

        Returns:
            ``(instance, revision)``, or None when there is no live instance. Setting the
            override it already has writes nothing.

        Raises:
            ConnectionError: No endpoint answered.
        """
        key = self._instance_key(service, instance_id)
        override_key = self._override_key(key)
        while True:
            read = await self._read_instance(service, instance_id)
            if read is None:
                return None
            revision = read.revision
            if read.override != override:
                change = (
                    _delete(override_key)
                    if override is None
                    else _put(override_key, override.value.encode("utf-8"))
                )
                response = await self._txn([_exists(key)], [change], [])
                if not response.succeeded:
                    continue
                revision = self._seen(response)
            heartbeat = (await self._heartbeats({read.stored.lease})).get(read.stored.lease)
            if heartbeat is None:
                return None
            return _instance(read.stored.fields, heartbeat, override), revision

    async def set_health(
        self, service: str, instance_id: str, health: HealthCheck
    ) -> tuple[Instance, int] | None:
        """Records a health check outcome in the instance value, writing only on change.

        Returns:
            ``(instance, revision)``, or None when there is no live instance.

        Raises:
            ConnectionError: No endpoint answered.
        """
        changed = await self._modify_instance(
            service,
            instance_id,
            lambda current: (
                None
                if current.get("health") == health.value
                else {**current, "health": health.value}
            ),
        )
        if changed is None:
            return None
        lease = changed.stored.lease
        heartbeat = (await self._heartbeats({lease})).get(lease)
        if heartbeat is None:
            return None
        return _instance(changed.stored.fields, heartbeat, changed.override), changed.revision

    # -- schema registry ---------------------------------------------------------------------

    async def current_subgraphs(self) -> list[SubgraphVersion]:
        """Returns the current version of every published subgraph, ordered by name.

        Raises:
            ConnectionError: No endpoint answered.
        """
        pointers_prefix = self._key("current/subgraphs/").encode("utf-8")
        response = await self._range(pointers_prefix, whole_prefix=True)
        keys = [
            self._version_key(
                unquote(bytes(kv.key)[len(pointers_prefix) :].decode()), int(kv.value)
            )
            for kv in response.kvs
        ]
        values = await self._get_many(keys)
        versions = [_version(_load(value)) for value in values if value is not None]
        versions.sort(key=lambda version: version.name)
        return versions

    async def subgraph_versions(self, name: str) -> list[SubgraphVersion]:
        """Returns every version of one subgraph, newest first (empty when never published).

        Raises:
            ConnectionError: No endpoint answered.
        """
        prefix = self._key(f"subgraphs/{_segment(name)}/versions/").encode("utf-8")
        response = await self._range(prefix, whole_prefix=True, newest_first=True)
        return [_version(_load(kv.value)) for kv in response.kvs]

    async def current_supergraph(self) -> Supergraph | None:
        """Returns the most recently stored supergraph, or None before the first publish.

        Raises:
            ConnectionError: No endpoint answered.
        """
        history = await self.supergraph_history(1)
        return history[0] if history else None

    async def supergraph_history(self, limit: int) -> list[Supergraph]:
        """Returns the most recent supergraphs, newest first.

        Args:
            limit: The most to return.

        Raises:
            ConnectionError: No endpoint answered.
        """
        if limit <= 0:
            return []
        prefix = self._key("supergraphs/").encode("utf-8")
        response = await self._range(prefix, whole_prefix=True, newest_first=True, limit=limit)
        return [_supergraph(_load(kv.value)) for kv in response.kvs]

    async def save_publication(self, version: SubgraphVersion, supergraph: Supergraph) -> int:
        """Stores a subgraph version and its supergraph in one etcd transaction that
        compares the current pointers with ``version - 1`` and ``revision - 1`` (absent for
        the first).

        Returns:
            The revision after the change.

        Raises:
            ConcurrentPublishError: A pointer did not match (another replica published
                first); nothing was stored.
            ValueError: ``version.version`` or ``supergraph.revision`` is less than 1.
            ConnectionError: No endpoint answered.
        """
        if version.version < 1 or supergraph.revision < 1:
            raise ValueError("subgraph versions and supergraph revisions start at 1")
        subgraph_pointer = self._key(f"current/subgraphs/{_segment(version.name)}").encode()
        supergraph_pointer = self._key("current/supergraph").encode("utf-8")
        response = await self._txn(
            [
                _pointer_is(subgraph_pointer, version.version - 1),
                _pointer_is(supergraph_pointer, supergraph.revision - 1),
            ],
            [
                _put(
                    self._version_key(version.name, version.version),
                    _dump(_version_fields(version)),
                ),
                _put(
                    self._supergraph_key(supergraph.revision), _dump(_supergraph_fields(supergraph))
                ),
                _put(subgraph_pointer, str(version.version).encode("utf-8")),
                _put(supergraph_pointer, str(supergraph.revision).encode("utf-8")),
            ],
            [],
        )
        if not response.succeeded:
            raise ConcurrentPublishError(
                f"publishing {version.name!r} version {version.version} as supergraph revision "
                f"{supergraph.revision} lost a race with another publish"
            )
        return self._seen(response)

    # -- recorded operations -----------------------------------------------------------------

    async def record_operations(self, reports: Sequence[OperationReport], now: datetime) -> None:
        """Adds reported operations with a compare-and-swap loop, one transaction per batch
        of up to 100 distinct documents (atomic within a batch).

        Raises:
            ConnectionError: No endpoint answered.
        """
        merged = list(_merge_reports(reports).items())
        for start in range(0, len(merged), _TXN_CHUNK):
            await self._record_batch(dict(merged[start : start + _TXN_CHUNK]), now)

    async def _record_batch(self, batch: Mapping[str, OperationReport], now: datetime) -> None:
        keys = {digest: self._key(f"operations/{digest}").encode("utf-8") for digest in batch}
        while True:
            response = await self._txn([], [_get(key) for key in keys.values()], [])
            compares, puts = [], []
            for (digest, report), reply in zip(batch.items(), response.responses, strict=True):
                kvs = reply.response_range.kvs
                stored = _load(kvs[0].value) if kvs else None
                fields = {
                    "hash": digest,
                    "name": report.name,
                    "document": report.document,
                    "count": report.count + (int(stored["count"]) if stored else 0),
                    "first_seen_at": stored["first_seen_at"] if stored else now.isoformat(),
                    "last_seen_at": now.isoformat(),
                }
                compares.append(_modified_at(keys[digest], int(kvs[0].mod_revision) if kvs else 0))
                puts.append(_put(keys[digest], _dump(fields)))
            if (await self._txn(compares, puts, [])).succeeded:
                return

    async def recorded_operations(self) -> list[RecordedOperation]:
        """Returns every recorded document, ordered by hash.

        Raises:
            ConnectionError: No endpoint answered.
        """
        response = await self._range(self._key("operations/").encode("utf-8"), whole_prefix=True)
        return [_operation(_load(kv.value)) for kv in response.kvs]

    # -- keys --------------------------------------------------------------------------------

    def _key(self, suffix: str) -> str:
        return f"{self._prefix}{suffix}"

    def _instance_key(self, service: str, instance_id: str) -> bytes:
        return self._key(f"instances/{_segment(service)}/{_segment(instance_id)}").encode()

    def _override_key(self, instance_key: bytes) -> bytes:
        suffix = instance_key[len(self._key("instances/").encode("utf-8")) :]
        return self._key("overrides/").encode("utf-8") + suffix

    def _version_key(self, name: str, version: int) -> bytes:
        return self._key(f"subgraphs/{_segment(name)}/versions/{version:010d}").encode()

    def _supergraph_key(self, revision: int) -> bytes:
        return self._key(f"supergraphs/{revision:010d}").encode("utf-8")

    # -- instance helpers --------------------------------------------------------------------

    async def _read_instance(self, service: str, instance_id: str) -> _InstanceRead | None:
        """Reads an instance and its override in one transaction (None: no instance)."""
        key = self._instance_key(service, instance_id)
        response = await self._txn([], [_get(key), _get(self._override_key(key))], [])
        instance_kvs = response.responses[0].response_range.kvs
        override_kvs = response.responses[1].response_range.kvs
        revision = self._seen(response)
        if not instance_kvs:
            return None
        stored = _StoredInstance(
            fields=_load(instance_kvs[0].value),
            lease=int(instance_kvs[0].lease),
            mod_revision=int(instance_kvs[0].mod_revision),
        )
        override = InstanceStatus(bytes(override_kvs[0].value).decode()) if override_kvs else None
        return _InstanceRead(stored=stored, override=override, revision=revision)

    async def _modify_instance(
        self,
        service: str,
        instance_id: str,
        change: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> _InstanceRead | None:
        """Compare-and-swap of an instance value, keeping its lease.

        Args:
            change: Given the stored fields, returns the new ones, or None to write nothing.

        Returns:
            The instance as stored afterwards, or None when there is no such instance.
        """
        key = self._instance_key(service, instance_id)
        while True:
            read = await self._read_instance(service, instance_id)
            if read is None:
                return None
            fields = change(read.stored.fields)
            if fields is None:
                return read
            response = await self._txn(
                [_modified_at(key, read.stored.mod_revision)],
                [_put(key, _dump(fields), keep_lease=True)],
                [],
            )
            if response.succeeded:
                revision = self._seen(response)
                stored = _StoredInstance(fields, read.stored.lease, revision)
                return _InstanceRead(stored=stored, override=read.override, revision=revision)

    async def _keep_alive(self, lease: int) -> int:
        """Sends one lease keep-alive; returns the remaining TTL in seconds (0: expired)."""
        reply = await self._call(lambda client: client.refresh_lease(lease))
        return 0 if reply is None else int(reply.TTL)

    async def _heartbeats(self, leases: set[int]) -> dict[int, datetime | None]:
        """Derives each lease's last keep-alive time from its granted and remaining TTL.

        Returns:
            Lease id to about ``now - (granted - remaining)``, or None for an expired lease.
        """
        ordered = sorted(leases)
        ttls = await asyncio.gather(*(self._lease_ttls(lease) for lease in ordered))
        now = datetime.now(UTC)
        heartbeats: dict[int, datetime | None] = {}
        for lease, (remaining, granted) in zip(ordered, ttls, strict=True):
            # etcd truncates the remaining TTL to whole seconds: the true elapsed time lies
            # in (granted - remaining - 1, granted - remaining]; take the middle.
            elapsed = max(0.0, granted - remaining - 0.5)
            heartbeats[lease] = now - timedelta(seconds=elapsed) if remaining > 0 else None
        return heartbeats

    async def _lease_ttls(self, lease: int) -> tuple[int, int]:
        """Returns a lease's ``(remaining, granted)`` TTL in whole seconds (-1: unknown)."""
        reply = await self._call(
            lambda client: client.leasestub.LeaseTimeToLive(
                rpc.LeaseTimeToLiveRequest(ID=lease, keys=False),
                timeout=self._timeout,
                metadata=client.metadata,
            )
        )
        return int(reply.TTL), int(reply.grantedTTL)

    async def _revoke_quietly(self, lease: int) -> None:
        """Revokes a lease no key uses any more; failures are harmless (it expires)."""
        try:
            await self._call(
                lambda client: client.leasestub.LeaseRevoke(
                    rpc.LeaseRevokeRequest(ID=lease),
                    timeout=self._timeout,
                    metadata=client.metadata,
                )
            )
        except (ConnectionError, aetcd.ClientError, rpc.RpcError) as error:
            _log.debug("revoking etcd lease %x failed: %s", lease, _describe(error))

    # -- KV helpers --------------------------------------------------------------------------

    async def _range(
        self, key: bytes, *, whole_prefix: bool = False, newest_first: bool = False, limit: int = 0
    ) -> Any:
        request = rpc.RangeRequest(
            key=key, range_end=_prefix_end(key) if whole_prefix else b"", limit=limit
        )
        if newest_first:
            request.sort_order = rpc.RangeRequest.DESCEND
            request.sort_target = rpc.RangeRequest.KEY
        response = await self._call(
            lambda client: client.kvstub.Range(
                request, timeout=self._timeout, metadata=client.metadata
            )
        )
        self._seen(response)
        return response

    async def _txn(self, compare: list[Any], success: list[Any], failure: list[Any]) -> Any:
        request = rpc.TxnRequest(compare=compare, success=success, failure=failure)
        return await self._call(
            lambda client: client.kvstub.Txn(
                request, timeout=self._timeout, metadata=client.metadata
            )
        )

    async def _get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Reads several keys, in transactions of up to 100 reads; None for absent keys."""
        values: list[bytes | None] = []
        for start in range(0, len(keys), _TXN_CHUNK):
            chunk = keys[start : start + _TXN_CHUNK]
            response = await self._txn([], [_get(key) for key in chunk], [])
            for reply in response.responses:
                kvs = reply.response_range.kvs
                values.append(bytes(kvs[0].value) if kvs else None)
        return values

    def _seen(self, response: Any) -> int:
        """Notes and returns the revision in an answer's header."""
        revision = int(response.header.revision)
        self._last_revision = max(self._last_revision, revision)
        return revision

    # -- connection and failover -------------------------------------------------------------

    async def _connected(self) -> _Connection:
        """The current connection, connecting to the current endpoint if there is none."""
        if self._closed.is_set():
            raise RuntimeError("the etcd registry backend is closed")
        if not self._opened:
            raise RuntimeError("the etcd registry backend is not open; call open()")
        connection = self._connection
        if connection is not None:
            return connection
        async with self._connect_lock:
            if self._connection is None:
                endpoint = self._endpoints[self._endpoint_index]
                client = aetcd.Client(
                    host=endpoint.host,
                    port=endpoint.port,
                    timeout=self._timeout,
                    options=_CHANNEL_OPTIONS,
                )
                await client.connect()
                self._connection = _Connection(client=client, endpoint=endpoint)
            return self._connection

    async def _fail_over(self, connection: _Connection, error: BaseException) -> None:
        """Drops a failed connection and moves on to the next endpoint (once per failure,
        however many calls saw it fail)."""
        if self._connection is not connection:
            return
        self._connection = None
        self._endpoint_index = (self._endpoint_index + 1) % len(self._endpoints)
        _log.warning(
            "etcd endpoint %s failed (%s); switching to %s",
            connection.endpoint.url,
            _describe(error),
            self._endpoints[self._endpoint_index].url,
        )
        await _close_quietly(connection.client)

    async def _call(self, operation: Callable[[Any], Awaitable[_T]]) -> _T:
        """Runs one etcd call, failing over to the other endpoints.

        Each endpoint is tried once; when a member answered that it cannot serve yet
        (``etcdserver: …``, e.g. during a leader election), further rounds follow until
        ``timeout_seconds`` have passed since the first attempt. A call whose connection
        another call dropped meanwhile (closing its client under it) is retried on the new
        one without counting.

        Raises:
            ConnectionError: No endpoint served the call.
        """
        started = time.monotonic()
        failures: list[str] = []
        while True:
            connection = await self._connected()
            try:
                return await operation(connection.client)
            except asyncio.CancelledError:
                # gRPC cancels calls in flight when their channel closes; retry those when
                # another call's failover closed it, unless this task itself is cancelled.
                task = asyncio.current_task()
                if self._closed.is_set() or connection is self._connection:
                    raise
                if task is not None and task.cancelling():
                    raise
                continue
            except Exception as error:
                if self._closed.is_set():
                    raise
                if not _is_unavailable(error):
                    if connection is not self._connection:
                        continue  # its client was closed by another call's failover: retry
                    raise
                failures.append(f"{connection.endpoint.url}: {_describe(error)}")
                await self._fail_over(connection, error)
            if len(failures) % len(self._endpoints):
                continue
            this_round = failures[-len(self._endpoints) :]
            answered = any("etcdserver:" in failure for failure in this_round)
            if not answered or time.monotonic() - started >= self._timeout:
                raise ConnectionError("no etcd endpoint answered: " + "; ".join(this_round))
            await asyncio.sleep(_ROUND_PAUSE_SECONDS)


def _is_unavailable(error: BaseException) -> bool:
    """Whether an error means "this member cannot serve, try another one": it is
    unreachable, or answered gRPC ``UNAVAILABLE`` (no leader, leader changed), or the call
    passed its deadline."""
    if isinstance(error, _CONNECTION_ERRORS):
        return True
    return isinstance(error, rpc.AioRpcError) and error.code() in _FAILOVER_CODES


def _is_etcd_error(error: BaseException) -> bool:
    """Whether an error comes from aetcd or gRPC (rather than from a bug of ours)."""
    return isinstance(error, (aetcd.ClientError, rpc.RpcError, rpc.BaseError))


def _pointer_is(key: bytes, number: int) -> Any:
    """Compares a current pointer with ``number`` (0: the pointer must be absent)."""
    return _absent(key) if number == 0 else _value_is(key, str(number).encode("utf-8"))


async def _close_quietly(client: Any) -> None:
    """Closes an aetcd client, ignoring errors of a connection that is already broken."""
    try:
        await client.close()
    except Exception as error:
        _log.debug("closing an etcd client failed: %s", _describe(error))
