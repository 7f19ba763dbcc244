"""``SubgraphContext.owner``: the customer a request acts for, from the router's header."""

from __future__ import annotations

from typing import Any, cast

import pytest
from starlette.requests import Request
from trellis_subgraph import OWNER_HEADER, Forbidden, SubgraphContext


def _context(headers: dict[str, str] | None) -> SubgraphContext:
    context = SubgraphContext(cast(Any, None), cast(Any, None))
    if headers is not None:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
        context.request = Request(scope)
    return context


def test_no_header_means_no_restriction() -> None:
    assert _context({}).owner() is None
    assert _context(None).owner() is None


def test_the_header_names_the_customer() -> None:
    assert _context({OWNER_HEADER: "12"}).owner() == 12


@pytest.mark.parametrize("value", ["", "x", "0", "-3", "1.5", "99999999999"])
def test_a_malformed_header_is_refused(value: str) -> None:
    with pytest.raises(Forbidden) as raised:
        _context({OWNER_HEADER: value}).owner()
    assert raised.value.extensions["code"] == "FORBIDDEN"
