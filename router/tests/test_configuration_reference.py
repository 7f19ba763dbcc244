"""The configuration reference (``router/CONFIGURATION.md``, written by
``dev/router_config_reference.py``) and the example file (``router/router.example.yaml``) against
the settings models: the reference is current and complete, every field is described, unknown
keys are refused at every depth, the documented environment variables set what they say, and the
example loads.

The sections and fields are found by walking the settings' JSON Schema, independently of the
generator's own walk over the pydantic models.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel, ValidationError
from trellis_router.configuration import LIVE_SETTINGS, RouterSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "dev" / "router_config_reference.py"
REFERENCE = ROOT / "router" / "CONFIGURATION.md"
EXAMPLE = ROOT / "router" / "router.example.yaml"
NAME = "<name>"
TYPO = "unknwon_key"


def _load_generator() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("router_config_reference", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


# --- the settings' JSON Schema, walked -----------------------------------------------------


SCHEMA: dict[str, Any] = RouterSettings.model_json_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    return SCHEMA["$defs"][ref.removeprefix("#/$defs/")]  # type: ignore[no-any-return]


def _objects_under(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object schema) for each settings object a property's schema holds."""
    for option in node.get("anyOf", [node]):
        option = _resolve(option)
        if "properties" in option:
            yield path, option
        elif option.get("type") == "array" and isinstance(option.get("items"), dict):
            yield from _objects_under(option["items"], path + "[]")
        elif isinstance(option.get("additionalProperties"), dict):
            yield from _objects_under(option["additionalProperties"], f"{path}.{NAME}")


def _schema_sections() -> dict[str, dict[str, Any]]:
    """Section path -> its object schema, for every object at every depth ("" = top level)."""
    found: dict[str, dict[str, Any]] = {}
    pending: list[tuple[str, dict[str, Any]]] = [("", SCHEMA)]
    while pending:
        path, schema = pending.pop()
        if path in found:
            continue
        found[path] = schema
        for name, prop in schema["properties"].items():
            pending.extend(_objects_under(prop, f"{path}.{name}" if path else name))
    return found


def _description(prop: dict[str, Any]) -> str:
    """A property's description. Pydantic leaves it out of a ``$ref`` property when it equals
    the referenced model's docstring, which then stands for it."""
    described = prop.get("description") or ("$ref" in prop and _resolve(prop).get("description"))
    return described or ""


SECTIONS = _schema_sections()
FIELDS = {
    f"{path}.{name}" if path else name: prop
    for path, schema in SECTIONS.items()
    for name, prop in schema["properties"].items()
}


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_router_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's TRELLIS_ROUTER_* variables must not leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("TRELLIS_ROUTER_"):
            monkeypatch.delenv(name)


def _example() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _mappings_at(node: Any, parts: list[str]) -> list[dict[str, Any]]:
    """Every mapping of the loaded example at a section path (split on dots)."""
    if not isinstance(node, dict):
        return []
    if not parts:
        return [node]
    head, *rest = parts
    if head == NAME:
        candidates = list(node.values())
    elif head.endswith("[]"):
        value = node.get(head.removesuffix("[]"))
        candidates = value if isinstance(value, list) else []
    else:
        candidates = [node[head]] if head in node else []
    return [found for candidate in candidates for found in _mappings_at(candidate, rest)]


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "router.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _run_generator(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(GENERATOR), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- the reference --------------------------------------------------------------------------


def test_committed_reference_is_current() -> None:
    expected = _run_generator()
    committed = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    assert committed == expected, (
        f"router/CONFIGURATION.md is out of date: run `{generator.REGENERATE}`"
    )


def test_json_schema_option_prints_the_settings_schema() -> None:
    assert json.loads(_run_generator("--json-schema")) == SCHEMA


def test_every_field_at_every_depth_has_a_description() -> None:
    undescribed = sorted(path for path, prop in FIELDS.items() if not _description(prop))
    assert not undescribed, f"fields without a description: {undescribed}"
    assert len(SECTIONS) > 10  # the walk reached the nested sections


def test_reference_has_a_table_per_section_and_a_row_per_field() -> None:
    generated = {section.path for section in generator.sections()}
    assert generated == set(SECTIONS)
    text = generator.render_markdown()
    for path in SECTIONS:
        heading = "## Top level" if not path else f"## `{path}`"
        assert text.count(heading + "\n") == 1, heading
    for path, prop in FIELDS.items():
        rows = [line for line in text.splitlines() if line.startswith(f"| `{path}` |")]
        assert len(rows) == 1, path
        assert _description(prop).split()[0] in rows[0]
        live = path.split(".")[0] in LIVE_SETTINGS
        assert rows[0].split(" | ")[-2] == ("yes" if live else "no"), path


