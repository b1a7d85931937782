"""A small TCP proxy of the tests' own that misbehaves like a bad mobile network: it drops
connections before the request reaches the server and after (so the server acts but the answer
is lost), truncates responses, and delays them."""

import random
import socket
import threading
import time

FAULTS = ("drop_before", "drop_after", "truncate", "delay", None, None, None)


class FaultyProxy:
    """Listens on a free loopback port and forwards to (host, port), one fault per connection."""

    def __init__(self, host, port, seed=0):
        self.target = (host, port)
        self.rnd = random.Random(seed)
        self.faulty = False
        self.counts = {}
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.sock.close()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                fault = self.rnd.choice(FAULTS) if self.faulty else None
                self.counts[fault] = self.counts.get(fault, 0) + 1
                cut = self.rnd.randrange(1, 400)
            threading.Thread(target=self._serve, args=(client, fault, cut), daemon=True).start()

    def _serve(self, client, fault, cut):
        # One request per connection: "Connection: close" is forced, so each fault hits exactly
        # one request and the client must open a new connection to retry.
        try:
            request = _read_request(client)
            if request is None:
                return
            if fault == "drop_before":
                return
            upstream = socket.create_connection(self.target, timeout=30)
            try:
                upstream.sendall(request)
                response = _read_all(upstream)
            finally:
                upstream.close()
            if fault == "drop_after":
                return
            if fault == "truncate":
                response = response[:max(1, min(cut, len(response) - 1))]
            elif fault == "delay":
                time.sleep(self.rnd.uniform(0.2, 1.0))
            client.sendall(response)
        except OSError:
            pass
        finally:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()


def _read_request(sock):
    """Read one HTTP request (head and Content-Length body); rewrite it to close afterwards."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body


def _read_all(sock):
    out = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(out)
        out.append(chunk)
