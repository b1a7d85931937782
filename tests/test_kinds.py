"""The registry of record kinds (sync/kinds.json) and acknowledgements in the reference client.

The registry is read by Python (sync/kinds.py) and by the PWA (pwa/static/js/kinds.js, made from
it); an acknowledgement is a record of its own that names a report and is granted to its author, and
that the server stores as it stores any record.
"""

import csv
import io
import json
import os

import pytest

from client.cli import main as client_main
from sync import kinds
from sync.envelopes import ProtocolError

ROOT = os.path.join(os.path.dirname(__file__), os.pardir)
LANGUAGES = ("en", "be", "ru", "uk", "pl", "lt")


def test_the_pwas_copy_of_the_registry_is_made_from_the_file():
    with open(os.path.join(ROOT, "pwa", "static", "js", "kinds.js"), encoding="utf-8") as f:
        assert f.read() == kinds.js_module(), "run: .venv/bin/python -m sync.kinds"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_kind_and_field_has_a_label_in_each_language(lang):
    with open(os.path.join(ROOT, "pwa", "static", "i18n", "%s.json" % lang), encoding="utf-8") as f:
        messages = json.load(f)
    wanted = []
    for kind, spec in kinds.KINDS.items():
        wanted.append("kind.%s" % kind)
        for field in spec["fields"]:
            wanted.append("%s.%s" % (kind, field["name"]))
            options = field.get("options")
            wanted += ["opt.%s.%s" % (options, v) for v in kinds.OPTIONS.get(options, ())]
    assert [k for k in wanted if not str(messages.get(k, "")).strip()] == []


def test_an_export_reads_like_the_form():
    values = {"tags": ["a"], "description": "x", "kind": "incident", "category": "bank", "zz_newer": 1}
    assert list(kinds.ordered(values)) == ["kind", "category", "description", "tags", "zz_newer"]
    ack = {"date": "2026-12-03", "kind": "ack", "report": "r"}
    assert list(kinds.ordered(ack)) == ["kind", "report", "date"]


def test_a_table_of_records_has_the_kind_first_then_the_forms_fields():
    records = {"a": {"kind": "ack", "report": "r", "date": "2026-12-03"},
               "r": {"kind": "need", "urgency": "high", "category": "legal", "zz": 1}}
    assert kinds.columns(records) == ["kind", "category", "date", "urgency", "report", "zz"]


def test_acknowledgements_are_found_by_the_report_they_name():
    records = {"a2": kinds.ack_values("r", "2026-12-04"), "a1": kinds.ack_values("r", "2026-12-03"),
               "r": {"kind": "incident"}, "x": {"kind": "ack"}}
    found = kinds.acknowledgements(records)
    assert found == {"r": [{"id": "a1", **records["a1"]}, {"id": "a2", **records["a2"]}]}
    assert kinds.refers_to(records["r"]) is None


def test_a_coordinator_acknowledges_a_report_and_its_author_sees_it(workspace):
    reporter = workspace.enroll("reporter")
    report = reporter.save({"kind": "incident", "category": "bank", "description": "My account was closed",
                            "date": "2026-12-01", "country": "PL", "consent": ["store"]})
    reporter.sync()
    coordinator = workspace.root
    coordinator.sync()
    assert coordinator.read(report)["description"]["value"] == "My account was closed"
    assert coordinator.replica.author(report) == reporter.replica.device

    ack = coordinator.acknowledge(report, today="2026-12-03")
    coordinator.sync()
    reporter.sync()
    exported = reporter.export()
    assert exported[ack] == {"kind": "ack", "report": report, "date": "2026-12-03"}
    assert list(exported[ack]) == ["kind", "report", "date"]
    assert kinds.acknowledgements(exported) == {report: [{"id": ack, **exported[ack]}]}
    # The coordinator sees the same; the server stored it as just another record.
    assert coordinator.export()[ack] == exported[ack]


def test_only_coordinators_acknowledge(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"kind": "need", "category": "legal", "description": "x"})
    with pytest.raises(ProtocolError):
        volunteer.acknowledge(record)


def test_an_acknowledgement_of_a_removed_authors_record_stays_with_the_coordinators(workspace):
    reporter = workspace.enroll("reporter")
    report = reporter.save({"kind": "incident", "description": "x"})
    reporter.sync()
    coordinator = workspace.root
    coordinator.sync()
    coordinator.revoke(reporter.replica.device)
    ack = coordinator.acknowledge(report, today="2026-12-03")
    outbox = coordinator.replica.outbox
    wraps = [i["wrap"]["recipient"] for i in outbox if "wrap" in i and i["wrap"]["record"] == ack]
    assert wraps == [coordinator.replica.device]


