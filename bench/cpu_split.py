"""Where the machine's CPU went during a timed interval, by process and by thread (Linux /proc).

A benchmark that runs Chromium and a server on one machine needs to know whether a run was bound
by the CPU (then only less work makes it faster) or by waiting (then overlapping more does), and
which part did the work. `CpuTally(groups)` reads /proc at `start()` and `stop()`; `groups` maps
a name to a process group id (a process started with `start_new_session=True` leads its own
group: Chromium, gunicorn, a Node server). Chromium's processes are named by their `--type`
(browser, renderer, gpu-process, utility: network, storage, ...); the renderer's threads by their
own names (the page's main thread, each dedicated worker, compositor, ...). Reads only; asserts
nothing.
"""

import os

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(path):
    """(comm, pgrp, cpu seconds) of one /proc stat file, or None when it is gone."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    # After comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    return comm, int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK


def _chromium_part(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            # Chromium rewrites its children's command lines as one string with spaces.
            args = f.read().replace(b"\0", b" ").split()
    except OSError:
        return "gone"
    kind = next((a[7:].decode() for a in args if a.startswith(b"--type=")), "browser")
    sub = next((a[len("--utility-sub-type="):].split(b".")[0].decode() for a in args
                if a.startswith(b"--utility-sub-type=")), "")
    return "%s (%s)" % (kind, sub.lower()) if sub else kind


def _thread_name(comm):
    # The renderer's threads (names cut to 15 bytes by Linux): dedicated workers are
    # "DedicatedWorker" (one each); "ThreadPoolForeg" runs V8's concurrent garbage collection and
    # compilation; the rest (compositor, IO, ...) keep their own names.
    return {"ThreadPoolForeg": "thread pool (V8 GC, ...)", "Chrome_ChildIOT": "IO thread"}.get(comm, comm)


def snapshot(groups):
    """{(group, part): cpu seconds} now, for every process in the named process groups; a
    Chromium renderer is split into its threads (`renderer: <thread>`)."""
    wanted = {pgid: name for name, pgid in groups.items()}
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = _stat("/proc/%d/stat" % pid)
        if not st or st[1] not in wanted:
            continue
        group = wanted[st[1]]
        part = _chromium_part(pid) if group == "chromium" else st[0]
        if part == "renderer":
            try:
                tids = os.listdir("/proc/%d/task" % pid)
            except OSError:
                continue
            workers = 0
            for tid in sorted(tids, key=int):
                ts = _stat("/proc/%d/task/%s/stat" % (pid, tid))
                if not ts:
                    continue
                # The renderer's own main thread (tid = pid) is the page's.
                name = "page main thread" if int(tid) == pid else _thread_name(ts[0])
                if name.startswith("DedicatedWorker"):
                    workers += 1
                    name = "worker %d" % workers
                key = (group, "renderer %d: %s" % (pid, name))
                out[key] = out.get(key, 0) + ts[2]
            continue
        key = (group, part)
        out[key] = out.get(key, 0) + st[2]
    return out


def machine():
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])       # user nice system idle iowait irq softirq steal
    return (total - idle) / TICK, total / TICK


class CpuTally:
    """CPU seconds each part spent between start() and stop(), and how busy the machine was."""

    def __init__(self, groups):
        self.groups = groups

    def start(self):
        self.before, self.machine_before = snapshot(self.groups), machine()
        return self

    def stop(self):
        after, (busy, total) = snapshot(self.groups), machine()
        self.parts = {}
        for key, secs in after.items():
            spent = secs - self.before.get(key, 0)
            if spent >= 0.005:
                self.parts[key] = spent
        self.busy = busy - self.machine_before[0]
        self.elapsed = (total - self.machine_before[1]) / (os.cpu_count() or 1)
        return self

    def summary(self, top=8):
        """One line: the machine's busy share of its cores, then the largest parts in seconds."""
        cores = os.cpu_count() or 1
        share = self.busy / (self.elapsed * cores) if self.elapsed else 0
        # The busiest renderer is the page's tab (its pid says nothing to a reader); another (a
        # service worker's, a spare) keeps its pid.
        busy = {}
        for (_, part), secs in self.parts.items():
            if part.startswith("renderer "):
                busy[part.split(":")[0]] = busy.get(part.split(":")[0], 0) + secs
        tab = max(busy, key=busy.get) if busy else None
        parts = []
        for (group, part), secs in sorted(self.parts.items(), key=lambda kv: -kv[1])[:top]:
            if tab and part.startswith(tab + ":"):
                part = "renderer" + part[len(tab):]
            parts.append("%s %s %.2f s" % (group, part, secs))
        return "machine busy %.0f%% of %d cores over %.1f s (%.1f CPU s); %s" % (
            100 * share, cores, self.elapsed, self.busy, "; ".join(parts))
