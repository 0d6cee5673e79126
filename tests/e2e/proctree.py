"""The process tree as /proc shows it: each process's parent, executable and resident memory.
One home for the walks the desktop suite (measure.py, appdriver.py, tests) and the load
comparison (tests/harness/peers/load_vs_artillery.py) make; no dependency beyond the stdlib."""

import os
from pathlib import Path


def processes():
    """pid -> (ppid, exe, rss_kb) for every process whose status we may read (exe is "" when
    it cannot be read: a zombie, or a process exiting as we look)."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            status = (d / "status").read_text()
            ppid = int(next(l for l in status.splitlines() if l.startswith("PPid:")).split()[1])
            rss = next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS:")), 0)
        except (OSError, StopIteration, ValueError):
            continue
        try:
            exe = os.readlink(d / "exe")
        except OSError:
            exe = ""
        out[int(d.name)] = (ppid, exe, rss)
    return out


def descendants(procs, root):
    """Every pid below `root` in `procs` (from `processes()`)."""
    found, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, (pp, _, _) in procs.items() if pp == p]
        found += kids
        todo += kids
    return found


def tree_rss_kib(root):
    """Resident memory of `root` and everything below it, KiB."""
    procs = processes()
    return sum(procs[p][2] for p in [root, *descendants(procs, root)] if p in procs)
