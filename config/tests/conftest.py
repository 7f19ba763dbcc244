"""Shared fixtures: real git repositories made with dulwich, real servers on free ports."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from dulwich import porcelain
from dulwich.repo import Repo
from trellis_config.settings import ConfigServerSettings
from trellis_config.testing import ConfigServerThread

AUTHOR = b"Test <test@trellis.invalid>"


class GitRepo:
    """A work tree + repository for tests: write files and commit them on the current branch."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        Repo.init(str(path), default_branch=branch.encode()).close()

    def commit(
        self,
        files: Mapping[str, str],
        message: str = "change",
        *,
        remove: tuple[str, ...] = (),
    ) -> str:
        for name, text in files.items():
            (self.path / name).write_text(text, encoding="utf-8")
        with Repo(str(self.path)) as repo:
            if files:
                porcelain.add(repo, [str(self.path / name) for name in files])
            if remove:
                porcelain.remove(repo, [str(self.path / name) for name in remove])
            sha = porcelain.commit(repo, message=message.encode(), author=AUTHOR, committer=AUTHOR)
        return sha.decode()

    def tag(self, name: str, *, annotated: bool = False) -> None:
        with Repo(str(self.path)) as repo:
            porcelain.tag_create(
                repo, name, author=AUTHOR, message=b"tag " + name.encode(), annotated=annotated
            )

    def branch(self, name: str) -> None:
        with Repo(str(self.path)) as repo:
            porcelain.branch_create(repo, name)


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "config-repo")


ServerFactory = Callable[..., ConfigServerThread]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start config servers (stopped at teardown); keyword arguments are settings."""
    servers: list[ConfigServerThread] = []

    def start(**values: Any) -> ConfigServerThread:
        values.setdefault("repository", tmp_path / "config-repo")
        values.setdefault("scan_interval_seconds", 0.05)
        values.setdefault("defaults_path", tmp_path / "no-defaults")
        sock = values.pop("sock", None)
        server = ConfigServerThread(ConfigServerSettings(**values), sock=sock)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def _wait_until(condition: Callable[[], bool], timeout_seconds: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.02)


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """``wait_until(condition, timeout_seconds=10)``: poll until true, fail after the deadline."""
    return _wait_until
