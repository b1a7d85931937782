"""The reference client's command line as a person runs it: `python -m client ...` in a subprocess,
from another directory, against gunicorn (SQLite: the command line is the same on both backends).
Every error is one line on stderr and a non-zero exit status, never a traceback."""

import http.server
import json
import os
import shlex
import subprocess
import sys
import threading

import pytest

from client.cli import EXAMPLES, _escape, _unescape, main, parser
from servers import GunicornServer, free_port
from support import new_workspace_on
from sync.refusals import message
from tlscert import self_signed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSPHRASE = "correct horse battery staple"
COMMANDS = ("setup", "enroll", "sync", "save", "ack", "export", "invite", "certify", "revoke", "rotate",
            "safety", "attach", "attachments", "fetch-attachment")


def zapis(cwd, *args, passphrase=PASSPHRASE, env=None, code=0, pre=()):
    """Run the client in `cwd`; check its exit status; return (stdout, stderr)."""
    full = {**os.environ, "PYTHONPATH": ROOT, "ZAPIS_PASSPHRASE": passphrase, **(env or {})}
    full = {k: v for k, v in full.items() if v is not None}
    run = subprocess.run([sys.executable, *pre, "-m", "client", *args], cwd=str(cwd), env=full,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == code, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    return run.stdout, run.stderr


@pytest.fixture
def backend():
    """SQLite only: the command line is the same on both backends (the API tests cover both)."""
    return "sqlite"


@pytest.fixture
def sqlite_server(live_server):
    return live_server


def setup_link(server, db_url):
    ws, token = new_workspace_on(db_url)
    return "%s/setup#t=%s&w=%s" % (server.url, token, ws)


def test_help_lists_every_command_the_passphrase_and_works_without_isal(tmp_path):
    out, _ = zapis(tmp_path, "--help")
    for word in COMMANDS + ("ZAPIS_PASSPHRASE", "ZAPIS_STATE", "SSL_CERT_FILE", "--ca", "--debug"):
        assert word in out, word
    # isal only speeds up gzip: without it the help (and everything else) still works.
    blocked = ("-c", "import sys, runpy; sys.modules['isal'] = None; sys.argv[0] = 'x'; "
               "runpy.run_module('client', run_name='__main__')")
    run = subprocess.run([sys.executable, *blocked, "--help"], cwd=str(tmp_path), capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert run.returncode == 0 and "enroll" in run.stdout, run.stderr
    out, _ = zapis(tmp_path, "enroll", "--help")
    assert "--state" in out and "link" in out


def test_every_example_in_the_help_is_a_valid_command_line():
    examples = [line.strip() for line in EXAMPLES.splitlines() if line.strip().startswith("%(prog)s")]
    assert {shlex.split(e)[3] for e in examples} == set(COMMANDS) - {"rotate"}
    for line in examples:
        words = shlex.split(line.split(" > ")[0])   # a shell redirection is not the command's
        args = parser("zapis-client").parse_args(words[1:])
        assert args.state == "me.json" and args.command in COMMANDS


def test_setup_enroll_certify_save_sync_export_round_trip(sqlite_server, db_url, tmp_path):
    coordinator, volunteer = tmp_path / "coordinator", tmp_path / "volunteer"
    coordinator.mkdir()
    volunteer.mkdir()
    out, _ = zapis(coordinator, "--state", "me.json", "setup", setup_link(sqlite_server, db_url))
    assert "Joined as" in out and "(coordinator)" in out and (coordinator / "me.json").exists()
    link, _ = zapis(coordinator, "--state", "me.json", "invite", "volunteer")
    link = link.strip()
    assert link.startswith(sqlite_server.url + "/join#c=") and "&r=volunteer" in link
    # --state may follow the command as well.
    out, _ = zapis(volunteer, "enroll", link, "--state", "me.json")
    device = out.split("Joined as ")[1].split(" ")[0]
    safety, _ = zapis(volunteer, "--state", "me.json", "safety")
    assert out.startswith("Safety number (compare it with your coordinator's screen): " + safety.strip())
    out, _ = zapis(coordinator, "--state", "me.json", "certify", device, "--safety", safety.strip())
    assert out == "Certified %s.\n" % device
    record, _ = zapis(volunteer, "--state", "me.json", "save",
                      '{"kind": "need", "category": "legal", "description": "A lawyer"}')
    record = record.strip()
    out, _ = zapis(volunteer, "--state", "me.json", "sync", env={"ZAPIS_STATE": None})
    result = json.loads(out)
    assert result["ok"] and result["errors"] == [] and result["pushed"]["accepted"] > 0
    assert result["pushed"]["refused"] == 0 and result["refused"] == []
    out, _ = zapis(coordinator, "sync", env={"ZAPIS_STATE": "me.json"})
    result = json.loads(out)
    assert result["ok"] and record in result["changed"] and result["pulled"]["writes"] > 0
    out, _ = zapis(coordinator, "--state", "me.json", "export")
    assert json.loads(out)[record]["description"] == "A lawyer"
    out, _ = zapis(coordinator, "--state", "me.json", "export", "--format", "csv")
    assert out.splitlines()[0].startswith("record,") and record in out
    ack, _ = zapis(coordinator, "--state", "me.json", "ack", record)
    zapis(coordinator, "--state", "me.json", "sync")
    out, _ = zapis(volunteer, "--state", "me.json", "sync")
    assert ack.strip() in json.loads(out)["changed"]


def test_a_refusal_is_its_registered_message_in_one_line(sqlite_server, db_url, tmp_path):
    zapis(tmp_path, "--state", "root.json", "setup", setup_link(sqlite_server, db_url))
    link, _ = zapis(tmp_path, "--state", "root.json", "invite", "volunteer")
    zapis(tmp_path, "--state", "first.json", "enroll", link.strip())
    _, err = zapis(tmp_path, "--state", "second.json", "enroll", link.strip(), code=1)
    assert err == "zapis: %s (invite_used_up, 410)\n" % message("invite_used_up")
    assert not (tmp_path / "second.json").exists()


class BadGateway(http.server.BaseHTTPRequestHandler):
    """nginx's 502 page for every request."""

    def do_GET(self):
        body = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def bad_gateway():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BadGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_proxy_502_page_and_no_server_are_one_line_and_lose_nothing(sqlite_server, db_url, tmp_path,
                                                                      bad_gateway):
    zapis(tmp_path, "--state", "me.json", "setup", setup_link(sqlite_server, db_url))
    record, _ = zapis(tmp_path, "--state", "me.json", "save", '{"kind": "incident", "description": "x"}')
    state = json.loads((tmp_path / "me.json").read_text())
    waiting = len(state["outbox"])
    assert waiting
    # The proxy answers, the app behind it does not.
    state["base_url"] = bad_gateway
    (tmp_path / "me.json").write_text(json.dumps(state))
    out, err = zapis(tmp_path, "--state", "me.json", "sync", code=1)
    assert err == "zapis: the server is unavailable (502); nothing was lost, try again\n"
    result = json.loads(out)
    assert not result["ok"] and result["errors"] == [{
        "status": 502, "code": "server", "retry": True, "retryAfter": None,
        "message": "the server is unavailable (502); nothing was lost, try again"}]
    assert result["retry"] is True
    assert len(json.loads((tmp_path / "me.json").read_text())["outbox"]) == waiting
    # Nothing listens: one line too.
    state["base_url"] = "http://127.0.0.1:%d" % free_port()
    (tmp_path / "me.json").write_text(json.dumps(state))
    _, err = zapis(tmp_path, "--state", "me.json", "sync", code=1)
    assert err.startswith("zapis: the server refused the connection (http://127.0.0.1:")
    assert err.count("\n") == 1
    _, err = zapis(tmp_path, "--state", "other.json", "enroll", "%s/join#c=x&w=y&f=z" % bad_gateway, code=1)
    assert err == "zapis: the server is unavailable (502); nothing was lost, try again\n"
    # Back at the right address, the record goes out.
    state["base_url"] = sqlite_server.url
    (tmp_path / "me.json").write_text(json.dumps(state))
    out, _ = zapis(tmp_path, "--state", "me.json", "sync")
    assert json.loads(out)["ok"] and json.loads((tmp_path / "me.json").read_text())["outbox"] == []


def test_a_wrong_passphrase_a_missing_state_file_and_a_bad_link_are_one_line(sqlite_server, db_url, tmp_path):
    zapis(tmp_path, "--state", "me.json", "setup", setup_link(sqlite_server, db_url))
    _, err = zapis(tmp_path, "--state", "me.json", "sync", passphrase="not the passphrase", code=1)
    assert err == "zapis: the passphrase does not open this state file\n"
    _, err = zapis(tmp_path, "--state", "nobody.json", "sync", code=1)
    assert err == "zapis: there is no state file nobody.json: join first with `setup` or `enroll`\n"
    _, err = zapis(tmp_path, "--state", "me.json", "setup", setup_link(sqlite_server, db_url), code=1)
    assert err == "zapis: me.json exists: this device has already joined\n"
    _, err = zapis(tmp_path, "--state", "new.json", "enroll", "zapis.example.org/join", code=1)
    assert err.startswith("zapis: this is not an invite link") and err.count("\n") == 1
    _, err = zapis(tmp_path, "--state", "me.json", "save", "{not json", code=1)
    assert err.startswith("zapis: the values are not JSON") and err.count("\n") == 1
    _, err = zapis(tmp_path, "sync", code=1, env={"ZAPIS_STATE": None})
    assert err == "zapis: give the state file with --state FILE (or ZAPIS_STATE)\n"


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ZAPIS_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("ZAPIS_DEBUG", raising=False)

    def broken(*args, **kwargs):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("client.core.Client.load_state", broken)
    assert main(["--state", str(tmp_path / "me.json"), "safety"]) == 1
    assert capsys.readouterr().err == ("zapis: unexpected error (RuntimeError: something broke); run again "
                                       "with --debug to see where\n")
    with pytest.raises(RuntimeError):
        main(["--state", str(tmp_path / "me.json"), "safety", "--debug"])
    monkeypatch.setenv("ZAPIS_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["--state", str(tmp_path / "me.json"), "safety"])


def test_tls_is_trusted_with_ca_or_ssl_cert_file_and_refused_otherwise(db_url, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    server = GunicornServer(db_url, tmp_path, workers=1,
                            env={"GUNICORN_CMD_ARGS": "--certfile %s --keyfile %s" % (cert, key)})
    server.url = server.url.replace("http://", "https://")
    monkeypatch.setenv("SSL_CERT_FILE", cert)   # for start()'s /healthz check only
    with server:
        monkeypatch.delenv("SSL_CERT_FILE")
        untrusted = {"SSL_CERT_FILE": None, "REQUESTS_CA_BUNDLE": None}
        link = setup_link(server, db_url)
        _, err = zapis(tmp_path, "--state", "me.json", "setup", link, env=untrusted, code=1)
        assert err == ("zapis: the server's certificate is not trusted (%s): give its CA with --ca or "
                       "SSL_CERT_FILE; nothing was lost\n" % server.url)
        zapis(tmp_path, "--state", "me.json", "--ca", cert, "setup", link, env=untrusted)
        out, _ = zapis(tmp_path, "--state", "me.json", "sync", env={**untrusted, "SSL_CERT_FILE": cert})
        assert json.loads(out)["ok"]
        out, _ = zapis(tmp_path, "--state", "me.json", "sync", "--ca", cert,
                       env={**untrusted, "REQUESTS_CA_BUNDLE": "/nonexistent.pem"})
        assert json.loads(out)["ok"]
        _, err = zapis(tmp_path, "--state", "me.json", "sync", env=untrusted, code=1)
        assert "certificate is not trusted" in err and err.count("\n") == 1


def test_ids_that_begin_with_a_dash_are_ids_not_options():
    # base64url ids begin with "-" one time in 64.
    def parse(argv):
        return _unescape(parser("zapis-client").parse_args(_escape(argv, parser())))

    args = parse(["--state", "me.json", "fetch-attachment", "-rec", "-att", "--out", "-x.pdf"])
    assert (args.record, args.attachment, args.out, args.state) == ("-rec", "-att", "-x.pdf", "me.json")
    args = parse(["save", "{}", "--record=-r", "--state", "-s.json", "--debug"])
    assert (args.record, args.state, args.debug) == ("-r", "-s.json", True)


def test_the_state_file_is_parsed_with_the_collector_paused_and_it_is_back_on_after(tmp_path, monkeypatch):
    import gc

    from client import state

    seen, real = [], json.load

    def load(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(json, "load", load)
    good, broken = tmp_path / "me.json", tmp_path / "broken.json"
    good.write_text(json.dumps({"version": 1, "secret": {}, "records": {}}))
    broken.write_text('{"version": 1, "secret": {')
    assert state.read(str(good))["version"] == 1
    with pytest.raises(state.StateFileError):
        state.read(str(broken))
    assert seen == [False, False] and gc.isenabled()
