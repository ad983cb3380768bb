"""Tokens: keyring only, env override never persisted, a clear message without a keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from assistant.credentials import (
    SERVICE_NAME,
    TOKEN_ENV,
    CredentialStore,
    KeyringUnavailable,
    account_key,
)
from assistant.errors import AssistantError

URL, USER, TOKEN = "https://redmine.example.com/", "alice", "tok-3f9a0c5e-not-in-files"


class MemoryKeyring(KeyringBackend):
    """A working in-memory backend that records what was written."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.data.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class BrokenKeyring(MemoryKeyring):
    """A backend whose calls fail like a dead or locked Secret Service."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


@pytest.fixture
def use_backend() -> Iterator[object]:
    previous = keyring.get_keyring()

    def use(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(previous)


def _files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_account_key_normalises_the_url() -> None:
    assert account_key("HTTPS://bob:pw@Redmine.Example.com:443/ops/?x=1#f", " alice ") == (
        "https://redmine.example.com/ops|alice"
    )
    assert account_key("http://127.0.0.1:3000", "a") == "http://127.0.0.1:3000|a"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_backend_keeps_the_token_for_the_session_only(
    backend: KeyringBackend, use_backend, tmp_path: Path
) -> None:
    use_backend(backend)
    store = CredentialStore()
    assert store.get_token(URL, USER) is None
    with pytest.raises(KeyringUnavailable) as info:
        store.set_token(URL, USER, TOKEN)
    assert isinstance(info.value, AssistantError)
    message = str(info.value)
    assert "gnome-keyring" in message
    assert "KWallet" in message
    assert "secretstorage" in message
    assert TOKEN not in message
    assert store.session_only
    assert store.get_token(URL, USER) == TOKEN
    # A second store (the next app start) does not know it: it was never written.
    assert CredentialStore().get_token(URL, USER) is None
    assert _files_containing(tmp_path, TOKEN) == []
    assert store.delete_token(URL, USER) is True
    assert store.get_token(URL, USER) is None


@pytest.mark.parametrize(
    "error",
    [
        keyring.errors.KeyringLocked("Failed to unlock the collection!"),
        keyring.errors.InitError("Failed to create the collection: Prompt dismissed.."),
        keyring.errors.NoKeyringError("No recommended backend was available."),
        type("DBusErrorResponse", (Exception,), {"__module__": "jeepney.wrappers"})("gone"),
    ],
    ids=["locked", "init", "none", "dbus"],
)
def test_backend_failures_are_keyring_unavailable(error: Exception, use_backend) -> None:
    use_backend(BrokenKeyring(error))
    store = CredentialStore()
    with pytest.raises(KeyringUnavailable, match="gnome-keyring"):
        store.set_token(URL, USER, TOKEN)
    assert store.session_only
    assert store.get_token(URL, USER) == TOKEN


def test_unrelated_errors_are_not_hidden(use_backend) -> None:
    use_backend(BrokenKeyring(ValueError("a bug")))
    with pytest.raises(ValueError, match="a bug"):
        CredentialStore().set_token(URL, USER, TOKEN)


def test_keyring_round_trip_uses_service_and_account(use_backend) -> None:
    backend = use_backend(MemoryKeyring())
    store = CredentialStore()
    store.set_token(URL, USER, f"  {TOKEN}\n")
    assert backend.data == {(SERVICE_NAME, "https://redmine.example.com|alice"): TOKEN}
    assert store.get_token("https://REDMINE.example.com", USER) == TOKEN
    assert not store.session_only
    store.set_token(URL, USER, "second")
    assert store.get_token(URL, USER) == "second"
    assert store.delete_token(URL, USER) is True
    assert store.delete_token(URL, USER) is False
    assert store.get_token(URL, USER) is None
    with pytest.raises(ValueError):
        store.set_token(URL, USER, "   ")


def test_environment_token_overrides_and_is_never_persisted(
    use_backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    backend = use_backend(MemoryKeyring())
    store = CredentialStore()
    store.set_token(URL, USER, "from-keyring")
    monkeypatch.setenv(TOKEN_ENV, "from-environment")
    assert store.token_from_environment
    assert store.get_token(URL, USER) == "from-environment"
    assert "from-environment" not in backend.data.values()
    assert _files_containing(tmp_path, "from-environment") == []
    monkeypatch.delenv(TOKEN_ENV)
    assert store.get_token(URL, USER) == "from-keyring"


def test_environment_token_works_without_any_keyring(
    use_backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(fail.Keyring())
    monkeypatch.setenv(TOKEN_ENV, "ci-token")
    store = CredentialStore()
    assert store.get_token(URL, USER) == "ci-token"
