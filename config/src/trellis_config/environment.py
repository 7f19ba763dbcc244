"""The environment: ordered property sources for one application, profiles and label.

The value the server answers and the client reads, in Spring Cloud Config's JSON shape::

    {"name": "router", "profiles": ["dev"], "label": null, "version": "<commit sha>",
     "state": null, "propertySources": [{"name": "<origin>", "source": {"a.b": 1}}]}

Property sources are ordered highest precedence first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trellis_config.cipher import INVALID_PREFIX
from trellis_config.properties import deep_merge, unflatten

__all__ = ["Environment", "PropertySource", "content_etag", "file_precedence"]


@dataclass(frozen=True, slots=True)
class PropertySource:
    """One named set of flat properties (a file, a Vault path).

    Attributes:
        name: where the properties come from, e.g. ``file:///srv/config-repo/router.yml``.
        source: flat key → value.
    """

    name: str
    source: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Environment:
    """The property sources of one application, profiles and label.

    Attributes:
        name: the application name.
        profiles: the active profiles, in request order (a later profile wins).
        label: the label asked for, or None for the server's default.
        version: the commit sha (git) or content hash (directory) the sources were read at.
        property_sources: highest precedence first.
        etag: the ``ETag`` header value (quotes included), or None.

    Spec: Spring Cloud Config Server, ``Environment`` resource.
    """

    name: str
    profiles: tuple[str, ...]
    label: str | None
    version: str | None
    property_sources: tuple[PropertySource, ...]
    etag: str | None = None

    def flattened(self) -> dict[str, Any]:
        """Merge the flat properties of all sources.

        Returns:
            Flat key → value; for a key in several sources, the highest-precedence source's
            value. ``invalid.*`` keys are included.
        """
        merged: dict[str, Any] = {}
        for property_source in reversed(self.property_sources):
            merged.update(property_source.source)
        return merged

    def nested(self) -> dict[str, Any]:
        """Merge all sources into nested values (``a.b`` → ``{"a": {"b": …}}``, ``x[0]`` → list).

        Returns:
            Nested values; maps are merged across sources, a list is taken whole from the
            highest-precedence source that sets it; ``invalid.*`` keys are left out.

        Spec: Spring Boot externalized configuration (merging complex types).
        """
        merged: dict[str, Any] = {}
        for property_source in reversed(self.property_sources):
            valid = (
                (key, value)
                for key, value in property_source.source.items()
                if not key.startswith(INVALID_PREFIX)
            )
            merged = deep_merge(merged, unflatten(valid))
        return merged

    def invalid_keys(self) -> list[str]:
        """The keys the server could not decrypt.

        Returns:
            Sorted keys without the ``invalid.`` prefix, e.g. ``["database.password"]``.
        """
        return sorted(
            {
                key.removeprefix(INVALID_PREFIX)
                for property_source in self.property_sources
                for key in property_source.source
                if key.startswith(INVALID_PREFIX)
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The Spring Cloud Config JSON body.

        Returns:
            ``{"name", "profiles", "label", "version", "state", "propertySources"}``.
        """
        return {
            "name": self.name,
            "profiles": list(self.profiles),
            "label": self.label,
            "version": self.version,
            "state": None,
            "propertySources": [
                {"name": property_source.name, "source": dict(property_source.source)}
                for property_source in self.property_sources
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, etag: str | None = None) -> Environment:
        """Read a Spring Cloud Config JSON body.

        Args:
            data: the decoded JSON body.
            etag: the response's ``ETag`` header value, if any.

        Returns:
            The environment.

        Raises:
            ValueError: the body does not have the environment's shape.
        """
        if not isinstance(data, Mapping):
            raise ValueError("the environment must be a JSON object")
        name = data.get("name")
        profiles = data.get("profiles")
        label = data.get("label")
        version = data.get("version")
        sources = data.get("propertySources")
        if not isinstance(name, str):
            raise ValueError("name must be a string")
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise ValueError("profiles must be a list of strings")
        if label is not None and not isinstance(label, str):
            raise ValueError("label must be a string or null")
        if version is not None and not isinstance(version, str):
            raise ValueError("version must be a string or null")
        if not isinstance(sources, list):
            raise ValueError("propertySources must be a list")
        return cls(
            name=name,
            profiles=tuple(profiles),
            label=label,
            version=version,
            property_sources=tuple(_property_source(item) for item in sources),
            etag=etag,
        )


def _property_source(item: Any) -> PropertySource:
    if not isinstance(item, Mapping):
        raise ValueError("a property source must be a JSON object")
    name, source = item.get("name"), item.get("source")
    if not isinstance(name, str) or not isinstance(source, Mapping):
        raise ValueError("a property source needs a string name and an object source")
    if not all(isinstance(key, str) for key in source):
        raise ValueError("property keys must be strings")
    return PropertySource(name=name, source=dict(source))


def content_etag(property_sources: Sequence[PropertySource]) -> str:
    """The entity tag of resolved property sources: a hash of their names and contents.

    Args:
        property_sources: the sources, highest precedence first.

    Returns:
        A strong entity tag, quotes included, e.g. ``"3f2a…"`` (32 hex digits).

    Spec: RFC 9110 section 8.8.3 (ETag).
    """
    canonical = json.dumps(
        [[source.name, dict(source.source)] for source in property_sources],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def file_precedence(application: str, profiles: Sequence[str]) -> list[str]:
    """The file base names for an application and profiles, highest precedence first.

    Args:
        application: e.g. ``"router"``.
        profiles: e.g. ``["dev", "eu"]`` (a later profile wins).

    Returns:
        e.g. ``["router-eu", "router-dev", "router", "application-eu", "application-dev",
        "application"]`` (no duplicates when the application is ``application``).

    Spec: Spring Cloud Config Server, ``{application}-{profile}`` > ``{application}`` >
        ``application-{profile}`` > ``application``; with several profiles the last wins.
    """
    names: list[str] = []
    for base in (application, "application"):
        for profile in reversed(profiles):
            names.append(f"{base}-{profile}")
        names.append(base)
    return list(dict.fromkeys(names))
