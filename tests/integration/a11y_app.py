"""The wizard on the example P2 escalation, driven line by line from stdin (for the AT-SPI test).

    python -m tests.integration.a11y_app

Commands (one per line), each answered with ``ok …`` on stdout once done:
``page N`` shows wizard page N (1-based), ``banner TEXT`` shows TEXT in the wizard's
banner, ``quit``. The app runs with Qt's accessibility on (``QT_LINUX_ACCESSIBILITY_ALWAYS_ON``)
on the session bus the caller gives it, so a screen reader's view (AT-SPI) can be read.
"""

from __future__ import annotations

import os
import sys
import tempfile
from importlib import resources

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ["ESCALATION_ASSISTANT_HOME"] = tempfile.mkdtemp(prefix="ea-a11y-")


def main() -> int:
    from PySide6.QtCore import QEventLoop, QSocketNotifier, QTimer
    from PySide6.QtWidgets import QApplication

    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from ui.context import AppContext
    from ui.wizard.wizard import EscalationWizard

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Escalation Assistant")
    ctx = AppContext(resolve_paths().ensure())
    loop = QEventLoop()
    ctx.ready.connect(loop.quit)
    ctx.start()
    loop.exec()
    assert ctx.store is not None
    example = resources.files("resources").joinpath("examples/escalation.json")
    esc = ctx.store.create(
        Escalation.model_validate_json(example.read_text(encoding="utf-8")).model_copy(
            update={"checks": []}
        )
    )
    wizard = EscalationWizard(ctx, esc)
    wizard.show()

    def answer(text: str) -> None:
        print(text, flush=True)

    def command() -> None:
        line = sys.stdin.readline()
        if not line:
            app.quit()
            return
        verb, _, rest = line.strip().partition(" ")
        if verb == "page":
            index = int(rest) - 1
            wizard.go_to(index)
            # Give the page's widgets time to be shown and announced on the bus.
            title = wizard.pages[index].title
            QTimer.singleShot(700, lambda: answer(f"ok page {index + 1} {title}"))
        elif verb == "banner":
            wizard.banner.show_message(rest, "warning")
            QTimer.singleShot(300, lambda: answer("ok banner"))
        elif verb == "quit":
            answer("ok quit")
            app.quit()
        else:
            answer(f"error unknown command {verb}")

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(command)
    QTimer.singleShot(1000, lambda: answer("ok ready"))
    code = app.exec()
    wizard.autosave.flush()
    ctx.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
