"""Fernet keys: rotation, key files, decrypting property sources."""

from __future__ import annotations

import stat

import pytest
from trellis_config.cipher import (
    Cipher,
    decrypt_properties,
    generate_key,
    read_key_file,
    write_key_file,
)
from trellis_config.errors import InvalidCipherError, KeyFileError
from trellis_config.settings import ConfigServerSettings


def test_rotation_with_multifernet():
    old, new = generate_key(), generate_key()
    old_token = Cipher([old]).encrypt("v")
    rotated = Cipher([new, old])
    assert rotated.decrypt(old_token) == "v"
    assert rotated.decrypt("{cipher}" + old_token) == "v"
    new_token = rotated.rotate(old_token)
    assert Cipher([new]).decrypt(new_token) == "v"
    with pytest.raises(InvalidCipherError):
        Cipher([new]).decrypt(old_token)
    with pytest.raises(ValueError, match="invalid Fernet key"):
        Cipher(["not-a-key"])


def test_key_files(tmp_path):
    path = tmp_path / "keys" / "config.key"
    first = generate_key()
    write_key_file(path, first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path) == [first]
    with pytest.raises(KeyFileError, match="--rotate"):
        write_key_file(path, generate_key())
    second = generate_key()
    write_key_file(path, second, rotate=True)
    assert read_key_file(path) == [second, first]

    path.chmod(0o640)
    with pytest.raises(KeyFileError, match="0640"):
        read_key_file(path)
    with pytest.raises(KeyFileError, match="cannot read"):
        read_key_file(tmp_path / "missing.key")


def test_cipher_from_settings_env_keys_then_file_keys(tmp_path):
    env_key, file_key = generate_key(), generate_key()
    path = tmp_path / "config.key"
    write_key_file(path, file_key)
    cipher = Cipher.from_settings(ConfigServerSettings(encrypt_key=env_key, encrypt_key_file=path))
    assert cipher is not None
    assert Cipher([env_key]).decrypt(cipher.encrypt("x")) == "x"
    assert cipher.decrypt(Cipher([file_key]).encrypt("y")) == "y"
    assert Cipher.from_settings(ConfigServerSettings()) is None
    with pytest.raises(KeyFileError):
        Cipher.from_settings(ConfigServerSettings(encrypt_key="nope"))


def test_decrypt_properties_marks_invalid_keys():
    key = generate_key()
    good = "{cipher}" + Cipher([key]).encrypt("ok")
    bad = "{cipher}" + Cipher([generate_key()]).encrypt("leak")
    properties = {"a": good, "b": bad, "c": "{cipher}corrupt", "d": 1}
    assert decrypt_properties("src", properties, Cipher([key])) == {
        "a": "ok",
        "invalid.b": "<n/a>",
        "invalid.c": "<n/a>",
        "d": 1,
    }
    assert decrypt_properties("src", {"a": good}, None) == {"invalid.a": "<n/a>"}
