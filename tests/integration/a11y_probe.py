"""What a screen reader sees of the app: read the AT-SPI tree with pyatspi (Debian's).

Run with the system Python (``/usr/bin/python3``; the venv does not see python3-pyatspi),
on the session bus where the app runs:

    /usr/bin/python3 tests/integration/a11y_probe.py dump APP_NAME
        → JSON on stdout: the focusable, showing controls of the app's active window with
          role, name, description, states, label relations, and text of labels.
    /usr/bin/python3 tests/integration/a11y_probe.py listen APP_NAME SECONDS
        → prints "listening", then one JSON line per event a screen reader may speak
          (object:announcement, showing, text and name changes, windows) for SECONDS.

Imports nothing from the project: it stands for Orca.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pyatspi  # type: ignore[import-not-found]


def find_app(name: str, timeout: float = 20.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == name:
                return app
        time.sleep(0.2)
    raise SystemExit(f"no application named {name!r} on the accessibility bus")


def walk(node: Any, depth: int = 0) -> Any:
    if node is None or depth > 60:
        return
    yield node
    try:
        count = node.childCount
    except Exception:
        return
    for i in range(count):
        try:
            child = node.getChildAtIndex(i)
        except Exception:
            continue
        yield from walk(child, depth + 1)


def describe(node: Any) -> dict[str, Any]:
    states = node.getState()
    labelled_by: list[str] = []
    for rel in node.getRelationSet():
        if rel.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            for i in range(rel.getNTargets()):
                target = rel.getTarget(i)
                labelled_by.append(target.name if target is not None else "")
    text = ""
    try:
        itext = node.queryText()
        text = itext.getText(0, itext.characterCount)
    except NotImplementedError:
        pass
    except Exception:
        pass
    parent = node.parent
    return {
        "parent": f"{parent.getRoleName()}|{parent.name}" if parent is not None else "",
        "role": node.getRoleName(),
        "name": node.name or "",
        "description": node.description or "",
        "focusable": states.contains(pyatspi.STATE_FOCUSABLE),
        "showing": states.contains(pyatspi.STATE_SHOWING),
        "labelled_by": labelled_by,
        "text": text,
        "attributes": _attributes(node),
    }


def _attributes(node: Any) -> dict[str, str]:
    try:
        pairs = node.getAttributes() or []
    except Exception:
        return {}
    out: dict[str, str] = {}
    for pair in pairs:
        key, _, value = str(pair).partition(":")
        out[key] = value
    return out


def active_window(app: Any) -> Any:
    for i in range(app.childCount):
        window = app.getChildAtIndex(i)
        if window is not None and window.getState().contains(pyatspi.STATE_ACTIVE):
            return window
    # Without a window manager no window is "active": take the showing one with most content.
    showing = [
        app.getChildAtIndex(i)
        for i in range(app.childCount)
        if app.getChildAtIndex(i) is not None
        and app.getChildAtIndex(i).getState().contains(pyatspi.STATE_SHOWING)
    ]
    return max(showing, key=lambda w: sum(1 for _ in walk(w)), default=None)


def dump(name: str) -> int:
    app = find_app(name)
    window = active_window(app)
    if window is None:
        print(json.dumps({"error": "no window"}))
        return 1
    nodes = [describe(n) for n in walk(window)]
    print(
        json.dumps(
            {
                "window": {"role": window.getRoleName(), "name": window.name},
                "nodes": [n for n in nodes if n["showing"]],
            }
        )
    )
    return 0


def listen(name: str, seconds: float) -> int:
    app = find_app(name)
    app_name = app.name

    def on_event(event: Any) -> None:
        try:
            source = event.source
            if source is None or source.getApplication().name != app_name:
                return
            role = source.getRoleName()
            kind = event.type
            record = {
                "type": str(kind),
                "role": role,
                "name": source.name or "",
                "detail": str(event.any_data) if event.any_data is not None else "",
            }
            print(json.dumps(record), flush=True)
        except Exception as exc:  # a node that went away meanwhile
            print(json.dumps({"type": "probe-error", "detail": repr(exc)}), flush=True)

    for kind in (
        "object:announcement",
        "object:state-changed:showing",
        "object:text-changed",
        "object:property-change:accessible-name",
        "window",
    ):
        pyatspi.Registry.registerEventListener(on_event, kind)
    print("listening", flush=True)

    from gi.repository import GLib  # type: ignore[import-not-found]

    GLib.timeout_add(int(seconds * 1000), lambda: pyatspi.Registry.stop() or False)
    pyatspi.Registry.start()
    return 0


if __name__ == "__main__":
    verb = sys.argv[1]
    if verb == "dump":
        sys.exit(dump(sys.argv[2]))
    if verb == "listen":
        sys.exit(listen(sys.argv[2], float(sys.argv[3])))
    raise SystemExit(f"unknown command {verb}")
