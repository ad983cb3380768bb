"""Ops' answers are hard to miss (issue 22): every answer that waits for the agent is listed
in the tray menu and badges the icon; "Check Ops' answers now"; acting clears the banner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from assistant.watchers import Notification
from ui.alerts import InWindowAlerts
from ui.tray import TrayIcon, state_icon

TWO = [("id-1", "Hartmann Bakeries — #12"), ("id-2", "Bäckerei Müller & Söhne — #12")]


@pytest.fixture
def tray(qtbot: QtBot) -> Iterator[TrayIcon]:
    icon = TrayIcon()
    yield icon
    icon.hide()
    icon.menu.deleteLater()
    icon.deleteLater()


def _texts(tray: TrayIcon) -> list[str]:
    return [a.text() for a in tray.menu.actions() if a.isVisible() and a.text()]


def test_two_answers_are_both_listed_and_badge_the_icon(qtbot: QtBot, tray: TrayIcon) -> None:
    tray.set_state("operational", "API: Operational")
    plain = tray.tray.icon().pixmap(32).toImage()

    tray.set_answers_waiting(TWO)

    texts = _texts(tray)
    assert "Ops answered — reply to the customer" in texts
    assert "Hartmann Bakeries — #12" in texts
    assert "Bäckerei Müller && Söhne — #12" in texts  # "&" shown, not a mnemonic
    assert "2 answers from Ops waiting for your reply" in tray.tray.toolTip()
    badged = tray.tray.icon().pixmap(32).toImage()
    assert badged != plain
    assert _corner(badged) != _corner(plain)

    with qtbot.waitSignal(tray.reply_requested) as sig:
        next(a for a in tray.answer_actions if a.text().startswith("Hartmann")).trigger()
    assert sig.args == ["id-1"]

    tray.set_answers_waiting(TWO[1:])  # one customer told
    assert "Hartmann Bakeries — #12" not in _texts(tray)
    tray.set_answers_waiting([])  # both told: no section, no badge
    assert "Ops answered — reply to the customer" not in _texts(tray)
    assert "waiting for your reply" not in tray.tray.toolTip()
    assert tray.tray.icon().pixmap(32).toImage() == state_icon("operational").pixmap(32).toImage()


def _corner(image: QImage) -> int:
    return image.pixel(image.width() - 4, 3)


def test_check_now_is_in_the_menu(qtbot: QtBot, tray: TrayIcon) -> None:
    with qtbot.waitSignal(tray.check_now):
        tray.check_action.trigger()
    assert tray.check_action.text() == "Check Ops' &answers now"


def test_telling_the_customer_clears_the_banner(qtbot: QtBot) -> None:
    alerts = InWindowAlerts()
    note = Notification(
        "ops_answers", "Ops resolved #12 for Hartmann", "Fixed.", datetime.now(UTC), "id-1"
    )
    alerts.add(note)
    alerts.banner.show()
    alerts.forget("id-2")  # another escalation: the banner stays
    assert not alerts.banner.isHidden()
    alerts.forget("id-1")
    assert alerts.banner.isHidden()
