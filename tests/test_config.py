"""Configuration: secrets generated once into the instance folder when the environment gives none."""

import json

from api.config import load_secrets


def test_secrets_are_generated_once_and_read_back_the_same(tmp_path):
    first = load_secrets(str(tmp_path))
    second = load_secrets(str(tmp_path))

    assert set(first) == {"SECRET_KEY", "JWT_SECRET_KEY", "CLIENT_SECRET_HMAC_KEY"}
    assert second == first


def test_a_secrets_file_from_an_older_release_gains_the_client_secret_key_and_keeps_its_others(tmp_path):
    older = {"SECRET_KEY": "kept-session-key", "JWT_SECRET_KEY": "kept-jwt-key"}
    (tmp_path / "secrets.json").write_text(json.dumps(older))

    loaded = load_secrets(str(tmp_path))

    assert loaded["SECRET_KEY"] == "kept-session-key"
    assert loaded["JWT_SECRET_KEY"] == "kept-jwt-key"
    assert len(loaded["CLIENT_SECRET_HMAC_KEY"]) >= 48
    assert json.loads((tmp_path / "secrets.json").read_text()) == loaded
