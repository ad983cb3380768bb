"""The status-checks page: run, cancel, re-run and add checks against a real local server."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from assistant.model import Customer, Escalation
from assistant.paths import resolve_paths
from assistant.rendering import render
from assistant.settings import AgentSettings
from tests.checks.servers import closed_port
from tests.ui.helpers import type_into
from ui.context import AppContext
from ui.wizard.checks_model import (
    COL_ACTIONS,
    COL_CHECK,
    COL_RESULT,
    COL_TOOK,
    ChecksTable,
    Role,
    RowActionsDelegate,
)
from ui.wizard.checks_page import CheckRow, ChecksPage
from ui.wizard.wizard import EscalationWizard

MakeWizard = Callable[..., EscalationWizard]

TEST_COMPONENT = """
[[components]]
id = "test-shop"
name = "Test shop"
description = "The shop on the test's local server."
checks = [
  { type = "http", target = "http://{customer_domain}/ok", name = "Shop home" },
  { type = "health", target = "http://{customer_domain}/health", name = "Shop health" },
  { type = "http", target = "http://{customer_domain}/error", name = "Checkout API" },
]
"""


class _Handler(BaseHTTPRequestHandler):
    server: ShopServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: bytes, ctype: str = "text/html") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if self.path == "/ok":
                self._send(200, b"<h1>Welcome</h1>")
            elif self.path == "/health":
                doc = {"status": "warn", "checks": {"db": [{"status": "warn", "output": "slow"}]}}
                self._send(200, json.dumps(doc).encode(), "application/health+json")
            elif self.path == "/error":
                self._send(500, b"boom")
            elif self.path.split("?")[0] == "/slow":
                self.server.slow_hit.set()
                self.server.release.wait(30)  # until the test ends: cancel must not wait
                self._send(200, b"late")
            else:
                self._send(404, b"no such endpoint")


class ShopServer(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1: /ok, /health (warn), /error (500), /slow."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.release = threading.Event()
        self.slow_hit = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    @property
    def base(self) -> str:
        return f"http://{self.domain}"

    def handle_error(self, request: object, client_address: object) -> None:
        # A cancelled check hangs up on /slow; that is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def __enter__(self) -> ShopServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self._thread.join()
        self.server_close()


@pytest.fixture
def shop() -> Iterator[ShopServer]:
    with ShopServer() as server:
        yield server


@pytest.fixture
def ctx(qtbot: QtBot, app_home: Path, tmp_path: Path) -> Iterator[AppContext]:
    """An AppContext whose policy adds a component checked against the local server."""
    default = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(default + TEST_COMPONENT, encoding="utf-8")
    paths = resolve_paths().ensure()
    paths.settings_file.write_text(
        AgentSettings(policy_path=str(policy)).model_dump_json(), encoding="utf-8"
    )
    context = AppContext(paths)
    with qtbot.waitSignal(context.ready, timeout=20_000):
        context.start()
    assert context.policy.component("test-shop") is not None
    yield context
    context.shutdown()


def open_checks(make_wizard: MakeWizard, esc: Escalation) -> tuple[EscalationWizard, ChecksPage]:
    w = make_wizard(esc)
    w.go_to(w.pages.index(w.checks_page))
    assert w.current_page() is w.checks_page
    return w, w.checks_page


def shop_draft(shop: ShopServer) -> Escalation:
    return Escalation(component="test-shop", customer=Customer(name="Shop", domain=shop.domain))


def status_texts(page: ChecksPage) -> dict[str, str]:
    return page.status_texts()


def click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_row_button(qtbot: QtBot, page: ChecksPage, row: CheckRow, label: str) -> None:
    """Click the button painted in ``row``'s actions cell, where a person sees it."""
    index = page.model.index(page.rows.index(row), COL_ACTIONS)
    page.table.scrollTo(index)
    cell = page.table.visualRect(index)
    x = cell.left() + 3 + 4
    if label == "Remove":
        x += RowActionsDelegate.button_width(row.run_label, page.table) + 4
    qtbot.mouseClick(
        page.table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, cell.center().y())
    )


