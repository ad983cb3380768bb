"""The app's entry point: ``escalation-assistant``, ``python -m ui`` and the frozen binary."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.main import main as cli_main

if TYPE_CHECKING:
    from assistant.selftest import Line
    from ui.launch_request import LaunchRequest


def _gui(data_dir: str | None, crash_dialog: bool, request: LaunchRequest | None = None) -> int:
    from ui.app import run_gui

    return run_gui(data_dir=data_dir, crash_dialog=crash_dialog, request=request)


def _platform() -> str:
    """The Qt platform plugin this start would use: QT_QPA_PLATFORM, else the session's."""
    chosen = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if chosen:
        return chosen
    if os.environ.get("DISPLAY"):
        return "xcb"
    if os.environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    return ""


def _platform_line(platform: str) -> Line:
    """Can Qt's platform plugin load? Its missing system library is named, not a crash.

    Qt aborts the process when its platform plugin cannot load; loading the plugin's
    shared object first turns that into a line that names the missing library.
    """
    import ctypes  # (the self-test only: the GUI's start needs none of it)

    from PySide6.QtCore import QLibraryInfo

    from assistant.selftest import Line

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    plugin = folder / f"libq{platform}.so"
    if os.name == "posix" and plugin.is_file():
        try:
            ctypes.CDLL(str(plugin))
        except OSError as exc:
            return Line("FAIL", f"Qt platform {platform}", str(exc))
    if platform == "xcb":
        problem = _x_display_problem()
        if problem:
            return Line("FAIL", "Qt platform xcb", problem)
        return Line("OK", "Qt platform xcb", f"plugin loads, display {os.environ['DISPLAY']}")
    return Line("OK", f"Qt platform {platform}", f"plugin loads ({plugin.name})")


def _x_display_problem() -> str:
    """Why the X display cannot be opened ("" when it can), asked of libxcb directly."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError as exc:
        return str(exc)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(None, None)
    error = xcb.xcb_connection_has_error(conn)
    xcb.xcb_disconnect(conn)
    if error:
        display = os.environ.get("DISPLAY", "")
        return f"cannot connect to the X display {display!r} (xcb error {error})"
    return ""


def _window_lines(home: Path) -> Iterator[Line]:
    """The Qt platform plugin, then the main window built on a throw-away data directory.

    With a display the session's plugin (xcb) is tried; without one, offscreen.
    """
    from assistant.selftest import Line

    platform = _platform()
    if not platform:
        yield Line("WARN", "Qt platform", "no display here; the window is built offscreen")
        platform = "offscreen"
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    line = _platform_line(platform)
    yield line
    if line.verdict == "FAIL":
        return
    yield _binding_line()
    from PySide6.QtWidgets import QApplication

    from assistant.paths import resolve_paths
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["escalation-assistant"])
    assert isinstance(app, QApplication)
    ctx = AppContext(resolve_paths(home / "gui"))
    window = MainWindow(ctx)
    window.show()
    app.processEvents()
    shown = window.isVisible()
    window.close()
    ctx.shutdown()
    window.deleteLater()
    if not shown:
        yield Line("FAIL", "main window", f"not shown on {app.platformName()}")
        return
    yield Line("OK", "main window", f"built and shown on {app.platformName()}")


def _binding_line() -> Line:
    """Does this Qt binding keep reference counts over signal emits (``ui.binding_check``)?

    10,000 emits of each kind by default; the frozen smoke suite asks for 100,000 through
    ``ESCALATION_ASSISTANT_BINDING_EMITS``.
    """
    import PySide6

    from assistant.selftest import Line
    from ui.binding_check import KINDS, check_binding

    emits = int(os.environ.get("ESCALATION_ASSISTANT_BINDING_EMITS") or 10_000)
    lost = check_binding(emits)
    if lost:
        return Line(
            "FAIL",
            "Qt binding",
            f"PySide6 {PySide6.__version__}: {lost[0].describe()}; "
            "this release would crash the app after some hours",
        )
    return Line(
        "OK",
        "Qt binding",
        f"PySide6 {PySide6.__version__}: {emits:,} emits of each of {len(KINDS)} signal kinds "
        "keep the reference counts",
    )


def _self_test() -> int:
    from assistant.selftest import run_self_test

    return run_self_test(extra=_window_lines)


def _gui_options(argv: Sequence[str]) -> tuple[LaunchRequest, list[str]]:
    """The app's own options (--minimized, --new, --open ID) and the rest of ``argv``."""
    from ui.launch_request import LaunchRequest, add_gui_options

    parser = argparse.ArgumentParser(add_help=False)
    add_gui_options(parser)
    known, rest = parser.parse_known_args(list(argv))
    return LaunchRequest(known.minimized, known.new, known.open), rest


def main(argv: Sequence[str] | None = None) -> int:
    """The GUI when no command is given; otherwise the core's command line."""
    import sys

    from ui.source_cache import stop_source_caching

    stop_source_caching()  # first: every module imported after PySide6 would be cached
    request, rest = _gui_options(sys.argv[1:] if argv is None else argv)
    return cli_main(rest, gui=lambda d, c: _gui(d, c, request), self_test=_self_test)
