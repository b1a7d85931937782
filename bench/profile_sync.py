"""Profile the server's side of push, full pull and no-op pull in one process, with pyinstrument:
the app is called through Flask's test client (no gunicorn, no sockets), on SQLite or PostgreSQL.
Records are 8 fields of 1.2 KB of ciphertext, saved before profiling starts.

    .venv/bin/python bench/profile_sync.py [--records 2000] [--backend sqlite] [--out bench/out]

Writes one text profile per phase (push.txt, pull.txt, noop.txt) into --out and prints their
heads. pyinstrument is not a project requirement: install it into bench/.env/tools (see
bench/README.md) or have it in the environment that runs this.
"""

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE)]
sys.path.insert(1, HERE)

from benchlib import backend_url, drop_backend, record_fields  # noqa: E402
from sync import dense  # noqa: E402


class FlaskTransport:
    """The reference client's transport interface over Flask's test client, gzip both ways like HTTP."""

    def __init__(self, app):
        self.client = app.test_client()

    def request(self, method, path, body=None, token=None, params=None):
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", dense.HEADER: dense.PROTOCOL}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(data) > 8192:
                data = gzip.compress(data, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        r = self.client.open(path, method=method, data=data, headers=headers, query_string=params)
        raw = r.get_data()
        if r.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return r.status_code, json.loads(raw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--noops", type=int, default=300)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args()
    from pyinstrument import Profiler

    from client import Client
    from server import create_app
    from server.cli import new_workspace
    from server.extensions import db

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = backend_url(args.backend, tmp)
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
            with app.app_context():
                ws, token = new_workspace()
                ws_id = ws.id
                db.session.remove()
            transport = FlaskTransport(app)
            root = Client.bootstrap(transport, token, ws_id)
            writer = Client.enroll_link(root.create_invite("volunteer"), transport=transport)
            root.certify(writer.replica.device)
            writer.pull()
            # The root coordinator pulls, as a coordinator's new device would: authority follows
            # certificates, so an uncertified second coordinator would see no one's records.
            reader = root
            for i in range(args.records):
                writer.save(record_fields(i))

            def phase(name, fn):
                profiler = Profiler(interval=0.0005)
                t = time.perf_counter()
                profiler.start()
                result = fn()
                profiler.stop()
                elapsed = time.perf_counter() - t
                text = profiler.output_text(unicode=False, color=False, show_all=False)
                with open(os.path.join(args.out, name + ".txt"), "w", encoding="utf-8") as f:
                    f.write(text)
                print("== %s: %.2f s (%s)" % (name, elapsed, result))
                print("\n".join(text.splitlines()[:60]))
                return result

            phase("push", lambda: writer.push())

            def pull():
                cursor = 0
                while True:
                    status, page = transport.request("GET", "/api/sync/pull", None, reader.token,
                                                     {"cursor": cursor})
                    cursor = page["cursor"]
                    if not page["more"]:
                        return cursor

            cursor = phase("pull", pull)

            def noop():
                for _ in range(args.noops):
                    transport.request("GET", "/api/sync/pull", None, reader.token, {"cursor": cursor})
                return args.noops

            phase("noop", noop)
        finally:
            drop_backend(args.backend, url)


if __name__ == "__main__":
    main()
