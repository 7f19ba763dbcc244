"""Federation scenarios described by data (the format of ``router/tests/federation/scenarios``).

A scenario folder holds ``subgraphs/<name>.graphql``, ``data/<name>.json``, ``cases.yaml``
(authored ``name``, ``query``, ``variables``, ``operationName``, ``description``, ``xfail``; the
oracle adds ``expected``, ``apollo_fetches``, ``apollo_plan``), ``supergraph.graphql`` (written
by the oracle) and optionally ``scenario.yaml`` (``description``, ``composition_xfail``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .mock import MockSubgraph

__all__ = ["CASE_FIELDS", "Scenario", "dump_cases", "load_scenario", "placeholder_url"]

CASE_FIELDS = (
    "name",
    "description",
    "query",
    "variables",
    "operationName",
    "xfail",
    "expected",
    "apollo_fetches",
    "apollo_plan",
)
"""Keys of a case, in the order ``cases.yaml`` writes them."""

_HEADER = (
    "# Cases of this scenario. Authored: name, description, query, variables, operationName,\n"
    "# xfail. Written by the oracle (.venv/bin/python dev/oracle/record.py SCENARIO), never by\n"
    "# hand: expected (Apollo Gateway's response), apollo_fetches, apollo_plan.\n"
)


def placeholder_url(subgraph_name: str) -> str:
    """The routing URL a scenario's supergraph carries for ``subgraph_name`` (replaced in tests)."""
    return f"http://{subgraph_name}.invalid/graphql"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario folder, loaded.

    Attributes:
        name: the folder name, e.g. ``"simple-entity-call"``.
        path: the folder.
        subgraphs: subgraph SDL by subgraph name (sorted by name).
        data: mock data by subgraph name (``{}`` when the data file is absent).
        cases: the cases, as in ``cases.yaml``.
        supergraph_sdl: Apollo's supergraph (None until recorded).
        composition_xfail: why our composer does not yet match Apollo's (None: it should).
    """

    name: str
    path: Path
    subgraphs: Mapping[str, str]
    data: Mapping[str, Mapping[str, Any]]
    cases: Sequence[dict[str, Any]]
    supergraph_sdl: str | None
    composition_xfail: str | None

    def mocks(self) -> list[MockSubgraph]:
        """Fresh mock subgraphs (with empty request records), one per subgraph."""
        return [
            MockSubgraph(name, sdl, self.data.get(name, {})) for name, sdl in self.subgraphs.items()
        ]


def load_scenario(path: Path) -> Scenario:
    """Load the scenario in folder ``path``.

    Raises:
        FileNotFoundError: no ``subgraphs/*.graphql`` or no ``cases.yaml``.
        ValueError: ``cases.yaml`` is not a list of cases with a name and a query.
    """
    files = sorted((path / "subgraphs").glob("*.graphql"))
    if not files:
        raise FileNotFoundError(f"{path}/subgraphs/*.graphql: no subgraphs")
    subgraphs = {file.stem: file.read_text() for file in files}
    data = {
        name: json.loads((path / "data" / f"{name}.json").read_text())
        for name in subgraphs
        if (path / "data" / f"{name}.json").exists()
    }
    cases = yaml.safe_load((path / "cases.yaml").read_text()) or []
    if not isinstance(cases, list) or not all(
        isinstance(case, dict) and "name" in case and "query" in case for case in cases
    ):
        raise ValueError(f"{path}/cases.yaml: expected a list of cases with name and query")
    supergraph = path / "supergraph.graphql"
    options_file = path / "scenario.yaml"
    options = yaml.safe_load(options_file.read_text()) or {} if options_file.exists() else {}
    return Scenario(
        name=path.name,
        path=path,
        subgraphs=subgraphs,
        data=data,
        cases=cases,
        supergraph_sdl=supergraph.read_text() if supergraph.exists() else None,
        composition_xfail=options.get("composition_xfail"),
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        text = "\n".join(line.rstrip() for line in value.splitlines()) + "\n"
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_cases(cases: Sequence[Mapping[str, Any]]) -> str:
    """``cases.yaml`` text: block style, literal ``|`` for multi-line strings, keys in order.

    Args:
        cases: the cases; keys outside :data:`CASE_FIELDS` come last.

    Returns:
        The YAML text, with a header comment.
    """
    ordered = [
        {
            **{key: case[key] for key in CASE_FIELDS if key in case},
            **{key: value for key, value in case.items() if key not in CASE_FIELDS},
        }
        for case in cases
    ]
    body = yaml.dump(
        ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    return _HEADER + body