def wait_saved(qtbot: QtBot, w: EscalationWizard) -> None:
    qtbot.waitUntil(lambda: not w.autosave.dirty, timeout=5000)


def run_and_wait(qtbot: QtBot, page: ChecksPage, button: QWidget) -> None:
    with qtbot.waitSignal(page.idle, timeout=20_000):
        click(qtbot, button)


def test_rows_come_from_the_policy_with_the_customers_domain(
    make_wizard: MakeWizard, shop: ShopServer
) -> None:
    _, page = open_checks(make_wizard, shop_draft(shop))
    assert [r.label for r in page.rows] == ["Shop home", "Shop health", "Checkout API"]
    assert page.rows[0].spec.target == f"{shop.base}/ok"
    assert status_texts(page) == dict.fromkeys(
        ["Shop home", "Shop health", "Checkout API"], "Not run"
    )
    assert page.results.text() == "No checks run yet"
    assert "Test shop" in page.intro.text() and shop.domain in page.intro.text()
    assert page.run_all_button.isEnabled() and not page.cancel_button.isEnabled()


def test_missing_domain_is_said_on_the_row(make_wizard: MakeWizard) -> None:
    _, page = open_checks(make_wizard, Escalation(component="test-shop"))
    assert set(status_texts(page).values()) == {"NOT READY"}
    assert "customer's domain" in page.result_text(0)
    assert not page.run_all_button.isEnabled()


