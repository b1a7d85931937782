"""The reference client's transport: trust settings, waiting out 429s, and one clear line for an
answer that is not the API's."""

import http.server
import os
import ssl
import subprocess
import sys
import threading

import pytest

from client import APIError, HTTPTransport, TransportError, check
from client.transport import ca_bundle
from tlscert import self_signed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers, body) of the server's script."""

    def do_GET(self):
        self.server.seen += 1
        status, headers, body = self.server.script.pop(0) if self.server.script else (200, {}, b"{}")
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted(tmp_path):
    servers = []

    def start(script, tls=False):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
        server.script, server.seen = list(script), 0
        scheme = "http"
        if tls:
            cert, key = self_signed(tmp_path)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.cert = cert
            scheme = "https"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        server.url = "%s://127.0.0.1:%d" % (scheme, server.server_address[1])
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


NGINX_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def test_a_proxy_error_page_is_one_clear_line(scripted):
    server = scripted([(502, {"Content-Type": "text/html"}, NGINX_502)])
    with pytest.raises(TransportError) as err:
        HTTPTransport(server.url).request("GET", "/api/sync/pull")
    assert str(err.value) == "the server is unavailable (502); nothing was lost, try again"
    server = scripted([(200, {"Content-Type": "text/html"}, b"<html>Wi-Fi login</html>")])
    with pytest.raises(TransportError, match=r"not the Zapis API \(200\): check the address"):
        HTTPTransport(server.url).request("GET", "/api/sync/pull")


def test_a_429_is_waited_out_as_retry_after_says(scripted):
    limited = (429, {"Retry-After": "7", "Content-Type": "application/json"},
               b'{"error": {"code": "rate_limited", "message": "Too many attempts."}}')
    server = scripted([limited, limited, (200, {"Content-Type": "application/json"}, b'{"ok": 1}')])
    slept = []
    transport = HTTPTransport(server.url, sleep=slept.append)
    assert transport.request("POST", "/api/enroll", {"invite": "x"}) == (200, {"ok": 1})
    assert slept == [7, 7] and server.seen == 3
    # Longer than the client will wait, or too many times: the 429 is the answer.
    server = scripted([(429, {"Retry-After": "3600"}, limited[2])])
    status, body = HTTPTransport(server.url, sleep=slept.append).request("GET", "/api/me")
    assert status == 429 and body["error"]["code"] == "rate_limited" and slept == [7, 7]
    server = scripted([limited] * 5)
    assert HTTPTransport(server.url, sleep=slept.append, waits=2).request("GET", "/api/me")[0] == 429
    assert server.seen == 3


def test_the_ca_comes_from_the_option_then_ssl_cert_file_then_requests_then_the_system():
    env = {"SSL_CERT_FILE": "/a.pem", "REQUESTS_CA_BUNDLE": "/b.pem"}
    assert ca_bundle("/opt.pem", env) == "/opt.pem"
    assert ca_bundle(None, env) == "/a.pem"
    assert ca_bundle(None, {"REQUESTS_CA_BUNDLE": "/b.pem"}) == "/b.pem"
    system = ssl.get_default_verify_paths().cafile
    assert ca_bundle(None, {}) == (system if system and os.path.exists(system) else True)


def test_a_self_signed_server_is_trusted_with_ca_or_ssl_cert_file_and_not_otherwise(scripted, monkeypatch):
    server = scripted([(200, {"Content-Type": "application/json"}, b"{}")] * 3, tls=True)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with pytest.raises(TransportError, match="certificate is not trusted"):
        HTTPTransport(server.url).request("GET", "/healthz")
    assert HTTPTransport(server.url, ca=server.cert).request("GET", "/healthz") == (200, {})
    monkeypatch.setenv("SSL_CERT_FILE", server.cert)
    assert HTTPTransport(server.url).request("GET", "/healthz") == (200, {})
    # REQUESTS_CA_BUNDLE naming another file does not override the choice.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent.pem")
    assert HTTPTransport(server.url, ca=server.cert).request("GET", "/healthz") == (200, {})


