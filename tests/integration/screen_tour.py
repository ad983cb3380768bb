"""Screenshot tour of every window on one display mode (run under Xvfb + openbox).

    python -m tests.integration.screen_tour OUT_DIR [--dark]

with ``DISPLAY`` set to an X server of the mode's size (``QT_SCALE_FACTOR=1.5`` for the
150 % mode). Started by ``test_screen_tour.py``, or by hand::

    SIZE=1024x600x24 bash /work/shared/rig/real-input.sh \\
        .venv/bin/python -m tests.integration.screen_tour /tmp/tour

Opens the real windows on a throw-away data directory: the drafts window, the wizard on
the example P2 escalation (every page; the checks run against a local server, one target
refused so it is "unreachable from here"), the outbox, the settings and the watched
services dialogs. Saves one PNG of the whole screen per window or page, and writes
``report.json``: for each shot, what a person would find wrong — a window larger than the
screen or reaching beyond it, a button of the wizard off screen, a squeezed Result
column. Exit status 1 when something is wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ["ESCALATION_ASSISTANT_HOME"] = tempfile.mkdtemp(prefix="ea-screen-tour-")

TOUR_COMPONENT = """
[[components]]
id = "tour-shop"
name = "Tour shop"
description = "The shop on the tour's local server."
checks = [
  { type = "http", target = "http://{customer_domain}/", name = "Shop home" },
  { type = "http", target = "http://{customer_domain}/checkout", name = "Checkout" },
  { type = "health", target = "http://{customer_domain}/health", name = "Shop health" },
  { type = "tcp", target = "127.0.0.1:{refused_port}", name = "Mail relay (internal)" },
]
"""


class _Shop(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/health":
            code, body, ctype = 200, b'{"status": "pass"}', "application/health+json"
        elif path == "/checkout":
            code, body, ctype = 502, b"<h1>502 Bad Gateway</h1>", "text/html"
        else:
            code, body, ctype = 200, b"<h1>Shop</h1>", "text/html"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def shop_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def dark_palette() -> Any:
    """A dark desktop theme's palette (what a dark GNOME/KDE theme hands to Qt)."""
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#202020"),
        (role.WindowText, "#f0f0f0"),
        (role.Base, "#2b2b2b"),
        (role.AlternateBase, "#323232"),
        (role.Text, "#f0f0f0"),
        (role.Button, "#303030"),
        (role.ButtonText, "#f0f0f0"),
        (role.ToolTipBase, "#2b2b2b"),
        (role.ToolTipText, "#f0f0f0"),
        (role.Highlight, "#2f6fb3"),
        (role.HighlightedText, "#ffffff"),
        (role.PlaceholderText, "#a0a0a0"),
        (role.Link, "#6cb4ff"),
        (role.Mid, "#505050"),
        (role.Dark, "#151515"),
        (role.Light, "#404040"),
    ):
        pal.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor("#7a7a7a"))
    return pal


def main(out_dir: Path, dark: bool) -> int:
    from tests.checks.servers import closed_port

    out_dir.mkdir(parents=True, exist_ok=True)
    with shop_server() as domain:
        return run(out_dir, dark, domain, closed_port())


