"""Federation scenario cases executed in process, for comparing two ways of executing them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import OperationDefinitionNode, parse, validate
from trellis_router.executor import execute_operation
from trellis_router.executor.operation import PreparedOperation, prepare_operation
from trellis_router.planner import plan_operation
from trellis_router.supergraph import Supergraph, load_supergraph
from trellis_router.testing import MockSubgraph
from trellis_router.testing.scenario import Scenario

from ..federation.conftest import all_scenarios


class InProcessSubgraphs:
    """A subgraph client answering from :class:`MockSubgraph` s in process."""

    def __init__(self, mocks: list[MockSubgraph]) -> None:
        self.mocks = {mock.name: mock for mock in mocks}

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        request = orjson.loads(body)
        answer = self.mocks[subgraph_name].execute(
            request["query"], request.get("variables"), request.get("operationName")
        )
        # a copy, as the real client decodes a fresh answer for every request
        decoded: dict[str, Any] = orjson.loads(orjson.dumps(answer))
        return decoded


def prepare_case(supergraph: Supergraph, query: str, name: str | None) -> PreparedOperation | None:
    """The prepared operation of a valid query (None when it does not validate)."""
    document = parse(query)
    if validate(supergraph.api_schema, document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (o for o in operations if name is None or (o.name and o.name.value == name)), None
    )
    if operation is None:
        return None
    plan = plan_operation(supergraph, document, name)
    return prepare_operation(supergraph, document, operation, plan)


@dataclass
class CaseRun:
    """One valid scenario case, ready to execute."""

    name: str
    scenario: Scenario
    case: dict[str, Any]
    supergraph: Supergraph
    prepared: PreparedOperation

    async def execute(self, prepared: PreparedOperation) -> tuple[dict[str, Any], int]:
        """Execute ``prepared`` against fresh mock subgraphs: the response and the number of
        subgraph requests made."""
        mocks = self.scenario.mocks()
        response = await execute_operation(
            prepared,
            client=InProcessSubgraphs(mocks),
            routing_url=lambda name: f"http://{name}.invalid/",
            variables=self.case.get("variables") or {},
        )
        return response, sum(len(mock.requests) for mock in mocks)


def case_runs() -> Iterator[CaseRun]:
    """Every recorded scenario case whose query validates."""
    for scenario in all_scenarios():
        if scenario.supergraph_sdl is None:
            continue
        supergraph = load_supergraph(scenario.supergraph_sdl)
        for case in scenario.cases:
            prepared = prepare_case(supergraph, case["query"], case.get("operationName"))
            if prepared is not None:
                name = f"{scenario.name}/{case['name']}"
                yield CaseRun(name, scenario, case, supergraph, prepared)
