"""Where configuration files come from: a git repository (read with dulwich) or a folder.

Both answer a :class:`Snapshot` (the top-level ``*.yml`` / ``*.yaml`` files at a label and a
version) and a cheap :meth:`~ConfigRepository.fingerprint` the server polls to notice changes.
Both are synchronous (file I/O); the server calls them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from dulwich import porcelain
from dulwich.errors import NotGitRepository
from dulwich.objects import Blob, Commit, Tree
from dulwich.objectspec import AmbiguousShortId, parse_commit
from dulwich.repo import Repo

from trellis_config.errors import ConfigServerError, LabelNotFoundError
from trellis_config.settings import ConfigServerSettings

__all__ = [
    "INITIAL_COMMIT_MESSAGE",
    "ConfigRepository",
    "DirectoryRepository",
    "GitRepository",
    "Snapshot",
    "ensure_git_repository",
    "open_repository",
]

logger = logging.getLogger(__name__)

INITIAL_COMMIT_MESSAGE = "Initial configuration from config/defaults"
_AUTHOR = b"Trellis config server <config-server@trellis.invalid>"
_SUFFIXES = (".yml", ".yaml")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_SNAPSHOT_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The configuration files at one version.

    Attributes:
        version: the commit sha (git) or a content hash (directory), 40 hex digits.
        origin: URI prefix of the files, e.g. ``file:///srv/config-repo``; a property source
            is named ``{origin}/{file}``.
        files: top-level file name (``router.yml``) → bytes.
    """

    version: str
    origin: str
    files: Mapping[str, bytes]


class ConfigRepository(Protocol):
    """A source of configuration files."""

    kind: Literal["git", "directory"]

    def fingerprint(self) -> str:
        """A cheap token that changes when the content may have changed (refs, file stats)."""
        ...

    def snapshot(self, label: str | None) -> Snapshot:
        """The files at ``label`` (None: the default label).

        Raises:
            LabelNotFoundError: the label names nothing.
        """
        ...


def _is_config_file(name: str) -> bool:
    return name.endswith(_SUFFIXES) and not name.startswith(".")


class GitRepository:
    """Files read from the git object store at a branch, tag or commit (never the work tree).

    Args:
        path: the repository (work tree with ``.git``, or bare).
        default_label: the label served when a request names none.

    Raises:
        ConfigServerError: ``path`` is not a git repository.

    Spec: Spring Cloud Config Server, Git backend (labels; ``(_)`` stands for ``/``).
    """

    kind: Literal["git", "directory"] = "git"

    def __init__(self, path: Path, default_label: str = "main") -> None:
        self.path = path.resolve()
        self.default_label = default_label
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, Snapshot] = OrderedDict()
        try:
            Repo(str(self.path)).close()
        except NotGitRepository:
            raise ConfigServerError(f"{self.path} is not a git repository") from None

    def fingerprint(self) -> str:
        """Hash of every ref and its target.

        Returns:
            40 hex digits; changes when a branch or tag moves, appears or disappears.
        """
        with Repo(str(self.path)) as repo:
            refs = repo.get_refs()
        digest = hashlib.sha1(usedforsecurity=False)
        for name, target in sorted(refs.items()):
            digest.update(name + b"\0" + target + b"\n")
        return digest.hexdigest()

    def snapshot(self, label: str | None) -> Snapshot:
        """The top-level YAML files at the label's commit.

        Args:
            label: a branch, tag, full or abbreviated commit sha (``(_)`` for ``/``), or None
                for the default label.

        Returns:
            The snapshot; version is the commit sha.

        Raises:
            LabelNotFoundError: no branch, tag or commit by that name.
        """
        wanted = (label or self.default_label).replace("(_)", "/")
        if not _LABEL.match(wanted) or ".." in wanted:
            raise LabelNotFoundError(f"no such label: {label}")
        with Repo(str(self.path)) as repo:
            try:
                commit = parse_commit(repo, wanted)
            except (KeyError, ValueError, AmbiguousShortId):
                raise LabelNotFoundError(f"no such label: {label or wanted}") from None
            with self._lock:
                cached = self._cache.get(commit.id)
                if cached is not None:
                    self._cache.move_to_end(commit.id)
                    return cached
            snapshot = self._read(repo, commit)
        with self._lock:
            self._cache[commit.id] = snapshot
            while len(self._cache) > _SNAPSHOT_CACHE_SIZE:
                self._cache.popitem(last=False)
        return snapshot

    def _read(self, repo: Repo, commit: Commit) -> Snapshot:
        tree = repo.object_store[commit.tree]
        if not isinstance(tree, Tree):
            raise ConfigServerError(f"commit {commit.id.decode()} has no tree")
        files: dict[str, bytes] = {}
        for entry in tree.items():
            name = entry.path.decode("utf-8", errors="replace")
            if not _is_config_file(name):
                continue
            blob = repo.object_store[entry.sha]
            if isinstance(blob, Blob):
                files[name] = blob.as_raw_string()
        return Snapshot(version=commit.id.decode("ascii"), origin=self.path.as_uri(), files=files)