def run(out_dir: Path, dark: bool, domain: str, refused: int) -> int:
    from PySide6.QtCore import QEventLoop, QRect, QTimer
    from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.outbox_view import OutboxView
    from ui.outbox_worker import OutboxWorker
    from ui.settings_dialog import SettingsDialog
    from ui.wizard.checks_model import COL_RESULT, ChecksTable
    from ui.wizard.wizard import EscalationWizard

    app = QApplication(sys.argv[:1])
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    paths = resolve_paths().ensure()
    default = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    policy = paths.config_dir / "tour-policy.toml"
    policy.write_text(
        default + TOUR_COMPONENT.replace("{refused_port}", str(refused)), encoding="utf-8"
    )
    paths.settings_file.write_text(
        AgentSettings(policy_path=str(policy)).model_dump_json(), encoding="utf-8"
    )

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_for(predicate: Callable[[], bool], ms: int = 20_000) -> None:
        for _ in range(ms // 50):
            if predicate():
                return
            spin(50)
        raise TimeoutError("the tour waited in vain")

    screen = app.primaryScreen()
    avail = screen.availableGeometry()
    report: dict[str, Any] = {
        "screen": [screen.size().width(), screen.size().height()],
        "available": [avail.x(), avail.y(), avail.width(), avail.height()],
        "scale": screen.devicePixelRatio(),
        "dark": dark,
        "shots": {},
    }
    problems: list[str] = []

    def off_screen(widget: QWidget) -> QRect:
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        return QRect(top_left, widget.size())

    def contrast(widget: QWidget) -> float:
        """Contrast of the most distant colour against the background, as rendered."""
        image = widget.grab().toImage()
        counts: dict[int, int] = {}
        for y in range(0, image.height(), 2):
            for x in range(0, image.width(), 2):
                rgb = image.pixel(x, y) & 0xFFFFFF
                counts[rgb] = counts.get(rgb, 0) + 1
        if not counts:
            return 21.0

        def luminance(rgb: int) -> float:
            def channel(c: int) -> float:
                v = c / 255
                return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

            r, g, b = (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255
            return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

        background = luminance(max(counts, key=lambda c: counts[c]))
        ratios = [
            (max(background, luminance(c)) + 0.05) / (min(background, luminance(c)) + 0.05)
            for c in counts
        ]
        return max(ratios)

    def readable(name: str, widgets: list[QWidget]) -> None:
        for widget in widgets:
            if not widget.isVisible():
                continue
            ratio = contrast(widget)
            report.setdefault("contrast", {})[f"{name}/{widget.objectName()}"] = round(ratio, 2)
            if ratio < 4.5:
                problems.append(f"{name}: {widget.objectName()} is hard to read ({ratio:.1f}:1)")

    def shot(name: str, window: QWidget, buttons: Sequence[QWidget] = ()) -> None:
        window.raise_()
        window.activateWindow()
        spin(400)
        frame = window.frameGeometry()
        frame_rect = [frame.x(), frame.y(), frame.width(), frame.height()]
        found: list[str] = []
        if frame.width() > avail.width() or frame.height() > avail.height():
            found.append(f"{name}: window {frame.width()}×{frame.height()} > screen")
        if not avail.contains(frame):
            found.append(f"{name}: window reaches beyond the screen ({frame_rect})")
        for button in buttons:
            rect = off_screen(button)
            if button.isVisible() and not avail.contains(rect):
                text = button.text() if isinstance(button, QAbstractButton) else ""
                found.append(f"{name}: button '{text}' is off screen ({rect.getRect()})")
        path = out_dir / f"{name}.png"
        screen.grabWindow(0).save(str(path), "PNG")
        report["shots"][name] = {"file": path.name, "frame": frame_rect, "problems": found}
        problems.extend(found)

    ctx = AppContext(paths)
    main_window = MainWindow(ctx)
    main_window.show()
    ready = []
    ctx.ready.connect(lambda: ready.append(True))
    ctx.start()
    wait_for(lambda: bool(ready))
    assert ctx.store is not None
    example = resources.files("resources").joinpath("examples/escalation.json")
    esc = Escalation.model_validate_json(example.read_text(encoding="utf-8"))
    esc.component = "tour-shop"
    esc.customer.domain = domain
    esc.checks = []
    esc = ctx.store.create(esc)
    main_window.model.reload()
    wait_for(lambda: main_window.model.rowCount() > 0)
    shot("01-drafts", main_window)

    wizard = EscalationWizard(ctx, esc)
    wizard.show()
    buttons = [wizard.back_button, wizard.next_button, wizard.save_button, wizard.close_button]
    for index, page in enumerate(wizard.pages):
        wizard.go_to(index)
        if page is wizard.checks_page:
            checks = wizard.checks_page
            if checks.run_all_button.isEnabled():
                checks.run_all()
            wait_for(lambda c=checks: not c.running)  # type: ignore[misc]
            checks.table.setCurrentIndex(checks.model.index(1, 0))
            width = checks.table.columnWidth(COL_RESULT)
            report["result_column_px"] = width
            if width < ChecksTable.MIN_RESULT_WIDTH:
                problems.append(f"checks: the Result column is only {width} px wide")
        if index == 1:
            wizard.banner.show_message(
                "The tracker is not set up: this escalation will wait in the outbox.", "warning"
            )
        slug = page.title.lower().replace(" & ", "-").replace(" ", "-")
        shot(f"02-wizard-{index + 1}-{slug}", wizard, buttons)
        readable(slug, [wizard.banner, wizard.impact_page.priority, wizard.checks_page.results])
    wizard.banner.hide()

    # Ops' guidance for a category out of scope, on the first page.
    out_of_scope = next((c for c in ctx.policy.categories if c.out_of_scope), None)
    if out_of_scope is not None:
        wizard.go_to(0)
        box = wizard.customer_page.category
        box.setCurrentIndex(box.findData(out_of_scope.id))
        spin(300)
        shot("02-wizard-1-out-of-scope", wizard, buttons)
        readable("out-of-scope", [wizard.customer_page.out_of_scope])

    worker = OutboxWorker(ctx)
    outbox = OutboxView(ctx, worker)
    outbox.show()
    shot("03-outbox", outbox)
    outbox.close()

    settings = SettingsDialog(ctx, main_window)
    settings.show()
    dialog_buttons = settings.buttons.buttons()
    for number, tab in enumerate(("tracker", "policy", "alerts"), start=4):
        settings.show_tab(tab)
        shot(f"0{number}-settings-{tab}", settings, dialog_buttons)
    settings.reject()

    report["problems"] = problems
    (out_dir / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2), flush=True)

    wizard.autosave.flush()
    wizard.close()
    main_window.close()
    ctx.shutdown()
    for widget in app.topLevelWidgets():
        widget.deleteLater()
    spin(50)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), "--dark" in sys.argv[2:]))
