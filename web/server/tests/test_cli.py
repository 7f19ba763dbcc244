"""``trellis-web serve`` as a real process on a free port, and its refusals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from trellis_web.cli import app, server_url
from typer.testing import CliRunner

BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("TRELLIS_WEB_")}


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """TERM, then KILL after a timeout; returns (stdout, stderr)."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def wait_healthy(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = stop(process)
            pytest.fail(f"trellis-web exited with {process.returncode}: {out}\n{err}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    out, err = stop(process)
    pytest.fail(f"trellis-web not healthy within {START_TIMEOUT_SECONDS} s: {out}\n{err}")


def raw_get(port: int, target: str) -> bytes:
    """A GET whose target is sent as is (no client-side dot-segment removal)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def served(dist: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "trellis-web"),
            "serve",
            "--port",
            str(port),
            "--dist",
            str(dist),
            "--router-url",
            "http://127.0.0.1:4999/graphql",
            "--no-registry-link",
            "--log-level",
            "warning",
        ],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, f"http://127.0.0.1:{port}", port
    finally:
        stop(process)


def test_serve_runs_the_app(served, build) -> None:
    process, base, port = served
    wait_healthy(process, base)

    page = httpx.get(f"{base}/customers/12")
    assert page.status_code == 200
    assert page.text == build.index_html
    assert "connect-src 'self' http://127.0.0.1:4999;" in page.headers["content-security-policy"]
    root = httpx.get(f"{base}/")
    assert root.text == build.index_html
    config = httpx.get(f"{base}/config.json")
    assert config.json() == {"routerUrl": "http://127.0.0.1:4999/graphql", "registryUrl": None}
    asset = httpx.get(f"{base}/assets/app-abc123.js", headers={"accept-encoding": "gzip"})
    assert asset.headers["content-encoding"] == "gzip"
    assert asset.text == build.script

    for target in ("/assets/../../secret", "/assets/..%2f..%2fsecret", "/../secret"):
        response = raw_get(port, target)
        assert build.secret.encode() not in response, target

    out, _ = stop(process)
    assert f"at http://127.0.0.1:{port}/" in out


def test_python_m_serve_exits_2_when_the_build_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "not-built"
    result = subprocess.run(
        [sys.executable, "-m", "trellis_web", "serve", "--dist", str(missing), "--port", "0"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"web build not found at {missing.resolve()}: run `make web` "
        "(npm ci && npm run build in web/)"
    )


def test_serve_refuses_conflicting_or_invalid_options(dist: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(
        app, ["serve", "--dist", str(dist), "--registry-url", "http://x/", "--no-registry-link"]
    )
    assert both.exit_code == 2
    assert "not both" in both.stderr
    bad_port = runner.invoke(app, ["serve", "--dist", str(dist), "--port", "70000"])
    assert bad_port.exit_code == 2
    assert "invalid settings" in bad_port.stderr


def test_server_url() -> None:
    assert server_url("127.0.0.1", 3000) == "http://127.0.0.1:3000/"
    assert server_url("::1", 3001) == "http://[::1]:3001/"
