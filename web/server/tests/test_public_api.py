"""The curated ``__all__`` of every module names what exists."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "trellis_web",
    "trellis_web.app",
    "trellis_web.cli",
    "trellis_web.errors",
    "trellis_web.headers",
    "trellis_web.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert len(set(module.__all__)) == len(module.__all__)
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


def test_package_exports() -> None:
    import trellis_web

    assert sorted(trellis_web.__all__) == [
        "WebBuildMissing",
        "WebSettings",
        "content_security_policy",
        "create_app",
    ]
    assert issubclass(trellis_web.WebBuildMissing, FileNotFoundError)
