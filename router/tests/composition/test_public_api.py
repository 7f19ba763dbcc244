"""The composition package's curated public interface and its layering."""

from __future__ import annotations

import ast
from pathlib import Path

import trellis_router.composition as composition

PACKAGE = Path(composition.__file__).parent


def test_all_is_curated_and_importable() -> None:
    assert sorted(composition.__all__) == [
        "CompositionConfigError",
        "CompositionError",
        "CompositionHint",
        "CompositionResult",
        "ErrorCode",
        "HintCode",
        "INPUT_ERROR_CODES",
        "SubgraphDefinition",
        "compose",
        "load_supergraph_config",
    ]
    for name in composition.__all__:
        assert getattr(composition, name) is not None


def test_composition_does_not_import_the_server_layer() -> None:
    forbidden = ("executor", "pipeline", "http", "sources")
    for module in PACKAGE.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (
                    parts[0] == "trellis_router" and len(parts) > 1 and parts[1] in forbidden
                ), f"{module.name} imports {node.module}"


def test_result_ok_reflects_errors() -> None:
    good = composition.CompositionResult("schema {}", (), ())
    bad = composition.CompositionResult(None, (composition.CompositionError("X", "y"),), ())
    assert good.ok
    assert not bad.ok
