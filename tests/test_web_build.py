"""The web build's schema check: GraphQL Code Generator validates the app's operations against
``schema/api-schema.graphql``, so an operation the API schema rejects fails the build.

Runs the real ``graphql-codegen`` of ``web/node_modules`` (installed by ``make web``) on
operation files written here, through the ``TRELLIS_WEB_CODEGEN_DOCUMENTS`` /
``TRELLIS_WEB_CODEGEN_OUTPUT`` overrides of ``web/codegen.ts``. Skipped when the npm packages
are not installed, unless ``TRELLIS_REQUIRE_BROWSER=1`` (CI, where ``make test`` installs them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

WEB = ROOT / "web"
CODEGEN = WEB / "node_modules" / ".bin" / "graphql-codegen"


@pytest.fixture(autouse=True)
def _codegen_installed() -> None:
    if CODEGEN.exists():
        return
    reason = f"{CODEGEN} not found (make web installs web/'s npm packages)"
    if os.environ.get("TRELLIS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, but TRELLIS_REQUIRE_BROWSER=1 requires the web checks")
    pytest.skip(reason)


def codegen(tmp_path: Path, operations: str) -> subprocess.CompletedProcess[str]:
    """Run the web app's codegen on ``operations`` alone; output goes under ``tmp_path``."""
    document = tmp_path / "operations.graphql"
    document.write_text(operations)
    return subprocess.run(
        [str(CODEGEN), "--config", "codegen.ts"],
        cwd=WEB,
        env={
            **os.environ,
            "TRELLIS_WEB_CODEGEN_DOCUMENTS": str(document),
            "TRELLIS_WEB_CODEGEN_OUTPUT": str(tmp_path / "generated.ts"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_operation_the_api_schema_accepts_is_typed(tmp_path: Path) -> None:
    result = codegen(
        tmp_path,
        "query InvoiceNumbers { invoices(first: 2) { nodes { number customer { name } } } }",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    generated = (tmp_path / "generated.ts").read_text()
    assert "export type InvoiceNumbersQuery" in generated
    assert "InvoiceNumbersDocument" in generated


@pytest.mark.parametrize(
    ("operations", "reason"),
    [
        (
            "query Bad { invoices(first: 2) { nodes { number shippingLabel } } }",
            'Cannot query field "shippingLabel" on type "Invoice"',
        ),
        (
            "mutation Pay { recordPayment(invoiceId: 1, amount: 5) { id } }",
            'argument "method" of type "PaymentMethod!" is required',
        ),
        (
            "query Wrong($id: Int!) { invoice(id: $id) { number } }",
            'Variable "$id" of type "Int!" used in position expecting type "ID!"',
        ),
    ],
    ids=["unknown-field", "missing-argument", "wrong-variable-type"],
)
def test_an_operation_the_api_schema_rejects_fails_the_build(
    tmp_path: Path, operations: str, reason: str
) -> None:
    result = codegen(tmp_path, operations)
    assert result.returncode != 0
    assert reason in result.stdout + result.stderr
    assert not (tmp_path / "generated.ts").exists()
