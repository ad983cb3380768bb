"""Tokens against a real Secret Service (gnome-keyring on a private D-Bus session)."""

from __future__ import annotations

import uuid
from pathlib import Path

import keyring
import pytest
from keyring.backends import SecretService

from assistant.credentials import SERVICE_NAME, CredentialStore, account_key
from tests.services import SecretServiceSession

pytestmark = pytest.mark.keyring


def _files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_store_read_replace_delete(secret_service: SecretServiceSession, app_home: Path) -> None:
    assert isinstance(keyring.get_keyring(), SecretService.Keyring)
    url, user = f"http://127.0.0.1:3000/{uuid.uuid4().hex}", "alice"
    first, second = f"first-{uuid.uuid4()}", f"second-{uuid.uuid4()}"
    store = CredentialStore()

    assert store.get_token(url, user) is None
    store.set_token(url, user, first)
    assert not store.session_only
    # Another store (as after a restart) reads it from the Secret Service itself.
    assert CredentialStore().get_token(url + "/", user) == first
    assert keyring.get_password(SERVICE_NAME, account_key(url, user)) == first

    store.set_token(url, user, second)
    assert CredentialStore().get_token(url, user) == second

    for token in (first, second):
        assert _files_containing(app_home, token) == []
        # gnome-keyring encrypts its keyring files: the token is not there in clear either.
        assert _files_containing(secret_service.keyring_dir, token) == []

    assert store.delete_token(url, user) is True
    assert CredentialStore().get_token(url, user) is None
    assert store.delete_token(url, user) is False