def test_rows_name_environment_variables_by_nested_path() -> None:
    settings = {
        setting.path: setting for section in generator.sections() for setting in section.settings
    }
    assert settings["limits.max_depth"].env == "TRELLIS_ROUTER_LIMITS__MAX_DEPTH"
    assert (
        settings["traffic_shaping.all.timeout_seconds"].env
        == "TRELLIS_ROUTER_TRAFFIC_SHAPING__ALL__TIMEOUT_SECONDS"
    )
    assert (
        settings[f"traffic_shaping.subgraphs.{NAME}.timeout_seconds"].env
        == "TRELLIS_ROUTER_TRAFFIC_SHAPING__SUBGRAPHS__<NAME>__TIMEOUT_SECONDS"
    )
    assert settings["authentication.jwt.jwks[].url"].env is None
    assert settings["authentication.jwt.jwks"].env == "TRELLIS_ROUTER_AUTHENTICATION__JWT__JWKS"


# --- environment variables as documented ----------------------------------------------------


def _scalar_type(annotation: Any) -> type | None:
    """int, float or bool for a (possibly optional) scalar annotation, else None."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    return annotation if annotation in (bool, int, float) else None


def _scalar_settings() -> list[Any]:
    return [
        setting
        for section in generator.sections()
        for setting in section.settings
        if setting.env is not None and _scalar_type(setting.field.annotation) is not None
    ]


def _value_at(settings: BaseModel, path: list[str]) -> Any:
    value: Any = settings
    for part in path:
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


@pytest.mark.parametrize("setting", _scalar_settings(), ids=lambda setting: setting.path)
def test_documented_environment_variable_sets_the_key(
    setting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each number and flag's documented variable, over the example file, sets that key."""
    parts = setting.path.split(".")
    env = setting.env
    example = _example()
    for index, part in enumerate(parts):
        if part == NAME:
            names = list(_mappings_at(example, parts[:index])[0])
            parts[index] = names[0]
            env = env.replace("<NAME>", names[0].upper(), 1)
    config = EXAMPLE
    baseline = _value_at(load_settings(config_file=config), parts)
    kind = _scalar_type(setting.field.annotation)
    candidates = ["false" if baseline else "true"] if kind is bool else ["3", "1", "0"]
    refused = False
    for candidate in candidates:
        if kind is not bool and baseline is not None and float(candidate) == baseline:
            continue
        monkeypatch.setenv(env, candidate)
        try:
            loaded = load_settings(config_file=config)
        except ValidationError as error:
            # The value reached its section but broke a bound or a rule of that section (the
            # example loads without it); a misnamed variable would be ignored or be unknown.
            section = tuple(parts[:-1])
            for problem in error.errors():
                assert problem["type"] != "extra_forbidden", problem
                assert tuple(problem["loc"][: len(section)]) == section, problem
            refused = True
            continue
        expected: Any = candidate == "true" if kind is bool else float(candidate)
        assert _value_at(loaded, parts) == expected, f"{env}={candidate} did not set it"
        return
    assert refused, f"no value tried for {env}"


# --- unknown keys and the example file -------------------------------------------------------


def test_example_loads() -> None:
    settings = load_settings(config_file=EXAMPLE)
    assert settings.persisted_queries.safelist.enabled
    assert settings.traffic_shaping.subgraphs["billing"].circuit_breaker is not None
    assert settings.authorization.policies["billing_clerk"].scopes == ["billing:write"]


@pytest.mark.parametrize("path", sorted(SECTIONS), ids=lambda path: path or "top-level")
def test_example_shows_every_section(path: str) -> None:
    assert _mappings_at(_example(), path.split(".") if path else []), (
        f"router/router.example.yaml does not show section {path!r}: add it"
    )


@pytest.mark.parametrize("path", sorted(SECTIONS), ids=lambda path: path or "top-level")
def test_unknown_key_is_refused(path: str, tmp_path: Path) -> None:
    data = _example()
    mappings = _mappings_at(data, path.split(".") if path else [])
    assert mappings, f"router/router.example.yaml does not show section {path!r}"
    mappings[0][TYPO] = 1
    with pytest.raises(ValidationError) as refused:
        load_settings(config_file=_write(tmp_path, data))
    errors = refused.value.errors()
    assert len(errors) == 1, errors
    assert errors[0]["type"] == "extra_forbidden"
    assert errors[0]["loc"][-1] == TYPO
