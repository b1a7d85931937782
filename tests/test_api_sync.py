"""Whole sync workflows through the API, on SQLite and PostgreSQL."""

from sync.field_ids import FIRST_CHANGE_WRITES


def test_a_volunteers_record_reaches_the_coordinator_decrypted(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"kind": "incident", "category": "bank", "what": "Account closed",
                             "_deleted": False})
    # A first change writes FIRST_CHANGE_WRITES fields (three, `_deleted`, padding); wraps for self and root.
    assert volunteer.push()["accepted"] == FIRST_CHANGE_WRITES + 2
    root = workspace.root
    root.pull()
    view = root.read(record)
    assert {f: v["value"] for f, v in view.items()} == {"kind": "incident", "category": "bank",
                                                        "what": "Account closed", "_deleted": False}
    assert not any(v["conflict"] for v in view.values())
