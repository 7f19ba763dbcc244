"""The serving layer's public names (curated ``__all__``)."""

from __future__ import annotations

import trellis_router.configuration as configuration
import trellis_router.executor as executor
import trellis_router.http as http


def test_all_is_curated() -> None:
    assert sorted(configuration.__all__) == [
        "LIVE_SETTINGS",
        "LOG_LEVELS",
        "RouterRuntime",
        "RouterSettings",
        "apply_log_level",
        "load_settings",
        "settings_class",
    ]
    assert sorted(http.__all__) == [
        "CorsMiddleware",
        "GRAPHQL_RESPONSE_JSON",
        "GraphQLEndpoint",
        "SettingsFeed",
        "create_app",
    ]
    assert {"BalancingSubgraphClient", "BoundSubgraphClient", "LoadBalancer"} <= set(
        executor.__all__
    )
    for package in (configuration, http, executor):
        for name in package.__all__:
            assert getattr(package, name) is not None
