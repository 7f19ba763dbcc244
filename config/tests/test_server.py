"""The config server over HTTP: precedence, labels, sources, ciphers, long polls, refresh."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from dulwich.objects import Commit
from dulwich.refs import Ref
from dulwich.repo import Repo
from trellis_config.cipher import Cipher, generate_key
from trellis_config.errors import ConfigServerError, KeyFileError
from trellis_config.repository import INITIAL_COMMIT_MESSAGE
from trellis_config.server import create_app
from trellis_config.settings import ConfigServerSettings

DEFAULTS = Path(__file__).resolve().parents[1] / "defaults"


def sources(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(Path(s["name"]).name, s["source"]) for s in body["propertySources"]]


def test_precedence_with_four_files_and_two_profiles(git_repo, start_server):
    version = git_repo.commit(
        {
            "application.yml": "who: application\nshared: {a: 1}\n",
            "application-dev.yml": "who: application-dev\n",
            "application-eu.yml": "who: application-eu\n",
            "router.yml": "who: router\nshared:\n  b: [x, y]\n",
            "router-dev.yml": "who: router-dev\n",
            "router-eu.yml": "who: router-eu\n",
            "customers.yml": "who: customers\n",
        }
    )
    server = start_server()
    response = httpx.get(f"{server.base_url}/router/dev,eu")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "router"
    assert body["profiles"] == ["dev", "eu"]
    assert body["label"] is None
    assert body["version"] == version
    assert body["state"] is None
    assert sources(body) == [
        ("router-eu.yml", {"who": "router-eu"}),
        ("router-dev.yml", {"who": "router-dev"}),
        ("router.yml", {"who": "router", "shared.b[0]": "x", "shared.b[1]": "y"}),
        ("application-eu.yml", {"who": "application-eu"}),
        ("application-dev.yml", {"who": "application-dev"}),
        ("application.yml", {"who": "application", "shared.a": 1}),
    ]
    assert body["propertySources"][0]["name"].startswith("file://")
    assert response.headers["etag"].startswith('"')

    # One profile, no profile file: only what exists, same order rule.
    single = httpx.get(f"{server.base_url}/customers/default").json()
    assert sources(single) == [
        ("customers.yml", {"who": "customers"}),
        ("application.yml", {"who": "application", "shared.a": 1}),
    ]


def test_labels_branch_tag_commit_and_unknown(git_repo, start_server):
    first = git_repo.commit({"router.yml": "n: 1\n"}, "one")
    git_repo.tag("v1")
    git_repo.branch("release/1")
    git_repo.commit({"router.yml": "n: 2\n"}, "two")
    git_repo.tag("v2", annotated=True)
    third = git_repo.commit({"router.yml": "n: 3\n"}, "three")
    server = start_server()

    def n(label: str | None) -> tuple[int, str]:
        url = f"{server.base_url}/router/default" + (f"/{label}" if label else "")
        body = httpx.get(url).json()
        return body["propertySources"][0]["source"]["n"], body["version"]

    assert n(None) == (3, third)
    assert n("main") == (3, third)
    assert n("v1") == (1, first)
    assert n("v2")[0] == 2
    assert n("release(_)1") == (1, first)
    assert n(first) == (1, first)
    assert n(first[:10]) == (1, first)
    body = httpx.get(f"{server.base_url}/router/default/v1").json()
    assert body["label"] == "v1"

    for unknown in ("nope", "0" * 40, "..(_)..(_)etc"):
        response = httpx.get(f"{server.base_url}/router/default/{unknown}")
        assert response.status_code == 404
        assert "no such label" in response.json()["message"]


def test_files_are_read_from_the_commit_not_the_work_tree(git_repo, start_server):
    git_repo.commit({"router.yml": "n: 1\n"})
    (git_repo.path / "router.yml").write_text("n: 99\n")
    server = start_server()
    body = httpx.get(f"{server.base_url}/router/default").json()
    assert body["propertySources"][0]["source"] == {"n": 1}


def test_first_start_creates_the_repository_from_defaults(tmp_path, start_server):
    repository = tmp_path / "new-repo"
    server = start_server(repository=repository, defaults_path=DEFAULTS)
    with Repo(str(repository)) as repo:
        head = repo[repo.refs[Ref(b"refs/heads/main")]]
        assert isinstance(head, Commit)
        assert head.message.decode().strip() == INITIAL_COMMIT_MESSAGE
        assert repo.refs.read_ref(Ref(b"HEAD")) == b"ref: refs/heads/main"
    assert {p.name for p in DEFAULTS.glob("*.yml")} <= {p.name for p in repository.iterdir()}
    body = httpx.get(f"{server.base_url}/router/dev").json()
    names = [Path(s["name"]).name for s in body["propertySources"]]
    assert names == ["router.yml", "application-dev.yml", "application.yml"]
    assert body["propertySources"][0]["source"]["subgraph_timeout_seconds"] == 30


def test_a_non_empty_folder_that_is_no_repository_is_refused(tmp_path):
    folder = tmp_path / "stuff"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    with pytest.raises(ConfigServerError, match="neither a git repository nor empty"):
        create_app(ConfigServerSettings(repository=folder, defaults_path=DEFAULTS))


def test_directory_source(tmp_path, start_server, wait_until):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "application.yml").write_text("a: 1\n")
    (folder / "router.yaml").write_text("b: 2\n")
    (folder / "notes.txt").write_text("ignored")
    server = start_server(repository=folder, source="directory")
    response = httpx.get(f"{server.base_url}/router/default")
    body = response.json()
    assert sources(body) == [("router.yaml", {"b": 2}), ("application.yml", {"a": 1})]
    assert len(body["version"]) == 40
    assert httpx.get(f"{server.base_url}/router/default/main").status_code == 200
    other = httpx.get(f"{server.base_url}/router/default/v1")
    assert other.status_code == 404
    assert "directory source" in other.json()["message"]

    (folder / "router.yaml").write_text("b: 3\n")
    wait_until(
        lambda: httpx.get(f"{server.base_url}/router/default").json()["version"] != body["version"]
    )
    assert httpx.get(f"{server.base_url}/router/default").json()["propertySources"][0] == {
        "name": (folder / "router.yaml").resolve().as_uri(),
        "source": {"b": 3},
    }


def test_invalid_yaml_is_a_500_naming_the_file(git_repo, start_server):
    git_repo.commit({"router.yml": "a: [1, 2\n", "customers.yml": "a: 1\n"})
    server = start_server()
    response = httpx.get(f"{server.base_url}/router/default")
    assert response.status_code == 500
    assert "router.yml" in response.json()["message"]
    assert httpx.get(f"{server.base_url}/customers/default").status_code == 200


def test_cipher_values_are_decrypted_and_encrypt_decrypt_endpoints(git_repo, start_server):
    key = generate_key()
    token = Cipher([key]).encrypt("s3cret")
    git_repo.commit({"router.yml": f"db:\n  password: '{{cipher}}{token}'\nplain: x\n"})
    server = start_server(encrypt_key=key)
    body = httpx.get(f"{server.base_url}/router/default").json()
    assert body["propertySources"][0]["source"] == {"db.password": "s3cret", "plain": "x"}

    encrypted = httpx.post(f"{server.base_url}/encrypt", content="hello")
    assert encrypted.status_code == 200
    assert Cipher([key]).decrypt(encrypted.text) == "hello"
    decrypted = httpx.post(f"{server.base_url}/decrypt", content="{cipher}" + encrypted.text)
    assert decrypted.text == "hello"
    assert httpx.post(f"{server.base_url}/decrypt", content="garbage").status_code == 400


def test_wrong_key_serves_invalid_key_never_the_value(git_repo, start_server):
    token = Cipher([generate_key()]).encrypt("s3cret")
    git_repo.commit({"router.yml": f"password: '{{cipher}}{token}'\nuser: bob\n"})
    for settings in ({"encrypt_key": generate_key()}, {}):
        server = start_server(**settings)
        response = httpx.get(f"{server.base_url}/router/default")
        assert response.status_code == 200
        assert response.json()["propertySources"][0]["source"] == {
            "invalid.password": "<n/a>",
            "user": "bob",
        }
        assert "s3cret" not in response.text
        assert token not in response.text


def test_no_key_encrypt_is_404(git_repo, start_server):
    git_repo.commit({"application.yml": "a: 1\n"})
    server = start_server()
    assert httpx.post(f"{server.base_url}/encrypt", content="x").status_code == 404
    assert httpx.post(f"{server.base_url}/decrypt", content="x").status_code == 404


def test_key_rotation_old_tokens_still_decrypt(git_repo, start_server):
    old, new = generate_key(), generate_key()
    old_token = Cipher([old]).encrypt("from-old")
    git_repo.commit({"router.yml": f"secret: '{{cipher}}{old_token}'\n"})
    server = start_server(encrypt_key=f"{new},{old}")
    body = httpx.get(f"{server.base_url}/router/default").json()
    assert body["propertySources"][0]["source"] == {"secret": "from-old"}
    fresh = httpx.post(f"{server.base_url}/encrypt", content="x").text
    assert Cipher([new]).decrypt(fresh) == "x"


def test_key_file_must_be_private(git_repo, tmp_path, start_server):
    git_repo.commit({"application.yml": "a: 1\n"})
    key_file = tmp_path / "config.key"
    key_file.write_text(generate_key() + "\n")
    key_file.chmod(0o644)
    with pytest.raises(KeyFileError, match="0644"):
        create_app(ConfigServerSettings(repository=git_repo.path, encrypt_key_file=key_file))
    key_file.chmod(0o600)
    server = start_server(encrypt_key_file=key_file)
    assert httpx.post(f"{server.base_url}/encrypt", content="x").status_code == 200


def test_long_poll_wakes_on_a_commit_and_304s_on_timeout(git_repo, start_server):
    git_repo.commit({"router.yml": "n: 1\n", "customers.yml": "c: 1\n"})
    server = start_server(scan_interval_seconds=0.1)
    url = f"{server.base_url}/router/default"
    first = httpx.get(url)
    etag = first.headers["etag"]

    timed_out = httpx.get(url, params={"wait": "300ms"}, headers={"If-None-Match": etag})
    assert timed_out.status_code == 304
    assert timed_out.headers["etag"] == etag
    at_once = httpx.get(url, headers={"If-None-Match": etag})
    assert at_once.status_code == 304

    results: list[httpx.Response] = []
    poll = threading.Thread(
        target=lambda: results.append(
            httpx.get(url, params={"wait": "20s"}, headers={"If-None-Match": etag}, timeout=30)
        )
    )
    poll.start()
    # A commit to another application's file does not end the wait.
    git_repo.commit({"customers.yml": "c: 2\n"})
    time.sleep(0.5)  # several scans
    assert not results
    version = git_repo.commit({"router.yml": "n: 2\n"})
    poll.join(timeout=25)
    assert results, "the long poll did not answer"
    assert results[0].status_code == 200
    assert results[0].json()["version"] == version
    assert results[0].json()["propertySources"][0]["source"] == {"n": 2}
    assert results[0].headers["etag"] != etag


def test_bad_wait_is_400(git_repo, start_server):
    git_repo.commit({"router.yml": "n: 1\n"})
    server = start_server()
    response = httpx.get(
        f"{server.base_url}/router/default", params={"wait": "soon"}, headers={"If-None-Match": "x"}
    )
    assert response.status_code == 400


def test_refresh_returns_changed_keys(git_repo, start_server):
    git_repo.commit({"router.yml": "a: 1\nb: 2\n", "application.yml": "x: 1\n"})
    server = start_server()
    unchanged = httpx.post(f"{server.base_url}/refresh").json()
    assert unchanged["changed"] == []
    version = git_repo.commit(
        {"router.yml": "a: 1\nb: 3\nc: {d: 4}\n", "orders.yml": "o: 1\n"},
        remove=("application.yml",),
    )
    result = httpx.post(f"{server.base_url}/refresh").json()
    assert result == {
        "version": version,
        "changed": ["application.yml:x", "orders.yml:o", "router.yml:b", "router.yml:c.d"],
    }
    assert httpx.post(f"{server.base_url}/refresh").json()["changed"] == []


def test_health_and_index(git_repo, start_server):
    git_repo.commit({"router.yml": "a: 1\n"})
    server = start_server()
    assert httpx.get(f"{server.base_url}/health").json() == {"status": "UP"}
    assert "router.yml" in httpx.get(f"{server.base_url}/").text
