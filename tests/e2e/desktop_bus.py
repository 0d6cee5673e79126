"""The desktop around the app, played on the suite's private D-Bus session (run.sh starts it):
a notification daemon (org.freedesktop.Notifications) that records what the app shows and can
click a notification, and a tray host (org.kde.StatusNotifierWatcher) with which the app's tray
icon registers, so the suite can read the icon's menu and click its items (com.canonical.dbusmenu),
the way a desktop's panel does. Runs an asyncio loop on its own thread (dbus-next)."""

import asyncio
import threading
import time

from dbus_next import Variant
from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, dbus_property, method, signal
from dbus_next.constants import PropertyAccess


class _Notifications(ServiceInterface):
    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.shown: list[dict] = []
        self._next = 0

    @method()
    def GetCapabilities(self) -> "as":  # noqa: F821 (D-Bus signatures)
        return ["actions", "body"]

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s",  # noqa: F821
               body: "s", actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":  # noqa: F821
        self._next += 1
        self.shown.append({"id": self._next, "app": app_name, "summary": summary, "body": body,
                           "actions": list(actions)})
        return self._next

    @method()
    def CloseNotification(self, id: "u"):  # noqa: F821
        self.NotificationClosed(id, 3)

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821
        return ["parlor-e2e", "parlor", "1", "1.2"]

    @signal()
    def ActionInvoked(self, id: "u", action: "s") -> "us":  # noqa: F821
        return [id, action]

    @signal()
    def NotificationClosed(self, id: "u", reason: "u") -> "uu":  # noqa: F821
        return [id, reason]


class _Watcher(ServiceInterface):
    def __init__(self):
        super().__init__("org.kde.StatusNotifierWatcher")
        self.items: list[tuple[str, str]] = []  # (bus name, object path)

    @method()
    def RegisterStatusNotifierItem(self, service: "s"):  # noqa: F821
        # The item names its path (or its bus name, then the path is the standard one).
        sender = self._sender or service
        path = service if service.startswith("/") else "/StatusNotifierItem"
        name = sender if service.startswith("/") else service
        self.items.append((name, path))
        self.StatusNotifierItemRegistered(f"{name}{path}")

    @method()
    def RegisterStatusNotifierHost(self, service: "s"):  # noqa: F821
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":  # noqa: F821
        return [f"{n}{p}" for n, p in self.items]

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":  # noqa: F821
        return 0

    @signal()
    def StatusNotifierItemRegistered(self, item: "s") -> "s":  # noqa: F821
        return item

    @signal()
    def StatusNotifierHostRegistered(self):
        return None


class DesktopBus:
    """The notification daemon and the tray host, on the session bus."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.notifications = _Notifications()
        self.watcher = _Watcher()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("the suite's desktop services did not start on D-Bus")

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()

    async def _start(self):
        self.bus = await MessageBus().connect()
        # The watcher's RegisterStatusNotifierItem needs the caller's bus name.
        orig = self.bus._make_method_handler

        def handler(interface, method_):
            inner = orig(interface, method_)

            def wrapped(msg, send_reply):
                interface._sender = msg.sender
                return inner(msg, send_reply)
            return wrapped
        self.bus._make_method_handler = handler
        self.bus.export("/org/freedesktop/Notifications", self.notifications)
        self.bus.export("/StatusNotifierWatcher", self.watcher)
        await self.bus.request_name("org.freedesktop.Notifications")
        await self.bus.request_name("org.kde.StatusNotifierWatcher")
        self.watcher.StatusNotifierHostRegistered()

    def _call(self, coro, timeout=15):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    # --- notifications --------------------------------------------------------------------

    def shown(self) -> list[dict]:
        return list(self.notifications.shown)

    def click(self, notification_id: int):
        """What a click on the notification's body does: the default action."""
        async def go():
            self.notifications.ActionInvoked(notification_id, "default")
        self._call(go())

    # --- the tray ---------------------------------------------------------------------------

    def tray_item(self):
        items = self.watcher.items
        return items[-1] if items else None

    async def _props(self, name, path, iface):
        intro = await self.bus.introspect(name, path)
        obj = self.bus.get_proxy_object(name, path, intro)
        props = obj.get_interface("org.freedesktop.DBus.Properties")
        return await props.call_get_all(iface)

    def tray_properties(self) -> dict:
        name, path = self.tray_item()
        raw = self._call(self._props(name, path, "org.kde.StatusNotifierItem"))
        return {k: v.value for k, v in raw.items()}

    async def _menu(self, name, menu_path):
        intro = await self.bus.introspect(name, menu_path)
        obj = self.bus.get_proxy_object(name, menu_path, intro)
        return obj.get_interface("com.canonical.dbusmenu")

    def tray_menu(self) -> list[dict]:
        """The menu's items: {id, label, enabled} (separators left out)."""
        name, _ = self.tray_item()
        menu_path = self.tray_properties()["Menu"]

        async def go():
            menu = await self._menu(name, menu_path)
            _rev, layout = await menu.call_get_layout(0, -1, [])
            out = []

            def walk(node):
                item_id, props, children = node
                label = props.get("label")
                if label is not None and props.get("type", Variant("s", "")).value != "separator":
                    enabled = props.get("enabled")
                    out.append({"id": item_id, "label": label.value.replace("_", ""),
                                "enabled": True if enabled is None else enabled.value})
                for c in children:
                    walk(c.value)
            walk(layout)
            return out
        return self._call(go())

    def tray_click(self, label: str):
        """Clicks the menu item whose label is `label`."""
        item = next((i for i in self.tray_menu() if i["label"] == label), None)
        assert item is not None, f"no tray menu item {label!r}: {self.tray_menu()}"
        name, _ = self.tray_item()
        menu_path = self.tray_properties()["Menu"]

        async def go():
            menu = await self._menu(name, menu_path)
            await menu.call_about_to_show(item["id"])
            await menu.call_event(item["id"], "clicked", Variant("s", ""), int(time.time()))
        self._call(go())
