"""``trellis-registry serve`` as a real process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from trellis_registry.testing import free_port

SCRIPT = Path(sys.executable).parent / "trellis-registry"


def test_serve_answers_health(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "nested" / "registry.db"
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            f"sqlite+aiosqlite:///{database}",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        response = None
        deadline = time.monotonic() + 30
        while response is None and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[0].decode()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the registry never answered /health"
        assert response.status_code == 200
        assert response.json() == {"status": "UP"}
        assert database.exists()
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=10)[0].decode()
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0].decode()
    # uvicorn re-raises SIGTERM after a graceful shutdown, so the exit status is -15.
    assert "Application shutdown complete." in output


def test_default_database_is_created_under_var(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        answered = False
        while not answered and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[0].decode()
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).is_success
            except httpx.TransportError:
                time.sleep(0.1)
        assert answered
        assert (tmp_path / "var" / "registry.db").exists()
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_serve_answers_while_etcd_is_unreachable(tmp_path: Path) -> None:
    port, etcd_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "serve",
            "--port",
            str(port),
            "--etcd-endpoint",
            f"http://127.0.0.1:{etcd_port}",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        response = None
        deadline = time.monotonic() + 30
        while response is None and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[0].decode()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the registry never answered /health"
        assert (response.status_code, response.json()) == (503, {"status": "STARTING"})
        services = httpx.get(f"http://127.0.0.1:{port}/v1/services", timeout=5)
        assert services.status_code == 503
        assert process.poll() is None
        assert not (tmp_path / "var").exists(), "etcd replaces the SQLite store"
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=10)[0].decode()
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0].decode()
    assert "the registry store is unreachable" in output
    assert "Application shutdown complete." in output
