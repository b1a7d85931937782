"""Real servers for tests: gunicorn serving the app on a free loopback port, logs kept in files."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _die_with_parent():
    # If the test or benchmark that started gunicorn dies, gunicorn goes too (Linux), instead of
    # lingering on its port and its database. The signal follows the *thread* that started it:
    # start servers from a thread that outlives them (the main thread, as every caller does).
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port(host="127.0.0.1"):
    """A TCP port on `host` (a loopback address) that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class GunicornServer:
    """gunicorn with the project's gunicorn.conf.py, as the README deploys it."""

    def __init__(self, db_url, log_dir, workers=2, env=None, port=None, preload=False, host="127.0.0.1",
                 command=None):
        self.db_url = db_url
        # How gunicorn is started, run in the checkout: by default the project's gunicorn.conf.py
        # and wsgi.py; tests/test_deployment.py starts hosts as the README does (`zapis serve`).
        self.command = command or [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
        self.log_dir = str(log_dir)
        self.workers = workers
        self.host = host
        self.port = port or free_port(host)
        self.url = "http://%s:%d" % (host, self.port)
        self.access_log = os.path.join(self.log_dir, "access.log")
        self.error_log = os.path.join(self.log_dir, "error.log")
        self.extra_env = dict(env or {})
        if preload:
            # Import the app once in the master and fork the workers: a restart takes a second
            # instead of several, which matters to a test that restarts fifty times.
            self.extra_env["GUNICORN_CMD_ARGS"] = "--preload"
        self.proc = None

    def start(self, timeout=30):
        """Start gunicorn and wait until /healthz answers."""
        env = {**os.environ, "DATABASE_URL": self.db_url, "ZAPIS_BIND": "%s:%d" % (self.host, self.port),
               "WEB_CONCURRENCY": str(self.workers), "ZAPIS_ACCESS_LOG": self.access_log,
               "ZAPIS_ERROR_LOG": self.error_log, "ZAPIS_RATELIMIT": "0", **self.extra_env}
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.logs())
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in %ss:\n%s" % (timeout, self.logs()))

    def stop(self):
        """Stop gracefully (SIGTERM to the whole process group)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self):
        """Crash: SIGKILL the master and every worker at once."""
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None

    def logs(self):
        """Everything gunicorn and the app wrote to their logs."""
        out = []
        for path in (self.access_log, self.error_log):
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    out.append(f.read())
        return "\n".join(out)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
