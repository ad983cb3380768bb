"""Tracker API tokens: in the operating system's keyring, never in files.

The token for a tracker is stored under the service name ``escalation-assistant`` and the
account ``"<normalised tracker url>|<user>"``. ``ESCALATION_ASSISTANT_TRACKER_TOKEN``
overrides the keyring (automation, CI) and is never written anywhere. Where the computer
has no usable keyring, ``set_token`` keeps the token in memory for this session only,
switches the store to ``session_only`` and raises ``KeyringUnavailable`` so the user is
told what to install; the session token keeps working until the app quits.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from assistant import APP_NAME
from assistant.errors import AssistantError

if TYPE_CHECKING:
    import keyring.backend

# keyring (and, through it, secretstorage, jeepney and the entry-point scan) is imported on
# the first token lookup, not at start: an app with no tracker configured never needs it.

log = logging.getLogger("assistant.credentials")

SERVICE_NAME = APP_NAME
TOKEN_ENV = "ESCALATION_ASSISTANT_TRACKER_TOKEN"
#: where a tracker account's token comes from (``CredentialStore.token_state``)
TokenState = Literal["environment", "session", "stored", "none", "no keyring", "unknown"]
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Errors raised from below keyring's backends when the D-Bus / Secret Service is missing,
# locked or broken (keyring does not wrap all of them).
_BACKEND_ERROR_MODULES = ("secretstorage", "jeepney", "dbus")


class KeyringUnavailable(AssistantError):
    """No usable keyring: the token can only be kept in memory for this session."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            "The token cannot be saved because this computer has no usable keyring "
            f"({reason}). It is kept for this session only; you will be asked for it again "
            "after the app restarts. To remember it, install and start a Secret Service "
            "keyring — GNOME Keyring (Debian/Ubuntu: apt install gnome-keyring) or KDE "
            "Wallet (KWallet) — and log in again; when running from source, also "
            "`pip install secretstorage` (or `dbus-python` for KWallet)."
        )


def account_key(tracker_url: str, user: str) -> str:
    """The keyring account for a tracker and user: ``"https://host/path|user"``.

    The URL is normalised (lower-case scheme and host, default port, credentials, query,
    fragment and trailing slash dropped) so equivalent spellings share one token.
    """
    parts = urlsplit(tracker_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path.rstrip("/")
    return f"{urlunsplit((scheme, netloc, path, '', ''))}|{user.strip()}"


def _is_backend_failure(exc: BaseException) -> bool:
    import keyring.errors

    if isinstance(exc, keyring.errors.PasswordDeleteError):
        return False  # "no such password", not a missing keyring
    if isinstance(exc, keyring.errors.KeyringError):
        # NoKeyringError, KeyringLocked, InitError, PasswordSetError
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in _BACKEND_ERROR_MODULES


class CredentialStore:
    """Get, set and delete tracker tokens; see the module docstring for the rules."""

    def __init__(
        self, service: str = SERVICE_NAME, environ: Mapping[str, str] | None = None
    ) -> None:
        self.service = service
        self._environ = environ if environ is not None else os.environ
        self._session_tokens: dict[str, str] = {}
        self.session_only = False
        self.unavailable: KeyringUnavailable | None = None

    def _mark_unavailable(self, reason: str) -> KeyringUnavailable:
        error = KeyringUnavailable(reason)
        if not self.session_only:
            log.warning("keyring unavailable, tokens kept for this session only: %s", reason)
        self.session_only = True
        self.unavailable = error
        return error

    def _backend(self) -> keyring.backend.KeyringBackend:
        """The keyring backend, or ``KeyringUnavailable`` when there is no real one."""
        import keyring
        from keyring.backends import fail, null

        if self.unavailable is not None:
            raise self.unavailable
        try:
            backend = keyring.get_keyring()
        except Exception as exc:  # backend selection itself failed
            raise self._mark_unavailable(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(backend, fail.Keyring | null.Keyring):
            raise self._mark_unavailable("no keyring backend found")
        return backend

    def _call_backend(self, method: str, *args: str) -> str | None:
        backend = self._backend()
        try:
            result = getattr(backend, method)(*args)
        except Exception as exc:
            if _is_backend_failure(exc):
                raise self._mark_unavailable(f"{type(exc).__name__}: {exc}") from exc
            raise
        return result if isinstance(result, str) or result is None else str(result)

    def get_token(self, tracker_url: str, user: str) -> str | None:
        """The token to use: the environment override, else the keyring (or session)."""
        override = self._environ.get(TOKEN_ENV, "").strip()
        if override:
            return override
        key = account_key(tracker_url, user)
        if key in self._session_tokens:
            return self._session_tokens[key]
        try:
            return self._call_backend("get_password", self.service, key)
        except KeyringUnavailable:
            return None  # nothing remembered; set_token will explain why to the user

    def set_token(self, tracker_url: str, user: str, token: str) -> None:
        """Save the token in the keyring, replacing any previous one.

        Raises ``KeyringUnavailable`` when there is no keyring; the token is then kept in
        memory for this session and ``get_token`` returns it.
        """
        token = token.strip()
        if not token:
            raise ValueError("the token is empty")
        key = account_key(tracker_url, user)
        if self.session_only:
            self._session_tokens[key] = token
            assert self.unavailable is not None
            raise self.unavailable
        try:
            self._call_backend("set_password", self.service, key, token)
        except KeyringUnavailable:
            self._session_tokens[key] = token
            raise
        self._session_tokens.pop(key, None)
        log.info("token saved in the keyring for %s", key)

    def delete_token(self, tracker_url: str, user: str) -> bool:
        """Forget the token (keyring and session); ``True`` if one was stored."""
        key = account_key(tracker_url, user)
        found = self._session_tokens.pop(key, None) is not None
        if self.session_only:
            return found
        import keyring.errors

        try:
            self._call_backend("delete_password", self.service, key)
        except keyring.errors.PasswordDeleteError:
            return found
        except KeyringUnavailable:
            return found
        return True

    def token_state(self, tracker_url: str, user: str) -> TokenState:
        """Where the token for this tracker account comes from, as Settings tells the agent.

        Asks the keyring (a D-Bus call that can wait): run it off the GUI thread.
        """
        if self.token_from_environment:
            return "environment"
        key = account_key(tracker_url, user)
        if key in self._session_tokens:
            return "session"
        try:
            stored = self._call_backend("get_password", self.service, key)
        except KeyringUnavailable:
            return "no keyring"
        except Exception:  # a backend's own error (locked, refused): said as unknown
            log.warning("the keyring could not be asked for %s", key, exc_info=True)
            return "unknown"
        return "stored" if stored else "none"

    @property
    def token_from_environment(self) -> bool:
        """Whether ``ESCALATION_ASSISTANT_TRACKER_TOKEN`` overrides the keyring."""
        return bool(self._environ.get(TOKEN_ENV, "").strip())
