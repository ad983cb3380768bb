"""Python's cyclic garbage collector runs on the GUI thread only.

Left automatic, a collection runs in whichever thread happens to allocate past the
threshold, often a worker (a store write, a check). When the garbage holds a Qt wrapper,
its C++ object is then destroyed off the GUI thread, which crashes the app now and then
(seen as segfaults in the UI tests, always with a worker inside ``gc``). Here automatic
collection is off and a timer on the GUI thread runs the generation the collector would
have run by its thresholds, at most ``INTERVAL_MS`` late.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


def collect_if_due() -> int:
    """Run, on this thread, the generation automatic collection would have run now."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects from a timer on this object's thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_if_due)
        self._timer.start()

    def stop(self) -> None:
        """Back to automatic collection (after a last one here)."""
        self._timer.stop()
        collect_if_due()
        gc.enable()