def cli_as(client, tmp_path, monkeypatch):
    """The command line run as `client` (its state file's path): its state saved, the passphrase in
    the environment, and loading the file gives this very client back."""
    state = str(tmp_path / "coordinator.json")
    client.save_state(state, "correct horse battery staple")
    monkeypatch.setenv("ZAPIS_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setattr("client.core.Client.load_state", classmethod(
        lambda cls, path, phrase, transport=None, ca=None, on_wait=None: client))
    return state


def test_the_cli_marks_a_record_received_and_exports_the_acknowledgement(workspace, tmp_path, monkeypatch,
                                                                         capsys):
    reporter = workspace.enroll("reporter")
    report = reporter.save({"kind": "need", "category": "legal", "description": "A lawyer"})
    reporter.sync()
    coordinator = workspace.root
    coordinator.sync()
    state = cli_as(coordinator, tmp_path, monkeypatch)
    assert client_main(["--state", state, "ack", report]) == 0
    ack = capsys.readouterr().out.strip()
    assert client_main(["--state", state, "export"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported[ack]["kind"] == "ack" and exported[ack]["report"] == report
    assert client_main(["--state", state, "export", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["record", "kind", "category", "date", "description", "report"]
    assert [ack, "ack"] in [row[:2] for row in rows]


def test_the_cli_export_leaves_device_names_out_unless_asked(workspace, tmp_path, monkeypatch, capsys):
    """Device names ("Ales · Pixel") say who volunteers; an export of the records is passed around,
    so the names go in only when asked for with --kinds."""
    volunteer = workspace.enroll("volunteer")
    need = volunteer.save({"kind": "need", "category": "legal", "description": "A lawyer"})
    named = volunteer.save({"kind": kinds.NAME_KIND, "name": "Ales · Pixel"})
    note = volunteer.save({"kind": "note", "about": need, "text": "Called back on Monday"})
    volunteer.sync()
    coordinator = workspace.root
    coordinator.certify(volunteer.replica.device)
    coordinator.sync()
    state = cli_as(coordinator, tmp_path, monkeypatch)

    assert client_main(["--state", state, "export"]) == 0
    out = capsys.readouterr().out
    assert set(json.loads(out)) >= {need, note} and named not in json.loads(out) and "Ales" not in out
    assert client_main(["--state", state, "export", "--format", "csv"]) == 0
    assert "Ales" not in capsys.readouterr().out
    assert client_main(["--state", state, "export", "--kinds", "need,profile"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert set(exported) == {need, named} and exported[named]["name"] == "Ales · Pixel"
    with pytest.raises(SystemExit) as stop:
        client_main(["--state", state, "export", "--kinds", "needs"])
    assert stop.value.code == 2 and "no such kind: needs" in capsys.readouterr().err


def test_each_device_goes_by_its_newest_name_record():
    name = kinds.KINDS[kinds.NAME_KIND]["names_device"]
    records = {
        "r1": {"values": {"kind": "profile", name: "Ales · Pixel"}, "author": "A", "t": 100},
        "r2": {"values": {"kind": "profile", name: "Ales \u202e· Nokia\n"}, "author": "A", "t": 300},
        "r3": {"values": {"kind": "profile", name: "Hanna", "_deleted": True}, "author": "B", "t": 900},
        "r4": {"values": {"kind": "profile", name: "  "}, "author": "B", "t": 950},
        "r5": {"values": {"kind": "incident", "description": "x"}, "author": "B", "t": 999},
        "x1": {"values": {"kind": "profile", name: "One"}, "author": "C", "t": 5},
        "x2": {"values": {"kind": "profile", name: "Two"}, "author": "C", "t": 5},
    }
    assert kinds.device_names(records) == {"A": "Ales · Nokia", "C": "Two"}
    assert kinds.clean_name("x" * 100) == "x" * 60
    assert kinds.KINDS[kinds.NAME_KIND]["listed"] is False


def test_a_device_named_by_its_own_record_is_read_by_coordinators_only(workspace):
    volunteer = workspace.enroll("volunteer")
    other = workspace.enroll("volunteer")
    profile = volunteer.save({"kind": "profile", "name": "Ales · Pixel"})
    volunteer.sync()
    coordinator = workspace.root
    coordinator.sync()
    other.sync()
    assert other.read(profile) is None  # wrapped to its author and the coordinators, nobody else
    read = coordinator.read(profile)
    entry = {"values": {f: v["value"] for f, v in read.items()},
             "author": coordinator.replica.author(profile),
             "t": max(s["t"] for v in read.values() for s in v["siblings"])}
    assert kinds.device_names({profile: entry}) == {volunteer.replica.device: "Ales · Pixel"}
