"""Trellis subgraph kit: the one library every subgraph is built on.

App factory, settings, database session, DataLoader context, Money, connections, domain errors,
peer clients, input validation, demo catalogue,
Alembic glue and registry glue. Test helpers live in :mod:`trellis_subgraph.testing`.
"""

from __future__ import annotations

from trellis_subgraph.access import STAFF_OR_OWNER, scope
from trellis_subgraph.app import (
    AppConfigurer,
    BackgroundTask,
    Seeder,
    StartupCheck,
    SubgraphDefinition,
    create_app,
    create_peers,
)
from trellis_subgraph.cli import main, settings_from_args
from trellis_subgraph.context import (
    OWNER_HEADER,
    SubgraphContext,
    SubgraphInfo,
    SubgraphServices,
    context_getter,
)
from trellis_subgraph.database import Database, ModelBase, sync_id_sequences
from trellis_subgraph.demo_data import (
    DemoCatalogue,
    DemoCustomer,
    DemoInvoice,
    DemoInvoiceItem,
    DemoOrder,
    DemoPayment,
    DemoProduct,
    DemoSizes,
    demo_catalogue,
)
from trellis_subgraph.errors import (
    BadUserInput,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    OutOfStock,
    PeerError,
    StockShortage,
    SubgraphError,
    UpstreamUnavailable,
)
from trellis_subgraph.ids import MAX_ID, format_id, parse_id
from trellis_subgraph.loaders import BatchLoad, group_by_keys, order_by_keys
from trellis_subgraph.migrations import run_env, upgrade
from trellis_subgraph.money import DEFAULT_CURRENCY, Money
from trellis_subgraph.pagination import (
    Connection,
    Edge,
    PageInfo,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_request,
)
from trellis_subgraph.peers import (
    PeerClient,
    PeerDirectory,
    PeerPolicy,
    Peers,
    RegistryPeerDirectory,
    StaticPeerDirectory,
)
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
from trellis_subgraph.times import as_utc, as_utc_or_none, utc_now
from trellis_subgraph.validation import merge_line_items, validate_input

__all__ = [
    "DEFAULT_CURRENCY",
    "MAX_ID",
    "OWNER_HEADER",
    "STAFF_OR_OWNER",
    "AppConfigurer",
    "BackgroundTask",
    "BadUserInput",
    "BatchLoad",
    "CompositionError",
    "CompositionRejected",
    "Conflict",
    "Connection",
    "Database",
    "DemoCatalogue",
    "DemoCustomer",
    "DemoInvoice",
    "DemoInvoiceItem",
    "DemoOrder",
    "DemoPayment",
    "DemoProduct",
    "DemoSizes",
    "Edge",
    "FieldError",
    "Forbidden",
    "InstanceRegistration",
    "ModelBase",
    "Money",
    "NotFound",
    "OutOfStock",
    "PageInfo",
    "PageRequest",
    "PeerClient",
    "PeerDirectory",
    "PeerError",
    "PeerPolicy",
    "Peers",
    "PublishResult",
    "RegistryAgent",
    "RegistryClient",
    "RegistryError",
    "RegistryPeerDirectory",
    "Seeder",
    "StartupCheck",
    "StaticPeerDirectory",
    "StockShortage",
    "SubgraphContext",
    "SubgraphDefinition",
    "SubgraphError",
    "SubgraphInfo",
    "SubgraphServices",
    "SubgraphSettings",
    "UnknownInstance",
    "UpstreamUnavailable",
    "as_utc",
    "as_utc_or_none",
    "context_getter",
    "create_app",
    "create_peers",
    "decode_cursor",
    "demo_catalogue",
    "encode_cursor",
    "federation_schema",
    "format_id",
    "group_by_keys",
    "main",
    "merge_line_items",
    "order_by_keys",
    "page_request",
    "parse_id",
    "run_env",
    "scope",
    "settings_from_args",
    "subgraph_sdl",
    "sync_id_sequences",
    "upgrade",
    "utc_now",
    "validate_input",
]
