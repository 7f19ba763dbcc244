"""Flattening YAML the Spring way and rebuilding nested values; environment merging."""

from __future__ import annotations

import datetime

import pytest
from trellis_config.environment import Environment, PropertySource, content_etag, file_precedence
from trellis_config.errors import ConfigSourceError
from trellis_config.longpoll import etag_matches, parse_wait
from trellis_config.properties import flatten, parse_key, parse_yaml_properties, unflatten


def test_flatten_nested_maps_lists_and_scalars():
    assert flatten(
        {
            "a": {"b": 1, "c": [True, {"d": None}], "e": {}},
            "when": datetime.date(2024, 1, 2),
            "empty": [],
            "m": {"[x.y]": "dotted"},
            1: "int key",
        }
    ) == {
        "a.b": 1,
        "a.c[0]": True,
        "a.c[1].d": None,
        "a.e": {},
        "when": "2024-01-02",
        "empty": [],
        "m[x.y]": "dotted",
        "1": "int key",
    }


def test_unflatten_round_trip_and_brackets():
    nested = {"a": {"b": 1, "c": [True, {"d": None}]}, "l": [[1, 2], [3]], "e": []}
    assert unflatten(flatten(nested)) == nested
    assert unflatten({"m[x.y]": 1, "m.z": 2}) == {"m": {"x.y": 1, "z": 2}}
    assert parse_key("a.b[0][12].c") == ["a", "b", 0, 12, "c"]
    assert unflatten({"x[2]": "c", "x[0]": "a"}) == {"x": ["a", "c"]}


def test_parse_yaml_properties_errors():
    assert parse_yaml_properties("a.yml", b"") == {}
    assert parse_yaml_properties("a.yml", b"# only a comment\n") == {}
    with pytest.raises(ConfigSourceError, match=r"a\.yml: invalid YAML"):
        parse_yaml_properties("a.yml", b"a: [1\n")
    with pytest.raises(ConfigSourceError, match="mapping"):
        parse_yaml_properties("a.yml", b"- 1\n- 2\n")
    with pytest.raises(ConfigSourceError, match="multi-document"):
        parse_yaml_properties("a.yml", b"a: 1\n---\nb: 2\n")


def test_environment_merging():
    environment = Environment(
        name="router",
        profiles=("dev",),
        label=None,
        version="v",
        property_sources=(
            PropertySource("high", {"list[0]": "h", "map.a": 1, "invalid.secret": "<n/a>"}),
            PropertySource("low", {"list[0]": "l0", "list[1]": "l1", "map.b": 2, "secret": "x"}),
        ),
    )
    # flattened: key by key; nested: lists replaced whole, maps merged, invalid.* left out.
    assert environment.flattened() == {
        "list[0]": "h",
        "list[1]": "l1",
        "map.a": 1,
        "map.b": 2,
        "invalid.secret": "<n/a>",
        "secret": "x",
    }
    assert environment.nested() == {"list": ["h"], "map": {"a": 1, "b": 2}, "secret": "x"}
    assert environment.invalid_keys() == ["secret"]
    assert Environment.from_dict(environment.to_dict(), etag='"e"') == Environment(
        name="router",
        profiles=("dev",),
        label=None,
        version="v",
        property_sources=environment.property_sources,
        etag='"e"',
    )
    with pytest.raises(ValueError):
        Environment.from_dict({"name": "x", "profiles": "dev", "propertySources": []})


def test_file_precedence_and_etags():
    assert file_precedence("router", ["dev", "eu"]) == [
        "router-eu",
        "router-dev",
        "router",
        "application-eu",
        "application-dev",
        "application",
    ]
    assert file_precedence("application", ["dev"]) == ["application-dev", "application"]
    one = content_etag([PropertySource("a", {"k": 1})])
    assert one == content_etag([PropertySource("a", {"k": 1})])
    assert one != content_etag([PropertySource("a", {"k": 2})])
    assert etag_matches(f'W/{one}, "other"', one)
    assert etag_matches("*", one)
    assert not etag_matches('"other"', one)


def test_parse_wait():
    assert parse_wait("500ms", 300) == 0.5
    assert parse_wait("10s", 300) == 10
    assert parse_wait("1m", 300) == 60
    assert parse_wait("2", 300) == 2
    assert parse_wait("1h", 300) == 300
    with pytest.raises(ValueError):
        parse_wait("soon", 300)
