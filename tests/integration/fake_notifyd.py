"""A minimal desktop notification server for tests: owns ``org.freedesktop.Notifications``
on the session bus (``$DBUS_SESSION_BUS_ADDRESS``) and answers ``GetServerInformation``;
prints ``owned`` once the name is its own. Run as ``python -m tests.integration.fake_notifyd``.
"""

from __future__ import annotations

from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    MessageType,
    new_error,
    new_method_return,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

NAME = "org.freedesktop.Notifications"


def main() -> None:
    conn = open_dbus_connection(bus="SESSION")
    conn.send_and_get_reply(message_bus.RequestName(NAME))
    print("owned", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        if msg.header.fields.get(HeaderFields.member) == "GetServerInformation":
            conn.send(new_method_return(msg, "ssss", ("fake-notifyd", "tests", "1.0", "1.2")))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("",)))


if __name__ == "__main__":
    main()
