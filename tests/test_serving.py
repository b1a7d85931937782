"""How gunicorn serves the app (server/gunicorn_conf.py): a connection opened and never used, as
Chromium opens them ahead of time, holds no worker, so the requests that follow are answered at
once instead of after the worker timeout."""

import socket
import time
import urllib.request

# More than the worker processes (2), fewer than the threads of one (4): Chromium keeps one or two
# such connections. gthread gives each new connection a thread for up to 5 s before it parks it.
SILENT = 3


def test_silent_connections_do_not_hold_the_workers(live_server):
    host, port = live_server.url.split("//")[1].split(":")
    silent = [socket.create_connection((host, int(port))) for _ in range(SILENT)]
    try:
        time.sleep(0.3)  # let the workers accept them
        for _ in range(5):  # a held worker would answer only when the 60 s timeout freed it
            with urllib.request.urlopen(live_server.url + "/api/openapi.json", timeout=4) as answer:
                assert answer.status == 200
    finally:
        for s in silent:
            s.close()
    assert "WORKER TIMEOUT" not in live_server.logs()
