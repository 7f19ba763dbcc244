"""Read and check the ``@link`` applications of a supergraph.

Spec: Apollo "link" v1.0 (``@link(url:, as:, for:, import:)`` on the schema); Federation 1
supergraphs (``@core``, join v0.1) are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
)

from ..spec.features import KNOWN_FEATURES, version_text
from ..spec.join import JOIN_IDENTITY, SUPPORTED_JOIN_VERSIONS
from ..spec.link import (
    CORE_IDENTITY,
    LINK_IDENTITY,
    SUPPORTED_LINK_VERSIONS,
    FeatureUrl,
    LinkedFeature,
    parse_link_directive,
)
from .errors import SupergraphError

__all__ = ["SupergraphLinks", "check_links", "read_links"]


@dataclass(frozen=True, slots=True)
class SupergraphLinks:
    """The features a supergraph links, checked.

    Attributes:
        link: the link spec's own ``@link``.
        join: the join spec's ``@link``.
        features: every ``@link``, in schema order (link and join included).
    """

    link: LinkedFeature
    join: LinkedFeature
    features: tuple[LinkedFeature, ...]

    def by_identity(self, identity: str) -> LinkedFeature | None:
        """The feature linked with this identity URL (no version), or None."""
        return next((f for f in self.features if f.url.identity == identity), None)


def _schema_directives(document: DocumentNode) -> Iterable[ConstDirectiveNode]:
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            yield from definition.directives or ()


def _url_argument(directive: ConstDirectiveNode, name: str) -> FeatureUrl | None:
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, StringValueNode):
            return FeatureUrl.parse(argument.value.value)
    return None


def read_links(document: DocumentNode) -> tuple[LinkedFeature, ...]:
    """Read every ``@link`` on the schema, whatever name the link spec is imported under.

    Args:
        document: the parsed supergraph SDL.

    Returns:
        The linked features in schema order.

    Raises:
        SupergraphError: the schema is a Federation 1 (``@core``) supergraph.

    Spec: Apollo "link" v1.0: the link spec links itself first, possibly ``as:`` another name.
    """
    directives = list(_schema_directives(document))
    for directive in directives:
        core = _url_argument(directive, "feature")
        if core is not None and core.identity == CORE_IDENTITY:
            raise SupergraphError(
                f"unsupported supergraph: it uses the core spec {version_text(core.version)} "
                f"({CORE_IDENTITY}/{version_text(core.version)}), written for Federation 1; "
                "recompose it with Federation 2 (link v1.0, join v0.2 to v0.5)"
            )
    link_name = "link"
    for directive in directives:
        url = _url_argument(directive, "url")
        if url is not None and url.identity == LINK_IDENTITY:
            feature = parse_link_directive(directive)
            if feature is not None:
                link_name = feature.prefix
                break
    links: list[LinkedFeature] = []
    for directive in directives:
        if directive.name.value == link_name:
            feature = parse_link_directive(directive)
            if feature is not None:
                links.append(feature)
    return tuple(links)


def check_links(links: tuple[LinkedFeature, ...]) -> SupergraphLinks:
    """Check that this router can execute a supergraph linking these features.

    Args:
        links: the supergraph's linked features (from :func:`read_links`).

    Returns:
        The checked links.

    Raises:
        SupergraphError: link v1.0 or join v0.2-v0.5 is missing or at another version, or a
            ``for: SECURITY``/``for: EXECUTION`` feature is unknown or at an unknown version.
            The message names the feature URL and version.

    Spec: Apollo "link" v1.0 ``for:``: a processor must refuse a schema linking a
    ``SECURITY`` or ``EXECUTION`` feature it does not support.
    """
    link = next((f for f in links if f.url.identity == LINK_IDENTITY), None)
    if link is None:
        raise SupergraphError(
            f"not a Federation 2 supergraph: the schema does not link {LINK_IDENTITY}/v1.0"
        )
    if link.url.version not in SUPPORTED_LINK_VERSIONS:
        raise SupergraphError(
            f"unsupported link spec version {version_text(link.url.version)} "
            f"({LINK_IDENTITY}/{version_text(link.url.version)}; supported: v1.0)"
        )
    join = next((f for f in links if f.url.identity == JOIN_IDENTITY), None)
    if join is None:
        raise SupergraphError(
            f"not a supergraph: the schema does not link the join spec ({JOIN_IDENTITY})"
        )
    if join.url.version not in SUPPORTED_JOIN_VERSIONS:
        hint = " (Federation 1)" if join.url.version == (0, 1) else ""
        raise SupergraphError(
            f"unsupported join spec version {version_text(join.url.version)}{hint} "
            f"({JOIN_IDENTITY}/{version_text(join.url.version)}; supported: v0.2 to v0.5)"
        )
    for feature in links:
        if feature.purpose not in ("SECURITY", "EXECUTION"):
            continue
        url = f"{feature.url.identity}/{version_text(feature.url.version)}"
        versions = KNOWN_FEATURES.get(feature.url.identity)
        if versions is None:
            raise SupergraphError(
                f"the supergraph links {url} for {feature.purpose}, "
                "a feature this router does not implement"
            )
        if feature.url.version not in versions:
            supported = ", ".join(version_text(v) for v in sorted(versions))
            raise SupergraphError(
                f"the supergraph links {url} for {feature.purpose}, a version this router "
                f"does not implement (supported: {supported})"
            )
    return SupergraphLinks(link=link, join=join, features=links)
