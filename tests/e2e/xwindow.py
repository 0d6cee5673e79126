"""The app's window as a window manager sees it (Xlib on the suite's Xvfb display): its title,
whether it is shown, its urgency hint, and a click on its close button (WM_DELETE_WINDOW)."""

import os

from Xlib import X, Xatom, display, protocol

WM_URGENCY = 1 << 8  # XUrgencyHint in WM_HINTS flags


class XWindows:
    def __init__(self):
        self.d = display.Display(os.environ["DISPLAY"])
        self.root = self.d.screen().root
        self.NET_WM_NAME = self.d.intern_atom("_NET_WM_NAME")
        self.UTF8 = self.d.intern_atom("UTF8_STRING")
        self.WM_PROTOCOLS = self.d.intern_atom("WM_PROTOCOLS")
        self.WM_DELETE = self.d.intern_atom("WM_DELETE_WINDOW")

    def title_of(self, w) -> str:
        try:
            p = w.get_full_property(self.NET_WM_NAME, self.UTF8)
            if p and p.value:
                return p.value.decode() if isinstance(p.value, bytes) else str(p.value)
            name = w.get_wm_name()
            return name.decode() if isinstance(name, bytes) else (name or "")
        except Exception:
            return ""

    def _walk(self, w):
        try:
            children = w.query_tree().children
        except Exception:
            return
        for c in children:
            yield c
            yield from self._walk(c)

    def app_window(self, pid: int | None = None):
        """The top-level window titled Parlor (or "(n) Parlor"), preferring one of `pid`."""
        found = []
        for w in self._walk(self.root):
            t = self.title_of(w)
            if t == "Parlor" or (t.endswith(") Parlor") and t.startswith("(")):
                found.append(w)
        return found[0] if found else None

    def title(self) -> str:
        w = self.app_window()
        self.d.sync()
        return self.title_of(w) if w else ""

    def shown(self) -> bool:
        w = self.app_window()
        return bool(w) and w.get_attributes().map_state == X.IsViewable

    def urgent(self) -> bool:
        w = self.app_window()
        hints = w.get_wm_hints() if w else None
        return bool(hints and hints.flags & WM_URGENCY)

    def close(self):
        """What the title bar's close button does: asks the app to close (WM_DELETE_WINDOW)."""
        w = self.app_window()
        assert w is not None, "the app's window was not found on the display"
        ev = protocol.event.ClientMessage(window=w, client_type=self.WM_PROTOCOLS,
                                          data=(32, [self.WM_DELETE, X.CurrentTime, 0, 0, 0]))
        w.send_event(ev, event_mask=X.NoEventMask)
        self.d.flush()
