"""The ``link`` spec (https://specs.apollo.dev/link/v1.0): how a schema links features.

Spec: Apollo core schemas, "link v1.0": ``@link(url:, as:, for:, import:)`` on the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import DirectiveNode, StringValueNode, value_from_ast_untyped

__all__ = [
    "CORE_IDENTITY",
    "LINK_IDENTITY",
    "SUPPORTED_LINK_VERSIONS",
    "FeatureUrl",
    "LinkedFeature",
    "parse_link_directive",
]

LINK_IDENTITY = "https://specs.apollo.dev/link"

CORE_IDENTITY = "https://specs.apollo.dev/core"
"""The pre-link ``@core`` spec of Federation 1 supergraphs (out of scope)."""

SUPPORTED_LINK_VERSIONS: frozenset[tuple[int, int]] = frozenset({(1, 0)})
"""Link versions this router reads."""

_URL = re.compile(r"^(?P<identity>.+)/(?P<name>[A-Za-z_][\w-]*)/v(?P<major>\d+)\.(?P<minor>\d+)$")


@dataclass(frozen=True, slots=True)
class FeatureUrl:
    """A parsed feature URL, e.g. ``https://specs.apollo.dev/join/v0.5``.

    Attributes:
        identity: the URL without the version, e.g. ``https://specs.apollo.dev/join``.
        name: the feature name, e.g. ``join``.
        major: major version number.
        minor: minor version number.
    """

    identity: str
    name: str
    major: int
    minor: int

    @property
    def version(self) -> tuple[int, int]:
        """The version as ``(major, minor)``."""
        return (self.major, self.minor)

    @classmethod
    def parse(cls, url: str) -> FeatureUrl | None:
        """Parse a feature URL; returns None when the URL has no ``/name/vX.Y`` tail."""
        match = _URL.match(url.rstrip("/"))
        if match is None:
            return None
        return cls(
            identity=f"{match['identity']}/{match['name']}",
            name=match["name"],
            major=int(match["major"]),
            minor=int(match["minor"]),
        )


@dataclass(frozen=True, slots=True)
class LinkedFeature:
    """One ``@link`` application on the schema.

    Attributes:
        url: the parsed feature URL.
        prefix: the name prefix its elements carry (``as:`` or the feature name).
        purpose: ``SECURITY``, ``EXECUTION`` or None.
        imports: imported names mapped to their local names (``{"@key": "@key"}``).
    """

    url: FeatureUrl
    prefix: str
    purpose: str | None
    imports: dict[str, str]

    def directive_name(self, name: str) -> str:
        """The name a directive of this feature has in the schema (without ``@``).

        Args:
            name: the directive's name in the feature's spec, e.g. ``"inaccessible"`` or
                ``"listSize"``.

        Returns:
            The imported local name when imported; the prefix for the feature's main
            directive (named like the feature); ``<prefix>__<name>`` otherwise.

        Spec: Apollo "link" v1.0, "Name prefixing" and ``import:``.
        """
        local = self.imports.get(f"@{name}")
        if local is not None:
            return local.removeprefix("@")
        if name == self.url.name:
            return self.prefix
        return f"{self.prefix}__{name}"

    def owns_directive(self, name: str) -> bool:
        """True when directive ``name`` (as written in the schema) belongs to this feature.

        Args:
            name: a directive name without ``@``.

        Returns:
            Whether it is the feature's main directive, a prefixed one or an imported one.

        Spec: Apollo "link" v1.0, "Name prefixing".
        """
        if name == self.prefix or name.startswith(f"{self.prefix}__"):
            return True
        return f"@{name}" in {local for key, local in self.imports.items() if key.startswith("@")}

    def owns_type(self, name: str) -> bool:
        """True when type ``name`` belongs to this feature (prefixed or imported).

        Args:
            name: a type name.

        Returns:
            Whether it is ``<prefix>__*`` or imported from this feature.

        Spec: Apollo "link" v1.0, "Name prefixing".
        """
        if name.startswith(f"{self.prefix}__"):
            return True
        return name in {local for key, local in self.imports.items() if not key.startswith("@")}


def parse_link_directive(node: DirectiveNode) -> LinkedFeature | None:
    """Read one ``@link`` directive application.

    Args:
        node: the directive AST node (its name is ``link`` or the link spec's alias).

    Returns:
        The linked feature, or None when the URL is not a versioned feature URL.
    """
    args = {arg.name.value: arg.value for arg in node.arguments or ()}
    url_node = args.get("url")
    if not isinstance(url_node, StringValueNode):
        return None
    url = FeatureUrl.parse(url_node.value)
    if url is None:
        return None
    alias = args.get("as")
    prefix = alias.value if isinstance(alias, StringValueNode) else url.name
    purpose_node = args.get("for")
    purpose = value_from_ast_untyped(purpose_node) if purpose_node is not None else None
    imports: dict[str, str] = {}
    import_node = args.get("import")
    if import_node is not None:
        for item in value_from_ast_untyped(import_node) or []:
            if isinstance(item, str):
                imports[item] = item
            elif isinstance(item, dict) and "name" in item:
                imports[str(item["name"])] = str(item.get("as", item["name"]))
    return LinkedFeature(
        url=url,
        prefix=prefix,
        purpose=str(purpose) if purpose is not None else None,
        imports=imports,
    )
