"""Whole sync workflows through the API, on SQLite and PostgreSQL."""


def test_a_volunteers_record_reaches_the_coordinator_decrypted(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"kind": "incident", "category": "bank", "what": "Account closed"})
    assert volunteer.push()["accepted"] == 3 + 2  # three writes, wraps for self and the root
    root = workspace.root
    root.pull()
    view = root.read(record)
    assert {f: v["value"] for f, v in view.items()} == {"kind": "incident", "category": "bank",
                                                        "what": "Account closed"}
    assert not any(v["conflict"] for v in view.values())
