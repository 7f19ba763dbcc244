"""``dev/check_schema_changes.py``: breaking changes since the previous commit fail CI unless
accepted (a real git repository with a copy of ``schema/``; the real ``trellis-registry``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "dev").mkdir(parents=True)
    shutil.copytree(ROOT / "schema", repo / "schema")
    shutil.copy(ROOT / "dev" / "check_schema_changes.py", repo / "dev")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    return repo


def _check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "dev" / "check_schema_changes.py"), "--no-drift"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


# Customer.email with its description, as schema/subgraphs/customers.graphql prints it.
CUSTOMER_EMAIL = '  """Email address, lower-cased; unique."""\n  email: String!\n'


def _remove_customer_email(repo: Path) -> None:
    sdl = repo / "schema" / "subgraphs" / "customers.graphql"
    text = sdl.read_text()
    assert CUSTOMER_EMAIL in text
    sdl.write_text(text.replace(CUSTOMER_EMAIL, "", 1))


def test_unchanged_schema_passes(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "README").write_text("x")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "no schema change")
    result = _check(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no subgraph SDL changed" in result.stdout


def test_a_removed_field_fails_unless_accepted(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _remove_customer_email(repo)
    _git(repo, "commit", "-qam", "drop Customer.email")
    failed = _check(repo)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Customer.email" in failed.stdout
    assert "not accepted" in failed.stdout

    (repo / "schema" / "accepted-breaking-changes").write_text("Customer.email  # announced\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "accept it", "--amend")
    accepted_by_file = _check(repo)
    assert accepted_by_file.returncode == 0, accepted_by_file.stdout
    assert "(accepted)" in accepted_by_file.stdout


def test_a_commit_trailer_accepts_breaking_changes(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _remove_customer_email(repo)
    _git(repo, "commit", "-qam", "drop Customer.email\n\nSchema-Breaking-Change: accepted")
    result = _check(repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_added_field_is_safe(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    sdl = repo / "schema" / "subgraphs" / "customers.graphql"
    sdl.write_text(
        sdl.read_text().replace(CUSTOMER_EMAIL, CUSTOMER_EMAIL + "  nickname: String\n", 1)
    )
    _git(repo, "commit", "-qam", "add Customer.nickname")
    result = _check(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Customer.nickname" in result.stdout
