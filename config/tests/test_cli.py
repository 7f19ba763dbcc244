"""``trellis-config`` encrypt, decrypt, keygen, and serve's refusals."""

from __future__ import annotations

import stat

from trellis_config.cipher import Cipher, generate_key, read_key_file
from trellis_config.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def test_encrypt_decrypt_with_the_env_key(monkeypatch):
    key = generate_key()
    monkeypatch.setenv("TRELLIS_CONFIG_SERVER_ENCRYPT_KEY", key)
    encrypted = runner.invoke(app, ["encrypt", "s3cret"])
    assert encrypted.exit_code == 0, encrypted.output
    token = encrypted.stdout.strip()
    assert token.startswith("{cipher}")
    assert Cipher([key]).decrypt(token) == "s3cret"
    decrypted = runner.invoke(app, ["decrypt", token])
    assert decrypted.exit_code == 0
    assert decrypted.stdout.strip() == "s3cret"
    assert runner.invoke(app, ["decrypt", token.removeprefix("{cipher}")]).stdout.strip() == (
        "s3cret"
    )

    monkeypatch.setenv("TRELLIS_CONFIG_SERVER_ENCRYPT_KEY", generate_key())
    wrong = runner.invoke(app, ["decrypt", token])
    assert wrong.exit_code == 1
    assert "s3cret" not in wrong.output


def test_keygen_and_key_file(tmp_path, monkeypatch):
    monkeypatch.delenv("TRELLIS_CONFIG_SERVER_ENCRYPT_KEY", raising=False)
    printed = runner.invoke(app, ["keygen"])
    assert printed.exit_code == 0
    Cipher([printed.stdout.strip()])  # a valid Fernet key

    key_file = tmp_path / "config.key"
    assert runner.invoke(app, ["keygen", "--key-file", str(key_file)]).exit_code == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = read_key_file(key_file)
    assert runner.invoke(app, ["keygen", "--key-file", str(key_file)]).exit_code == 1
    assert runner.invoke(app, ["keygen", "--key-file", str(key_file), "--rotate"]).exit_code == 0
    assert read_key_file(key_file)[1:] == first

    encrypted = runner.invoke(app, ["encrypt", "v", "--key-file", str(key_file)])
    assert encrypted.exit_code == 0
    decrypted = runner.invoke(
        app, ["decrypt", encrypted.stdout.strip(), "--key-file", str(key_file)]
    )
    assert decrypted.stdout.strip() == "v"


def test_no_key_and_open_key_file_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("TRELLIS_CONFIG_SERVER_ENCRYPT_KEY", raising=False)
    monkeypatch.delenv("TRELLIS_CONFIG_SERVER_ENCRYPT_KEY_FILE", raising=False)
    no_key = runner.invoke(app, ["encrypt", "x"])
    assert no_key.exit_code == 1
    assert "no key" in no_key.stderr

    key_file = tmp_path / "open.key"
    key_file.write_text(generate_key())
    key_file.chmod(0o644)
    refused = runner.invoke(app, ["encrypt", "x", "--key-file", str(key_file)])
    assert refused.exit_code == 1
    assert "0644" in refused.stderr
    serve = runner.invoke(
        app,
        ["serve", "--repository", str(tmp_path / "repo"), "--port", "0"],
        env={
            "TRELLIS_CONFIG_SERVER_ENCRYPT_KEY_FILE": str(key_file),
            "TRELLIS_CONFIG_SERVER_DEFAULTS_PATH": str(tmp_path / "none"),
        },
    )
    assert serve.exit_code == 1
    assert "cannot start" in serve.stderr
    assert "0644" in serve.stderr
    assert not (tmp_path / "repo").exists()
