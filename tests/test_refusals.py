"""One registry of refusal and error codes (sync/refusals.json): every code the server emits is
in it with the status it is emitted with, every code has a real message in every language of the
app, and the server's messages are the registry's."""

import json
import pathlib
import re

import pytest

from sync.refusals import REGISTRY, message, statuses

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANGUAGES = ["be", "ru", "uk", "en", "pl", "lt"]
SERVER = sorted((ROOT / "server").rglob("*.py"))


def _emitted():
    """(status, code) pairs the server's code names, found by pattern in its source: HTTP errors
    (APIError, envelope, the table of Werkzeug errors) and per-item refusals (codes returned by the
    store, and the ProtocolError codes of the checks the push runs)."""
    found = set()
    for path in SERVER:
        text = path.read_text(encoding="utf-8")
        for status, code in re.findall(r'(?:APIError|envelope)\((\d{3}), "([a-z_]+)"', text):
            found.add((int(status), code))
        for status, code in re.findall(r'\((\d{3}), "([a-z_]+)"\)', text):
            found.add((int(status), code))
        if path.name == "sync.py" or path.parent.name == "store":   # the push: server/store/push.py
            pattern = r'(?:return|code =|_refused\(|\("refused",|ProtocolError\() ?"([a-z_]+)"'
            for code in re.findall(pattern, text):
                found.add(("item", code))
    envelopes = (ROOT / "sync" / "envelopes.py").read_text(encoding="utf-8")
    check = envelopes[envelopes.index("def check_change"):]
    check = check[:check.index("\ndef ", 1)]
    found.update(("item", code) for code in re.findall(r'ProtocolError\("([a-z_]+)"', check))
    return found


def test_the_scan_finds_what_it_should():
    emitted = _emitted()
    for pair in [(403, "not_certified"), (409, "root_immutable"), (410, "newly_certified"),
                 (400, "invalid_request"),
                 (404, "not_found"), (500, "internal_error"), ("item", "no_access"), ("item", "equivocation"),
                 ("item", "foreign_dot"), ("item", "invalid_item"), ("item", "unknown_recipient")]:
        assert pair in emitted
    assert len(emitted) > 40


def test_every_code_the_server_emits_is_registered_with_its_status():
    missing = sorted("%s %s" % (status, code) for status, code in _emitted()
                     if code not in REGISTRY or status not in statuses(code))
    assert missing == []


def test_the_registry_is_well_formed():
    for code, entry in REGISTRY.items():
        assert re.fullmatch(r"[a-z_]+", code)
        assert set(entry) == {"status", "message"}
        for status in statuses(code):
            assert status in ("item", "problem") or (type(status) is int and 400 <= status <= 599), code
        assert entry["message"].strip() and entry["message"][0].isupper(), code
    for code in ["unseen_context", "unreadable_value", "wrong_key", "not_certified"]:
        assert code in REGISTRY


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_has_a_message_in_every_language(lang):
    messages = json.loads((ROOT / "pwa" / "static" / "i18n" / ("%s.json" % lang)).read_text(encoding="utf-8"))
    english = json.loads((ROOT / "pwa" / "static" / "i18n" / "en.json").read_text(encoding="utf-8"))
    missing = [code for code in REGISTRY if not str(messages.get("refusal." + code, "")).strip()]
    assert missing == []
    if lang != "en":
        same = [code for code in REGISTRY if messages["refusal." + code] == english["refusal." + code]]
        assert same == []


def test_the_server_takes_its_messages_from_the_registry(workspace):
    from client import APIError
    from server.api.sync import REFUSALS

    assert REFUSALS == {code: message(code) for code in REGISTRY if "item" in statuses(code)}
    rogue = workspace.enroll("coordinator", certify=False)
    with pytest.raises(APIError) as err:
        workspace.call(rogue, "GET", "/api/invites")
    assert str(err.value).endswith(message("not_certified")) or message("not_certified") in str(err.value)
    response = workspace.transport.client.get("/api/nowhere")
    assert response.get_json()["error"] == {"code": "not_found", "message": message("not_found")}


def refusal_table():
    """The table of docs/protocol.md, made from the registry."""
    rows = ["| code | status | message |", "| --- | --- | --- |"]
    for code, entry in REGISTRY.items():
        status = ", ".join(str(s) for s in statuses(code))
        rows.append("| `%s` | %s | %s |" % (code, status, entry["message"].replace("|", "\\|")))
    return "\n".join(rows)


def test_the_protocol_document_lists_every_code():
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    begin = text.index("-->", text.index("<!-- refusals:begin")) + 3
    end = text.index("<!-- refusals:end -->")
    assert text[begin:end].strip() == refusal_table(), (
        "run: python -c 'import sys; sys.path[:0]=[\"tests\", \".\"]; "
        "import test_refusals as t; t.write_table()'")


def write_table():
    path = ROOT / "docs" / "protocol.md"
    text = path.read_text(encoding="utf-8")
    begin = text.index("-->", text.index("<!-- refusals:begin")) + 3
    end = text.index("<!-- refusals:end -->")
    path.write_text(text[:begin] + "\n" + refusal_table() + "\n" + text[end:], encoding="utf-8")