def test_the_command_runs_from_any_directory_and_fails_in_one_line(scripted, tmp_path):
    server = scripted([(502, {"Content-Type": "text/html"}, NGINX_502)])
    env = {**os.environ, "PYTHONPATH": ROOT, "ZAPIS_PASSPHRASE": "correct horse battery staple"}
    link = "%s/join#c=code&w=ws&f=fp" % server.url
    run = subprocess.run([sys.executable, "-m", "client", "--state", "me.json", "enroll", link],
                         cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert run.stderr == "zapis: the server is unavailable (502); nothing was lost, try again\n"
    assert not (tmp_path / "me.json").exists()
    help_run = subprocess.run([sys.executable, "-m", "client", "--help"], cwd=str(tmp_path), env=env,
                              capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0 and "--ca" in help_run.stdout


def test_a_refusal_reads_as_the_registry_says_never_as_the_server_writes_it():
    from sync.refusals import message

    forged = APIError(403, "not_certified", "Call +375 29 ... now\x1b[2J")
    assert forged.line() == "%s (not_certified, 403)" % message("not_certified")
    unknown = APIError(418, "teapot", "short\nand\x1b[31mstout")
    assert unknown.line() == "short and [31mstout (teapot, 418)"
    assert APIError(500, "http_500", "").line() == "the server refused the request (http_500, 500)"


def test_errors_are_classified_as_the_pwa_engine_does(scripted):
    from client.core import classify

    assert classify(TransportError("no answer")) == {"status": 0, "code": "network", "message": "no answer",
                                                     "retry": True, "retryAfter": None}
    assert classify(TransportError("unavailable", 502))["code"] == "server"
    assert classify(APIError(400, "bad_request", "x")) == {
        "status": 400, "code": "bad_request", "message": APIError(400, "bad_request", "x").line(),
        "retry": False, "retryAfter": None}
    # A 429 longer than the client waits: its Retry-After travels to the result, in ms.
    server = scripted([(429, {"Retry-After": "3600", "Content-Type": "application/json"},
                        b'{"error": {"code": "rate_limited", "message": "Too many attempts."}}')])
    with pytest.raises(APIError) as err:
        check(*HTTPTransport(server.url).request("GET", "/api/me"))
    assert err.value.retry_after == 3600
    assert classify(err.value)["code"] == "rate_limited" and classify(err.value)["retryAfter"] == 3_600_000
    assert classify(APIError(503, "unavailable", "", 30))["retryAfter"] == 30_000
    assert classify(APIError(502, "bad_gateway", "", 30))["retryAfter"] is None


def test_no_answer_says_why_in_one_line():
    import requests

    from client.transport import unreachable

    base = "https://zapis.example.org"
    dns = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='zapis.example.org', port=443): Max retries exceeded (Caused by "
        "NameResolutionError(\"Failed to resolve 'zapis.example.org' ([Errno -2] Name or service not "
        "known)\"))")
    assert unreachable(dns, base) == (
        "the server's name was not found (https://zapis.example.org): check the address and the network")
    refused = requests.exceptions.ConnectionError("Max retries exceeded (Caused by NewConnectionError("
                                                  "'[Errno 111] Connection refused'))")
    assert unreachable(refused, base).startswith("the server refused the connection (https://zapis.example.org)")
    tls = requests.exceptions.SSLError("certificate verify failed: self-signed certificate")
    assert unreachable(tls, base).startswith("the server's certificate is not trusted")
    assert unreachable(requests.exceptions.ReadTimeout("read timed out"), base).startswith(
        "the server did not answer in time")
    assert unreachable(requests.exceptions.MissingSchema("no scheme"), "zapis.example.org") == (
        "zapis.example.org is not a server address (https://host)")


def test_an_answer_is_parsed_with_the_collector_paused_and_it_is_back_on_after(scripted, monkeypatch):
    import gc
    import json

    seen = []
    real = json.loads

    def loads(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(json, "loads", loads)
    server = scripted([(200, {"Content-Type": "application/json"}, b'{"changes": [[1, 2], [3]]}'),
                       (502, {"Content-Type": "text/html"}, NGINX_502)])
    transport = HTTPTransport(server.url)
    assert transport.request("GET", "/api/sync/pull") == (200, {"changes": [[1, 2], [3]]})
    with pytest.raises(TransportError):
        transport.request("GET", "/api/sync/pull")
    assert seen and seen[0] is False and gc.isenabled()
