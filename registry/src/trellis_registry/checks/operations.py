"""Operations to check against: `Operation`, read from ``.graphql`` files or recorded text.

A document may hold several operations and fragments; fragments may also come from other
files given to the same check (web clients keep shared fragments apart). Each `Operation`
carries a document with just that operation and the fragments it spreads, transitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    Node,
    OperationDefinitionNode,
    Source,
    get_location,
    parse,
)

from trellis_registry.checks.errors import CheckInputError, syntax_error

__all__ = [
    "OPERATION_FILE_SUFFIXES",
    "Operation",
    "load_operation_files",
    "parse_operations",
    "parse_recorded_operation",
]

OPERATION_FILE_SUFFIXES = (".graphql", ".gql")
"""File name endings read from a directory given to ``--operations``."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation a client sends.

    Attributes:
        name: The operation name, or None for an anonymous operation.
        document: The operation and the fragments it spreads (transitively).
        source: Where it came from: a file path, or a label such as ``registry``.
        line: The line of the operation in ``source`` (1-based).
    """

    name: str | None
    document: DocumentNode
    source: str
    line: int

    @property
    def label(self) -> str:
        """How reports name it: the operation name, or ``source:line`` when anonymous."""
        return self.name if self.name is not None else f"{self.source}:{self.line}"


def _position(node: Node) -> tuple[int, int]:
    if node.loc is None:
        return 1, 1
    location = get_location(node.loc.source, node.loc.start)
    return location.line, location.column


def _spreads(node: Node) -> Iterable[FragmentSpreadNode]:
    """The fragment spreads directly inside ``node`` (not inside the fragments they name)."""
    stack: list[object] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, FragmentSpreadNode):
            yield current
        elif isinstance(current, Node):
            for key in current.keys:
                value = getattr(current, key, None)
                if isinstance(value, Node):
                    stack.append(value)
                elif isinstance(value, tuple | list):
                    stack.extend(value)


def _with_fragments(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    source: str,
) -> DocumentNode:
    used: dict[str, FragmentDefinitionNode] = {}
    pending = list(_spreads(operation))
    while pending:
        spread = pending.pop()
        name = spread.name.value
        fragment = fragments.get(name)
        if fragment is None:
            line, column = _position(spread)
            raise CheckInputError(f"{source}:{line}:{column}: unknown fragment {name!r}")
        if name not in used:
            used[name] = fragment
            pending.extend(_spreads(fragment))
    return DocumentNode(definitions=(operation, *used.values()))


def _parse(text: str, source: str) -> DocumentNode:
    try:
        return parse(Source(text, source))
    except GraphQLError as error:
        raise syntax_error(source, error) from error


def parse_operations(
    text: str, source: str, shared_fragments: Mapping[str, FragmentDefinitionNode] | None = None
) -> list[Operation]:
    """Reads the operations of one GraphQL document.

    Args:
        text: The document text.
        source: Its name in reports (a file path, ``registry``, ...).
        shared_fragments: Fragments from other documents, used when this one lacks a spread
            fragment.

    Returns:
        Its operations, in document order.

    Raises:
        CheckInputError: The text does not parse (``SOURCE:LINE:COL: message``), or an
            operation spreads a fragment defined nowhere.
    """
    document = _parse(text, source)
    return _operations_of(document, source, shared_fragments or {})


def _operations_of(
    document: DocumentNode, source: str, shared: Mapping[str, FragmentDefinitionNode]
) -> list[Operation]:
    fragments = dict(shared)
    fragments.update(
        (definition.name.value, definition)
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    )
    return [
        Operation(
            name=definition.name.value if definition.name else None,
            document=_with_fragments(definition, fragments, source),
            source=source,
            line=_position(definition)[0],
        )
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            candidate
            for candidate in path.rglob("*")
            if candidate.is_file() and candidate.suffix in OPERATION_FILE_SUFFIXES
        )
    if path.is_file():
        return [path]
    raise CheckInputError(f"{path}: no such file or directory")


def load_operation_files(paths: Sequence[Path]) -> list[Operation]:
    """Reads the operations of ``.graphql`` files and directories (searched recursively).

    Fragments defined in any of the files can be spread by operations in any other.

    Args:
        paths: Files and directories.

    Returns:
        Every operation, file by file in path order (a directory's files sorted).

    Raises:
        CheckInputError: A path is missing or unreadable, a file does not parse, an
            operation spreads a fragment none of the files defines, or no operation was
            found at all (an empty folder would otherwise pass every check).
    """
    documents: list[tuple[str, DocumentNode]] = []
    for path in paths:
        for file in _files(path):
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CheckInputError(f"{file}: cannot read: {error}") from error
            documents.append((str(file), _parse(text, str(file))))
    shared: dict[str, FragmentDefinitionNode] = {}
    for _source, document in documents:
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                shared.setdefault(definition.name.value, definition)
    operations = [
        operation
        for source, document in documents
        for operation in _operations_of(document, source, shared)
    ]
    if not operations:
        shown = ", ".join(str(path) for path in paths)
        raise CheckInputError(f"{shown}: no GraphQL operations found")
    return operations


def parse_recorded_operation(document: str, document_hash: str) -> list[Operation]:
    """Reads a document the registry recorded.

    Args:
        document: The recorded document text.
        document_hash: Its hash; anonymous operations are labelled
            ``registry:<first 12 hex digits>:<line>``.

    Returns:
        Its operations; none when it does not parse or spreads an undefined fragment (the
        router records what it executed, so this only happens to tampered records).
    """
    try:
        return parse_operations(document, f"registry:{document_hash[:12]}")
    except CheckInputError:
        return []
