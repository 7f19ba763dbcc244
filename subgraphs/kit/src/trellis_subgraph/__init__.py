"""Trellis subgraph kit: the one library every subgraph is built on.

App factory, settings, database session, DataLoader context, Money, demo catalogue, Alembic
glue and registry glue. Test helpers live in :mod:`trellis_subgraph.testing`.
"""

from __future__ import annotations

from trellis_subgraph.app import Seeder, SubgraphDefinition, create_app
from trellis_subgraph.cli import main, settings_from_args
from trellis_subgraph.context import SubgraphContext, SubgraphInfo, context_getter
from trellis_subgraph.database import Database, ModelBase
from trellis_subgraph.demo_data import (
    DemoCatalogue,
    DemoCustomer,
    DemoInvoice,
    DemoInvoiceItem,
    DemoProduct,
    demo_catalogue,
)
from trellis_subgraph.ids import format_id, parse_id
from trellis_subgraph.loaders import BatchLoad, group_by_keys, order_by_keys
from trellis_subgraph.migrations import run_env, upgrade
from trellis_subgraph.money import DEFAULT_CURRENCY, Money
from trellis_subgraph.registry import (
    CompositionError,
    CompositionRejected,
    InstanceRegistration,
    PublishResult,
    RegistryAgent,
    RegistryClient,
    RegistryError,
    UnknownInstance,
)
from trellis_subgraph.schema import federation_schema
from trellis_subgraph.sdl import subgraph_sdl
from trellis_subgraph.settings import SubgraphSettings

__all__ = [
    "DEFAULT_CURRENCY",
    "BatchLoad",
    "CompositionError",
    "CompositionRejected",
    "Database",
    "DemoCatalogue",
    "DemoCustomer",
    "DemoInvoice",
    "DemoInvoiceItem",
    "DemoProduct",
    "InstanceRegistration",
    "ModelBase",
    "Money",
    "PublishResult",
    "RegistryAgent",
    "RegistryClient",
    "RegistryError",
    "Seeder",
    "SubgraphContext",
    "SubgraphDefinition",
    "SubgraphInfo",
    "SubgraphSettings",
    "UnknownInstance",
    "context_getter",
    "create_app",
    "demo_catalogue",
    "federation_schema",
    "format_id",
    "group_by_keys",
    "main",
    "order_by_keys",
    "parse_id",
    "run_env",
    "settings_from_args",
    "subgraph_sdl",
    "upgrade",
]
