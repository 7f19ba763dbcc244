"""Settings from arguments and TRELLIS_WEB_* variables; origins and the CSP built from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from trellis_web.headers import content_security_policy, origin_of
from trellis_web.settings import WebSettings


def test_defaults() -> None:
    settings = WebSettings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 3000
    assert settings.dist_dir == Path("web/dist")
    assert settings.router_url == "http://127.0.0.1:4000/graphql"
    assert settings.registry_url == "http://127.0.0.1:8761/"
    assert settings.content_security_policy is True


def test_environment_and_blank_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_WEB_PORT", "3101")
    monkeypatch.setenv("TRELLIS_WEB_DIST_DIR", "/srv/web")
    monkeypatch.setenv("TRELLIS_WEB_CONTENT_SECURITY_POLICY", "false")
    monkeypatch.setenv("TRELLIS_WEB_REGISTRY_URL", "")
    settings = WebSettings()
    assert settings.port == 3101
    assert settings.dist_dir == Path("/srv/web")
    assert settings.content_security_policy is False
    assert settings.registry_url is None
    assert WebSettings(registry_url="  ").registry_url is None


def test_unknown_keys_and_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        WebSettings(listen="127.0.0.1:3000")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        WebSettings(port=70000)
    with pytest.raises(ValidationError):
        WebSettings(router_url="")


def test_every_field_is_described() -> None:
    for name, field in WebSettings.model_fields.items():
        assert field.description, name


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:4000/graphql", "http://127.0.0.1:4000"),
        ("HTTPS://Router.Example:8443/a?b#c", "https://router.example:8443"),
        ("http://user:pw@localhost:8761/", "http://localhost:8761"),
        ("http://[::1]:4000/graphql", "http://[::1]:4000"),
        ("http://localhost/graphql", "http://localhost"),
        ("/graphql", None),
        ("", None),
        (None, None),
    ],
)
def test_origin_of(url: str | None, origin: str | None) -> None:
    assert origin_of(url) == origin


def test_content_security_policy_lists_each_origin_once() -> None:
    csp = content_security_policy(
        ["http://127.0.0.1:4000/graphql", None, "http://127.0.0.1:4000/other", "/relative"]
    )
    assert csp == (
        "default-src 'self'; connect-src 'self' http://127.0.0.1:4000; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; font-src 'self' data:; script-src 'self'; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    )
