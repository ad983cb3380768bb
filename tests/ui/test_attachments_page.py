"""The attachments page as the agent sees it while a file is scrubbed and after."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot


def _har(path: Path) -> Path:
    entries = [
        {
            "request": {
                "url": f"https://shop.example/api?page={n}&id_token=eyJhbGciOi.eyJzdWIi.c2ln{n}",
                "headers": [
                    {"name": "Cookie", "value": f"sessionid=abcdefgh{n}"},
                    {"name": "Authorization", "value": f"Bearer abcdefghijklmnop{n}"},
                ],
                "queryString": [{"name": "id_token", "value": f"eyJhbGciOi.eyJzdWIi.c2ln{n}"}],
                "cookies": [{"name": "sessionid", "value": f"abcdefgh{n}"}],
                "postData": {"text": f"username=alice&password=hunter{n}"},
            }
        }
        for n in range(20)
    ]
    path.write_text(json.dumps({"log": {"entries": entries}}), encoding="utf-8")
    return path


def test_the_progress_shows_in_room_kept_for_it(qtbot: QtBot, make_wizard, tmp_path: Path) -> None:
    """Showing the progress as a scrub starts lays nothing out again (the page would be laid
    out and painted while the worker starts: the stall an agent feels on the drop)."""
    w = make_wizard()
    w.resize(900, 640)
    page = w.attachments_page
    w.go_to(w.pages.index(page))
    qtbot.waitExposed(w)
    kept = {widget: widget.geometry() for widget in (page.busy, page.progress, page.list)}
    assert all(not rect.isEmpty() for rect in kept.values())
    assert page.progress.geometry().top() > page.add_button.geometry().bottom()
    page.add_files([_har(tmp_path / "checkout.har")])
    assert page.progress.isVisible() and page.busy.isVisible()
    assert {widget: widget.geometry() for widget in kept} == kept
    qtbot.waitUntil(lambda: page.list.count() == 1)
    assert not page.progress.isVisible()
    assert {widget: widget.geometry() for widget in kept} == kept


def test_what_was_redacted_wraps_instead_of_scrolling_sideways(
    qtbot: QtBot, make_wizard, tmp_path: Path
) -> None:
    w = make_wizard()
    w.resize(900, 640)
    page = w.attachments_page
    w.go_to(w.pages.index(page))
    qtbot.waitExposed(w)
    page.add_files([_har(tmp_path / "checkout.har")])
    qtbot.waitUntil(lambda: page.list.count() == 1)
    text = page.list.item(0).text()
    assert text.startswith("checkout.har") and "authorization headers" in text
    width = page.list.fontMetrics().horizontalAdvance(text)
    assert width > page.list.viewport().width()  # longer than one line here …
    assert not page.list.horizontalScrollBar().isVisible()  # … and wrapped
    rect = page.list.visualItemRect(page.list.item(0))
    assert rect.height() >= 2 * page.list.fontMetrics().height()
