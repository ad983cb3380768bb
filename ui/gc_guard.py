"""Python's cyclic garbage collector runs on the GUI thread only.

Left automatic, a collection runs in whichever thread happens to allocate past the
threshold, often a worker (a store write, a check). When the garbage holds a Qt wrapper,
its C++ object is then destroyed off the GUI thread, which crashes the app now and then
(seen as segfaults in the UI tests, always with a worker inside ``gc``). Here automatic
collection is off and the GUI thread runs the generation the collector would have run by
its thresholds each time its event loop is about to sleep.

No timer: an idle app must not wake up to find nothing to collect (issue 20). Whatever
allocates wakes the GUI thread anyway — input, paints, a worker's result arriving as a
queued signal, a timer — and the check runs once that work is done. A worker that makes
garbage for a long time without reporting to the GUI keeps it until its next signal.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QAbstractEventDispatcher, QObject


def collect_if_due() -> int:
    """Run, on this thread, the generation automatic collection would have run now."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects whenever this thread's event loop is
    about to sleep (``QAbstractEventDispatcher.aboutToBlock``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        dispatcher = QAbstractEventDispatcher.instance(self.thread())
        if dispatcher is None:
            raise RuntimeError("GuiThreadCollector needs the QApplication created first")
        self._dispatcher = dispatcher
        dispatcher.aboutToBlock.connect(self._about_to_block)
        self._stopped = False

    def _about_to_block(self) -> None:
        if not self._stopped:
            collect_if_due()

    def stop(self) -> None:
        """Back to automatic collection (after a last one here)."""
        if not self._stopped:
            self._stopped = True
            self._dispatcher.aboutToBlock.disconnect(self._about_to_block)
        collect_if_due()
        gc.enable()