class DirectoryRepository:
    """Files read from a folder as they are; there are no labels.

    A request naming a label other than ``default_label`` is answered 404: a folder has one
    version only, and serving it under any label would hide a client's mistake.

    Args:
        path: the folder of YAML files.
        default_label: the one label accepted (besides none).

    Spec: Spring Cloud Config Server, native (file system) backend, without labels.
    """

    kind: Literal["git", "directory"] = "directory"

    def __init__(self, path: Path, default_label: str = "main") -> None:
        self.path = path.resolve()
        self.default_label = default_label
        self._lock = threading.Lock()
        self._cached: tuple[str, Snapshot] | None = None

    def fingerprint(self) -> str:
        """Hash of the names, modification times (ns) and sizes of the YAML files.

        Returns:
            40 hex digits (``missing`` digested when the folder does not exist).
        """
        digest = hashlib.sha1(usedforsecurity=False)
        for path in self._files():
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            digest.update(f"{path.name}\0{info.st_mtime_ns}\0{info.st_size}\n".encode())
        return digest.hexdigest()

    def snapshot(self, label: str | None) -> Snapshot:
        """The folder's YAML files.

        Args:
            label: None or the default label.

        Returns:
            The snapshot; version is a SHA-1 of the file names and contents.

        Raises:
            LabelNotFoundError: any other label.
        """
        if label is not None and label != self.default_label:
            raise LabelNotFoundError(
                f"no such label: {label} (the directory source serves only {self.default_label!r})"
            )
        fingerprint = self.fingerprint()
        with self._lock:
            if self._cached is not None and self._cached[0] == fingerprint:
                return self._cached[1]
        files: dict[str, bytes] = {}
        digest = hashlib.sha1(usedforsecurity=False)
        for path in self._files():
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            files[path.name] = data
            digest.update(path.name.encode() + b"\0" + hashlib.sha1(data).digest())
        snapshot = Snapshot(version=digest.hexdigest(), origin=self.path.as_uri(), files=files)
        with self._lock:
            self._cached = (fingerprint, snapshot)
        return snapshot

    def _files(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if _is_config_file(p.name) and p.is_file())


def ensure_git_repository(path: Path, defaults_path: Path, branch: str = "main") -> bool:
    """Create the configuration repository from the defaults when it does not exist.

    Runs ``git init`` (branch ``branch``), copies ``defaults_path/*.yml`` and ``*.yaml`` into
    the work tree and commits them ("Initial configuration from config/defaults").

    Args:
        path: the repository; created when missing or empty.
        defaults_path: the folder of default files.
        branch: the initial branch.

    Returns:
        True when the repository was created, False when it existed.

    Raises:
        ConfigServerError: ``path`` holds files but is not a git repository, or the defaults
            folder is missing or holds no YAML file.
    """
    # dulwich's porcelain.add resolves relative paths against the repository root, so a
    # relative ``path`` (``var/config-repo``, as ``make up`` passes it) must be made absolute.
    path = path.absolute()
    if path.exists():
        try:
            Repo(str(path)).close()
            return False
        except NotGitRepository:
            if any(path.iterdir()):
                raise ConfigServerError(
                    f"{path} is neither a git repository nor empty; refusing to initialise it"
                ) from None
    defaults = (
        sorted(p for p in defaults_path.iterdir() if _is_config_file(p.name) and p.is_file())
        if defaults_path.is_dir()
        else []
    )
    if not defaults:
        raise ConfigServerError(
            f"cannot create {path}: no *.yml files in the defaults folder {defaults_path} "
            "(set TRELLIS_CONFIG_SERVER_DEFAULTS_PATH)"
        )
    path.mkdir(parents=True, exist_ok=True)
    with Repo.init(str(path), default_branch=branch.encode()) as repo:
        for default in defaults:
            shutil.copyfile(default, path / default.name)
        porcelain.add(repo, [str(path / default.name) for default in defaults])
        porcelain.commit(
            repo, message=INITIAL_COMMIT_MESSAGE.encode(), author=_AUTHOR, committer=_AUTHOR
        )
    logger.info("created configuration repository %s from %s", path, defaults_path)
    return True


def open_repository(settings: ConfigServerSettings) -> ConfigRepository:
    """Open the repository the settings name, creating a git repository on first start.

    Args:
        settings: the server settings (``source``, ``repository``, ``default_label``,
            ``defaults_path``).

    Returns:
        A :class:`GitRepository` or a :class:`DirectoryRepository`.

    Raises:
        ConfigServerError: see :func:`ensure_git_repository`; or a directory source that
            does not exist.
    """
    if settings.source == "directory":
        if not settings.repository.is_dir():
            raise ConfigServerError(f"configuration folder {settings.repository} does not exist")
        return DirectoryRepository(settings.repository, settings.default_label)
    ensure_git_repository(settings.repository, settings.defaults_path, settings.default_label)
    return GitRepository(settings.repository, settings.default_label)
