"""Print the router's configuration reference (Markdown) or its JSON Schema.

Usage::

    .venv/bin/python dev/router_config_reference.py > router/CONFIGURATION.md
    .venv/bin/python dev/router_config_reference.py --json-schema > router-config.schema.json

The reference is read from the settings models (:class:`trellis_router.configuration.
RouterSettings` and every section nested under it, at any depth): one table per section with
each key's path, type, default, environment variable, whether it applies live
(:data:`trellis_router.configuration.LIVE_SETTINGS`) and its description. Nothing is listed by
hand: a new field or section shows up on the next run (``router/tests/
test_configuration_reference.py`` fails until the committed file is regenerated).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python
from trellis_router.configuration import LIVE_SETTINGS, RouterSettings

__all__ = [
    "NAME_PLACEHOLDER",
    "REGENERATE",
    "Setting",
    "SettingsSection",
    "json_schema",
    "main",
    "render_markdown",
    "sections",
]

NAME_PLACEHOLDER = "<name>"
"""Stands for a key of a mapping keyed by name (a subgraph name, a policy name, …)."""

ITEM_SUFFIX = "[]"
"""Marks the items of a list in a key path (``headers.all.request[].insert``)."""

REGENERATE = "python dev/router_config_reference.py > router/CONFIGURATION.md"
"""The command that rewrites the committed reference."""

_ENV_PREFIX: str = RouterSettings.model_config.get("env_prefix", "")
_ENV_DELIMITER: str = RouterSettings.model_config.get("env_nested_delimiter") or "__"

ContainerKind = Literal["model", "list", "mapping"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One key of the configuration, as the reference documents it.

    Attributes:
        path: the key path from the top (``traffic_shaping.all.timeout_seconds``;
            ``<name>`` for a mapping's keys, ``[]`` after a list's name for its items).
        field: the pydantic field (annotation, default, constraints, description).
        env: the environment variable setting it (``TRELLIS_ROUTER_LIMITS__MAX_DEPTH``), or
            None inside a list (the list is set whole, as JSON).
        live: applied without a restart (its top-level key is in ``LIVE_SETTINGS``).
        section: the nested section this key holds, when it holds one (its path), else None.
    """

    path: str
    field: FieldInfo
    env: str | None
    live: bool
    section: str | None


@dataclass(frozen=True, slots=True)
class SettingsSection:
    """A settings model at one place of the configuration.

    Attributes:
        path: the section's key path (``""`` for the top level).
        model: the pydantic model of its keys.
        settings: its keys, in the model's field order.
    """

    path: str
    model: type[BaseModel]
    settings: tuple[Setting, ...]


def _nested_models(annotation: Any) -> Iterator[tuple[ContainerKind, type[BaseModel]]]:
    """The settings models an annotation holds: directly (or optional), as list items, or as
    the values of a mapping."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield "model", annotation
        return
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Union or origin is types.UnionType:
        for arg in args:
            yield from _nested_models(arg)
    elif origin is not None and isinstance(origin, type) and args:
        if issubclass(origin, Mapping):
            for kind, model in _nested_models(args[-1]):
                yield ("mapping" if kind == "model" else kind), model
        elif issubclass(origin, Sequence | set | frozenset):
            for _, model in _nested_models(args[0]):
                yield "list", model


def sections(model: type[BaseModel] = RouterSettings) -> list[SettingsSection]:
    """Every section of the configuration, depth first in field order (the top level first).

    Args:
        model: the top-level settings model.

    Returns:
        The sections; a model reached at several places appears once per place (its path
        differs). A model nested in itself is documented once, at its first place.
    """
    found: list[SettingsSection] = []
    _walk(model, (), (), (model,), found)
    return found


def _walk(
    model: type[BaseModel],
    path: tuple[str, ...],
    env_path: tuple[str, ...] | None,
    ancestors: tuple[type[BaseModel], ...],
    found: list[SettingsSection],
) -> None:
    settings: list[Setting] = []
    children: list[tuple[type[BaseModel], tuple[str, ...], tuple[str, ...] | None]] = []
    for name, field in model.model_fields.items():
        key_path = (*path, name)
        env_key = None if env_path is None else (*env_path, name)
        section: str | None = None
        for kind, nested in _nested_models(field.annotation):
            if nested in ancestors:
                continue
            if kind == "model":
                child = (nested, key_path, env_key)
            elif kind == "mapping":
                placeholder = (NAME_PLACEHOLDER,)
                child = (nested, (*key_path, *placeholder), _extend(env_key, placeholder))
            else:
                child = (nested, (*path, name + ITEM_SUFFIX), None)
            children.append(child)
            section = section or ".".join(child[1])
        settings.append(
            Setting(
                path=".".join(key_path),
                field=field,
                env=_env_name(env_key),
                live=key_path[0] in LIVE_SETTINGS,
                section=section,
            )
        )
    found.append(SettingsSection(".".join(path), model, tuple(settings)))
    for nested, child_path, child_env in children:
        _walk(nested, child_path, child_env, (*ancestors, nested), found)


def _extend(env_path: tuple[str, ...] | None, parts: tuple[str, ...]) -> tuple[str, ...] | None:
    return None if env_path is None else (*env_path, *parts)


def _env_name(env_path: tuple[str, ...] | None) -> str | None:
    if env_path is None:
        return None
    return (_ENV_PREFIX + _ENV_DELIMITER.join(env_path)).upper()


def _type_name(annotation: Any) -> str:
    """A readable type: ``float | None``, ``list[str]``, ``"gzip" | "deflate"``."""
    if annotation is None or annotation is type(None):
        return "None"
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return " | ".join(json.dumps(arg) for arg in args)
    if origin is Union or origin is types.UnionType:
        return " | ".join(_type_name(arg) for arg in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_type_name(arg) for arg in args)}]"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


_BOUNDS: tuple[tuple[str, str], ...] = (
    ("gt", ">"),
    ("ge", ">="),
    ("lt", "<"),
    ("le", "<="),
    ("min_length", "length >="),
    ("max_length", "length <="),
)


def _constraints(field: FieldInfo) -> list[str]:
    """The field's bounds (``annotated_types`` metadata), e.g. ``["> 0"]``, ``[">= 0", "<= 1"]``."""
    found: list[str] = []
    for item in field.metadata:
        for attribute, symbol in _BOUNDS:
            bound = getattr(item, attribute, None)
            if bound is not None:
                found.append(f"{symbol} {bound}")
    return found