def test_run_all_shows_results_and_stores_them_in_the_draft(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    run_and_wait(qtbot, page, page.run_all_button)

    assert status_texts(page) == {"Shop home": "OK", "Shop health": "WARN", "Checkout API": "FAIL"}
    assert not page.running and not page.cancel_button.isEnabled()
    assert page.run_all_button.isEnabled()
    assert "1 OK, 1 WARN, 1 FAIL" in page.results.text()
    for i in range(3):
        assert page.cell_text(i, COL_TOOK).endswith(("ms", " s"))

    wait_saved(qtbot, w)
    assert ctx.store is not None
    stored = ctx.store.get(w.escalation.id)
    by_name = {c.details["check_name"]: c for c in stored.checks}
    assert {n: c.status for n, c in by_name.items()} == {
        "Shop home": "ok",
        "Shop health": "warn",
        "Checkout API": "fail",
    }
    assert by_name["Checkout API"].target == f"{shop.base}/error"
    assert all(c.started_at.tzinfo is not None for c in stored.checks)

    # The ticket Ops receives shows them as a table.
    ticket = render(stored, ctx.policy, "markdown")
    assert isinstance(ticket, str)
    assert "| Check | Target | Status | Summary | Time |" in ticket
    table = ticket.split("## Status checks")[1].split("## ")[0]
    assert [line.split(" | ")[2] for line in table.strip().splitlines()[2:]] == [
        "**OK**",
        "**WARN**",
        "**FAIL**",
    ]
    assert "/error" in table and "500 Internal Server Error" in table


def test_cancel_mid_run_leaves_the_page_idle(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    run_and_wait(qtbot, page, page.run_all_button)
    wait_saved(qtbot, w)

    type_into(qtbot, page.add_name, "Slow page")
    type_into(qtbot, page.add_target, f"{shop.base}/slow")
    click(qtbot, page.add_button)
    slow = page.rows[-1]
    qtbot.waitUntil(
        lambda: status_texts(page).get("Slow page") == "Running…" and shop.slow_hit.is_set(),
        timeout=10_000,
    )
    assert slow.state == "running" and page.running and page.cancel_button.isEnabled()

    with qtbot.waitSignal(page.idle, timeout=5000):
        click(qtbot, page.cancel_button)

    assert status_texts(page)["Slow page"] == "CANCELLED"
    assert "Cancelled" in page.result_text(3)
    assert not page.running and not page.cancel_button.isEnabled()
    assert page.run_all_button.isEnabled() and slow.can_run and slow.can_remove
    assert page.run_one_button.isEnabled() and page.remove_button.isEnabled()
    assert page.run_one_button.text() == "Re-run &this check"
    # A cancelled check is no evidence; the earlier results stay.
    assert len(page.evidence) == 3
    wait_saved(qtbot, w)
    assert ctx.store is not None
    assert len(ctx.store.get(w.escalation.id).checks) == 3


def test_cancel_run_all_marks_every_unfinished_row(
    qtbot: QtBot, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    _, page = open_checks(make_wizard, shop_draft(shop))
    page.add_check("http", f"{shop.base}/slow")
    qtbot.waitUntil(lambda: shop.slow_hit.is_set(), timeout=10_000)
    with qtbot.waitSignal(page.idle, timeout=5000):
        click(qtbot, page.cancel_button)
    assert status_texts(page)["127.0.0.1"] == "CANCELLED"
    assert page.evidence == []


def test_rerun_replaces_only_that_result(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    run_and_wait(qtbot, page, page.run_all_button)
    before = list(page.evidence)
    health: CheckRow = page.rows[1]
    old = health.evidence

    with qtbot.waitSignal(page.idle, timeout=20_000):
        click_row_button(qtbot, page, health, "Re-run")

    assert len(page.evidence) == 3
    assert health.evidence is not None and health.evidence is not old
    assert health.evidence.status == "warn"
    assert page.evidence[0] is before[0] and page.evidence[2] is before[2]
    assert page.evidence[1] is health.evidence
    wait_saved(qtbot, w)
    assert ctx.store is not None
    stored = ctx.store.get(w.escalation.id).checks
    assert len(stored) == 3
    assert stored[1].started_at == health.evidence.started_at
    assert stored[0].started_at == before[0].started_at


@pytest.mark.parametrize(
    ("type_name", "target", "message"),
    [
        ("http", "not a url", "not a valid URL"),
        ("http", "ftp://files.example/", "not supported"),
        ("tcp", "example.com:99999", "out of range"),
        ("dns", "", "empty"),
    ],
)
def test_add_check_with_a_bad_target_gives_an_error_row(
    qtbot: QtBot,
    ctx: AppContext,
    make_wizard: MakeWizard,
    type_name: str,
    target: str,
    message: str,
) -> None:
    w, page = open_checks(make_wizard, Escalation())
    assert page.rows == []
    page.add_type.setCurrentIndex(page.add_type.findData(type_name))
    type_into(qtbot, page.add_target, target)
    with qtbot.waitSignal(page.idle, timeout=10_000):
        qtbot.keyClick(page.add_target, Qt.Key.Key_Return)
    [name] = status_texts(page)
    assert status_texts(page) == {name: "ERROR"}
    assert message in page.result_text(0)
    assert page.add_target.text() == ""
    # A typo is not evidence for Ops.
    assert page.evidence == []
    w.save()
    wait_saved(qtbot, w)
    assert ctx.store is not None and ctx.store.get(w.escalation.id).checks == []
    # ... and the agent can take it away again.
    click_row_button(qtbot, page, page.rows[0], "Remove")
    assert page.rows == [] and page.model.rowCount() == 0


def test_changing_the_domain_rebuilds_the_list_and_keeps_earlier_evidence(
    qtbot: QtBot, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    run_and_wait(qtbot, page, page.run_all_button)
    w.go_to(0)
    type_into(qtbot, w.customer_page.domain, "shop.invalid")
    w.go_to(w.pages.index(page))
    names = [(r.label, r.from_policy, r.evidence is not None) for r in page.rows]
    assert names[:3] == [(n, True, False) for n in ("Shop home", "Shop health", "Checkout API")]
    assert names[3:] == [(n, False, True) for n in ("Shop home", "Shop health", "Checkout API")]
    assert page.rows[0].spec.target == "http://shop.invalid/ok"
    assert len(page.evidence) == 3


def test_results_survive_reopening_the_draft(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    run_and_wait(qtbot, page, page.run_all_button)
    wait_saved(qtbot, w)
    assert ctx.store is not None
    stored = ctx.store.get(w.escalation.id)
    w2 = make_wizard(stored, stored=True)
    w2.go_to(w2.pages.index(w2.checks_page))
    assert status_texts(w2.checks_page) == {
        "Shop home": "OK",
        "Shop health": "WARN",
        "Checkout API": "FAIL",
    }


def test_never_run_rows_offer_run_and_the_row_button_runs_it(
    qtbot: QtBot, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    _, page = open_checks(make_wizard, shop_draft(shop))
    home = page.rows[0]
    assert [page.model.index(i, COL_ACTIONS).data(Role.RUN_LABEL) for i in range(3)] == [
        "Run",
        "Run",
        "Run",
    ]
    page.table.setCurrentIndex(page.model.index(0, 0))
    assert page.run_one_button.text() == "Run &this check"
    assert page.run_one_button.accessibleName() == "Run Shop home"
    with qtbot.waitSignal(page.idle, timeout=20_000):
        click_row_button(qtbot, page, home, "Run")
    assert status_texts(page)["Shop home"] == "OK"
    assert page.model.index(0, COL_ACTIONS).data(Role.RUN_LABEL) == "Re-run"
    assert page.run_one_button.accessibleName() == "Re-run Shop home"
    assert [r.has_run for r in page.rows] == [True, False, False]


def test_the_table_is_one_tab_stop_with_arrows_and_enter_inside(
    qtbot: QtBot, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == 2
    with qtbot.waitSignal(page.idle, timeout=20_000):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert status_texts(page)["Checkout API"] == "FAIL"
    # One Tab leaves the table (before: Tab walked every cell and never left).
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    focused = w.focusWidget()
    assert focused is not page.table and focused is not None
    assert not page.table.isAncestorOf(focused)
    # ... and Shift+Tab comes back to it in one step.
    qtbot.keyClick(focused, Qt.Key.Key_Backtab)
    assert w.focusWidget() is page.table


def test_an_unreachable_target_is_said_so_on_the_page_and_in_the_ticket(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    w, page = open_checks(make_wizard, Escalation())
    page.add_type.setCurrentIndex(page.add_type.findData("tcp"))
    type_into(qtbot, page.add_name, "Mail server")
    type_into(qtbot, page.add_target, f"127.0.0.1:{closed_port()}")
    with qtbot.waitSignal(page.idle, timeout=20_000):
        click(qtbot, page.add_button)
    assert status_texts(page) == {"Mail server": "Unreachable from here"}
    assert "from this computer" in page.result_text(0)
    assert "1 Unreachable from here" in page.results.text()
    wait_saved(qtbot, w)
    assert ctx.store is not None
    stored = ctx.store.get(w.escalation.id)
    [check] = stored.checks
    assert check.status == "unreachable" and check.details["check_name"] == "Mail server"
    ticket = render(stored, ctx.policy, "markdown")
    assert isinstance(ticket, str)
    row = ticket.split("## Status checks")[1].split("## ")[0].strip().splitlines()[2]
    assert "Mail server (tcp)" in row and "**Unreachable from here**" in row
    assert "FAIL" not in row


def test_an_added_check_is_renamed_with_f2_and_the_stored_result_follows(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, Escalation())
    type_into(qtbot, page.add_target, f"{shop.base}/ok")
    with qtbot.waitSignal(page.idle, timeout=20_000):
        qtbot.keyClick(page.add_target, Qt.Key.Key_Return)
    assert status_texts(page) == {"127.0.0.1": "OK"}
    page.table.setCurrentIndex(page.model.index(0, COL_CHECK))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor is not page.add_target, editor
    editor.selectAll()
    qtbot.keyClicks(editor, "Shop front page")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits the edit from the event loop.
    qtbot.waitUntil(lambda: status_texts(page) == {"Shop front page": "OK"})
    wait_saved(qtbot, w)
    assert ctx.store is not None
    [check] = ctx.store.get(w.escalation.id).checks
    assert check.details["check_name"] == "Shop front page"


def test_policy_checks_start_in_the_background_before_the_page_is_shown(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w = make_wizard(Escalation(component="test-shop"))
    page = w.checks_page
    assert w.current_page() is not page
    with qtbot.waitSignal(page.idle, timeout=20_000):
        assert page.start_policy_checks("test-shop", shop.domain) == 3
    # The agent then types the same domain; the results are already on the page.
    w.customer_page.domain.setText(shop.domain)
    w.go_to(w.pages.index(page))
    assert status_texts(page) == {"Shop home": "OK", "Shop health": "WARN", "Checkout API": "FAIL"}
    assert not page.running
    wait_saved(qtbot, w)
    assert ctx.store is not None
    assert len(ctx.store.get(w.escalation.id).checks) == 3
    # Asked again for the same targets, nothing runs twice.
    assert page.start_policy_checks("test-shop", shop.domain) == 0


def test_a_hanging_check_never_delays_a_store_read_and_quit_cancels_it(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, Escalation())
    for n in range(8):  # more hanging checks than the network pool has threads
        page.add_check("http", f"{shop.base}/slow?{n}", f"Slow {n}")
    qtbot.waitUntil(shop.slow_hit.is_set, timeout=10_000)
    assert ctx.store is not None
    store = ctx.store
    read: list[Escalation] = []
    ctx.tasks.run(lambda: store.get(w.escalation.id), read.append)
    qtbot.waitUntil(lambda: bool(read), timeout=5000)
    assert read[0].id == w.escalation.id
    assert page.running
    # On quit, every pool is waited for; running checks are cancelled first.
    assert ctx.tasks.shutdown(msecs=15_000)
    qtbot.waitUntil(lambda: not page.running, timeout=5000)
    assert set(status_texts(page).values()) == {"CANCELLED"}


def test_the_result_column_stays_readable_at_1024x600(
    qtbot: QtBot, make_wizard: MakeWizard, shop: ShopServer
) -> None:
    w, page = open_checks(make_wizard, shop_draft(shop))
    w.resize(1024, 600)
    run_and_wait(qtbot, page, page.run_all_button)
    qtbot.waitUntil(lambda: page.table.columnWidth(COL_RESULT) >= ChecksTable.MIN_RESULT_WIDTH)
    index = page.model.index(2, COL_RESULT)
    assert "500" in str(index.data(Qt.ItemDataRole.ToolTipRole))
    # The wrapped text fits its row.
    rect = page.table.visualRect(index)
    needed = page.table.fontMetrics().boundingRect(
        0, 0, rect.width() - 8, 10_000, Qt.TextFlag.TextWordWrap, page.result_text(2)
    )
    assert rect.height() >= needed.height()


def test_closing_the_wizard_mid_run_stops_its_checks(
    qtbot: QtBot, ctx: AppContext, shop: ShopServer
) -> None:
    # Built as the drafts window builds it: closed wizards are deleted.
    assert ctx.store is not None
    w = EscalationWizard(ctx, ctx.store.create(Escalation()))
    w.show()
    w.go_to(w.pages.index(w.checks_page))
    page = w.checks_page
    page.add_check("http", f"{shop.base}/slow", "Slow page")
    qtbot.waitUntil(shop.slow_hit.is_set, timeout=10_000)
    network = ctx.tasks.pools["network"]
    assert network.activeThreadCount() == 1
    w.close()
    w.deleteLater()
    # The run is cancelled with the page, long before the server answers.
    qtbot.waitUntil(lambda: network.activeThreadCount() == 0, timeout=5000)
    assert not shop.release.is_set()
