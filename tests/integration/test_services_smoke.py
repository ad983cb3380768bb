"""The real services the integration tests rely on are really there."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.services import RedmineServer, SecretServiceSession

TRAY_PROBE = """
import sys
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv)
print(app.platformName(), QSystemTrayIcon.isSystemTrayAvailable())
"""


@pytest.mark.redmine
def test_redmine_answers_with_the_admin_key(redmine: RedmineServer) -> None:
    reply = redmine.api("GET", "/users/current.json")
    assert reply.status_code == 200
    assert reply.json()["user"]["login"] == "admin"
    main = redmine.api(
        "GET", f"/projects/{redmine.project}.json", params={"include": "issue_custom_fields"}
    ).json()["project"]
    plain = redmine.api(
        "GET", f"/projects/{redmine.plain_project}.json", params={"include": "issue_custom_fields"}
    ).json()["project"]
    assert main["id"] == redmine.project_id
    assert [f["id"] for f in main["issue_custom_fields"]] == [redmine.cf_idempotency_id]
    assert plain["id"] == redmine.plain_project_id
    assert plain["issue_custom_fields"] == []
    assert (
        redmine.api("GET", "/users/current.json", headers={"X-Redmine-API-Key": "nope"}).status_code
        == 401
    )


@pytest.mark.keyring
def test_keyring_backend_is_a_real_secret_service(secret_service: SecretServiceSession) -> None:
    import keyring
    from keyring.backends import SecretService

    assert isinstance(keyring.get_keyring(), SecretService.Keyring)
    service, secret = f"ea-smoke-{uuid.uuid4()}", f"tok-{uuid.uuid4()}"
    keyring.set_password(service, "alice", secret)
    try:
        assert keyring.get_password(service, "alice") == secret
    finally:
        keyring.delete_password(service, "alice")
    assert keyring.get_password(service, "alice") is None


def _tray_available(display: str) -> str:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run(
        [sys.executable, "-c", TRAY_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.xvfb
def test_x_display_has_a_system_tray(x_display: str) -> None:
    assert _tray_available(x_display) == "xcb True"


@pytest.mark.xvfb
def test_x_display_without_trayer_has_no_tray(x_display_no_tray: str) -> None:
    assert _tray_available(x_display_no_tray) == "xcb False"