def _default(setting: Setting) -> str:
    field = setting.field
    if field.is_required():
        return "*required*"
    value = field.get_default(call_default_factory=True, validated_data={})
    if isinstance(value, BaseModel):
        changed = value.model_dump(mode="json", exclude_defaults=True)
        return "*section defaults*" if not changed else _code(_json(changed))
    if isinstance(value, set | frozenset):
        value = sorted(value)
    return _code(_json(to_jsonable_python(value)))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _row(setting: Setting) -> str:
    field = setting.field
    type_cell = _code(_type_name(field.annotation))
    bounds = _constraints(field)
    if bounds:
        type_cell += " (" + ", ".join(bounds) + ")"
    if setting.section is not None:
        type_cell += f"; section `{setting.section}`"
    env = _code(setting.env) if setting.env is not None else "— (in the list's value)"
    cells = (
        _code(setting.path),
        type_cell,
        _default(setting),
        env,
        "yes" if setting.live else "no",
        _cell(field.description or ""),
    )
    return "| " + " | ".join(cells) + " |"


def _docstring_markdown(model: type[BaseModel]) -> list[str]:
    """A model's docstring as Markdown: RST literals to code spans, indented blocks after a
    line ending in ``:`` to fenced code."""
    doc = inspect.cleandoc(model.__doc__ or "")
    lines: list[str] = []
    in_block = False
    for raw in doc.splitlines():
        line = raw.replace("``", "`")
        indented = raw.startswith((" ", "\t"))
        if in_block and (indented or not raw.strip()):
            if indented or lines[-1] != "```":
                lines.append(line[4:] if indented else "")
            continue
        if in_block:
            while lines and not lines[-1]:
                lines.pop()
            lines.extend(["```", ""])
            in_block = False
        if line.rstrip().endswith(":") and not indented:
            lines.extend([line.rstrip().rstrip(":") + ":", "", "```"])
            in_block = True
            continue
        lines.append(line)
    if in_block:
        while lines and not lines[-1]:
            lines.pop()
        lines.append("```")
    return lines


_INTRO = f"""\
# Router configuration reference

<!-- Generated from the settings models by dev/router_config_reference.py: do not edit.
     Regenerate with `{REGENERATE}`. -->

Every setting of `trellis-router serve`, read from the settings models
(`trellis_router.configuration`). A setting comes from, highest first: a command-line flag, an
environment variable, the config server (application `router`), the YAML file given with
`--config`, the default. An example file showing every section: `router/router.example.yaml`.
`python dev/router_config_reference.py --json-schema` prints the JSON Schema of that file (for
editor completion and validation).

- **Key**: the key path in the YAML file. `{NAME_PLACEHOLDER}` stands for a name you choose (a
  subgraph name, a policy name); `[]` marks the items of a list.
- **Environment variable**: prefix `{_ENV_PREFIX}`, `{_ENV_DELIMITER}` between nested keys. Lists,
  sets and mappings take JSON (`{_ENV_PREFIX}CORS_ALLOW_ORIGINS='["https://shop.example.com"]'`).
  Names are case-insensitive, so a `{NAME_PLACEHOLDER}` given in a variable name is read in lower
  case: use the YAML file or a JSON value for names with capitals. Keys inside list items have
  no variable of their own: set the whole list.
- **Default**: what a key gets when it is left out of its mapping. A section's default (shown
  on the row naming it; *section defaults* means each key's own default) applies only when the
  whole section is left out: once a section is given, each key missing from it takes the default
  listed in the section's own table.
- **Live**: `yes` when a change (config server, reload) applies without a restart; otherwise it
  is logged and applies at the next start.
- Unknown keys are refused at every depth.
"""


def render_markdown(found: Sequence[SettingsSection] | None = None) -> str:
    """The configuration reference as Markdown.

    Args:
        found: the sections to document (default: :func:`sections` of ``RouterSettings``).

    Returns:
        The whole document, ending with a newline.
    """
    found = sections() if found is None else found
    lines = [_INTRO]
    for section in found:
        title = "Top level" if not section.path else f"`{section.path}`"
        lines.extend([f"## {title}", ""])
        if section.path:
            doc = _docstring_markdown(section.model)
            if doc:
                lines.extend([*doc, ""])
        lines.extend(
            [
                "| Key | Type | Default | Environment variable | Live | Description |",
                "|---|---|---|---|---|---|",
                *(_row(setting) for setting in section.settings),
                "",
            ]
        )
    return "\n".join(lines).rstrip("\n") + "\n"


def json_schema() -> str:
    """The JSON Schema of the router's settings (the ``--config`` YAML file), indented JSON.

    Returns:
        The schema text, ending with a newline.
    """
    schema = RouterSettings.model_json_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the Markdown reference, or the JSON Schema with ``--json-schema``.

    Args:
        argv: command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--json-schema",
        action="store_true",
        help="print the JSON Schema of the settings instead of the Markdown reference",
    )
    args = parser.parse_args(argv)
    sys.stdout.write(json_schema() if args.json_schema else render_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
