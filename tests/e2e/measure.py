"""Measures the desktop app: time from launch to the dashboard (demo mode signs in by
itself), idle memory of the running app (its process, and with WebKit's helper processes),
and the .deb's size when one was built. Prints a table; writes screenshots/measurements.json.
Run by tests/e2e/run.sh (which provides the display, D-Bus and the keyring)."""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from appdriver import SHOTS, App, TauriDriver
from conftest import MINUTE_MS, TARGET, TOOLS
from proctree import descendants, processes
from refserver import RefServer


def pss_kib(pid: int) -> int:
    """Proportional set size: shared libraries split among the processes that map them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# Where the idle memory is, by what mapped it: the app can shrink its own binary and heaps;
# WebKitGTK's libraries and the GL driver it opens are the system's.
ORIGINS = (
    ("WebKitGTK and JavaScriptCore libraries", ("libwebkit2gtk", "libjavascriptcoregtk")),
    ("GL driver (Mesa; llvmpipe without a GPU)", ("libLLVM", "/dri/", "libgallium", "libGL", "libEGL")),
    ("heaps, stacks, JS and other anonymous memory", ("[heap]", "[stack", "[anon", "/SYSV", "/memfd:")),
)


def pss_by_origin(pids, app_bin: str) -> dict:
    """PSS (KiB) of `pids` summed by origin: the app binary, ORIGINS, other libraries."""
    app = os.path.realpath(app_bin)
    totals = {}
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
        except OSError:
            continue
        origin = None
        for line in lines:
            fields = line.split()
            if fields and "-" in fields[0] and not fields[0].endswith(":"):
                path = fields[5] if len(fields) > 5 else "[anon]"
                if path == app:
                    origin = "the app binary"
                else:
                    origin = next((name for name, marks in ORIGINS
                                   if any(m in path for m in marks)),
                                  "other libraries (GTK, GLib, ICU, speech, …)")
            elif fields and fields[0] == "Pss:" and origin:
                totals[origin] = totals.get(origin, 0) + int(fields[1])
    return totals


def deb_size():
    """The newest .deb from desktop/build.sh (its bundle dir), or None."""
    debs = sorted((TARGET / "release" / "bundle" / "deb").glob("*.deb"), key=os.path.getmtime)
    extra = os.environ.get("PARLOR_DEB")
    if extra:
        debs.append(Path(extra))
    return (debs[-1], debs[-1].stat().st_size) if debs else (None, None)


def measure(app_bin: str) -> dict:
    """Launch-to-dashboard time and idle memory of one build of the app, in demo mode."""
    tmp = Path(tempfile.mkdtemp(prefix="parlor-measure-"))
    env = {**os.environ, "WEBKIT_DISABLE_DMABUF_RENDERER": "1"}
    for k in ("DATA", "CONFIG", "CACHE", "STATE"):
        (tmp / k).mkdir()
        env[f"XDG_{k}_HOME"] = str(tmp / k)
    server = RefServer("000_billing_chat.js", {"PARLOR_BILLING_MINUTE_MS": MINUTE_MS},
                       log=tmp / "server.log")
    token_file = tmp / "expert.token"
    token_file.write_text(server.mint("a-sharma"))
    token_file.chmod(0o600)
    profile = tmp / "expert.toml"
    profile.write_text(
        f'name = "Demo"\ndialect = "billing-chat"\nsocket_url = "{server.url}"\n'
        f'account_id = "a-sharma"\nbilling_minute_ms = {MINUTE_MS}\n[token]\nfile = "{token_file}"\n')
    driver = TauriDriver(os.environ.get("PARLOR_TAURI_DRIVER", str(TOOLS / "cargo/bin/tauri-driver")),
                         env, tmp / "tauri-driver.log")
    build = ("installed" if app_bin.startswith("/usr/")
             else "release" if "/release/" in app_bin else "debug")
    try:
        t0 = time.monotonic()
        app = App(driver, app_bin, ["--demo", str(profile)], prefix=f"measure-{build}")
        t_window = time.monotonic() - t0
        app.wait_screen("dashboard", 60)
        t_dash = time.monotonic() - t0
        app.shot("demo-dashboard")
        time.sleep(10)  # idle on the dashboard
        procs = processes()
        mine = descendants(procs, driver.proc.pid)
        apps = [p for p in mine if procs[p][1] == os.path.realpath(app_bin)]
        assert apps, "the app process was not found under tauri-driver"
        app_rss = procs[apps[0]][2]
        helpers = descendants(procs, apps[0])
        total = app_rss + sum(procs[p][2] for p in helpers)
        pss = sum(pss_kib(p) for p in [apps[0], *helpers])
        origins = pss_by_origin([apps[0], *helpers], app_bin)
        app.quit()
    finally:
        driver.stop()
        server.stop()
    return {"build": build, "binary": app_bin, "launch_to_window_s": round(t_window, 3),
            "launch_to_dashboard_s": round(t_dash, 3), "idle_rss_app_kib": app_rss,
            "idle_rss_with_webkit_kib": total, "idle_pss_with_webkit_kib": pss,
            "idle_pss_by_origin_kib": origins}


def main():
    chosen = os.environ.get("PARLOR_DESKTOP_APP")
    builds = [chosen or str(TARGET / "debug" / "parlor-desktop")]
    release = TARGET / "release" / "parlor-desktop"
    if not chosen and release.exists():
        builds.append(str(release))
    results = [measure(b) for b in builds]
    rows = []
    for r in results:
        b = r["build"]
        rows += [
            (f"launch → dashboard, demo-mode sign-in ({b})", f"{r['launch_to_dashboard_s']:.2f} s"),
            (f"  of which launch → window ready ({b})", f"{r['launch_to_window_s']:.2f} s"),
            (f"idle RSS, app process ({b})", f"{r['idle_rss_app_kib'] / 1024:.1f} MiB"),
            (f"idle RSS, app + WebKit web/network processes ({b})",
             f"{r['idle_rss_with_webkit_kib'] / 1024:.1f} MiB"),
            (f"idle PSS, app + WebKit processes ({b})", f"{r['idle_pss_with_webkit_kib'] / 1024:.1f} MiB"),
        ]
        rows += [(f"  of which {origin}", f"{kib / 1024:.1f} MiB")
                 for origin, kib in sorted(r["idle_pss_by_origin_kib"].items(), key=lambda kv: -kv[1])]
    deb, size = deb_size()
    rows.append((".deb size" + (f" ({deb.name})" if deb else ""),
                 f"{size / 1024 / 1024:.2f} MiB" if size else "not built (desktop/build.sh)"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "measurements.json").write_text(json.dumps(
        {"runs": results, "deb": str(deb) if deb else None, "deb_bytes": size}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
