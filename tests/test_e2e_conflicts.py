"""End to end over HTTP with gunicorn: offline edits merge, overlaps become conflicts that a
person resolves once for everyone."""

from support import coordinator_and_volunteer


def test_offline_edits_merge_and_a_shared_field_conflicts_until_resolved(live_server, db_url):
    coordinator, volunteer = coordinator_and_volunteer(live_server.url, db_url)

    need = volunteer.save({"category": "legal_aid", "status": "new", "city": "Vilnius", "urgency": "normal"})
    assert volunteer.sync()["ok"] and coordinator.sync()["ok"]

    # Both go offline and edit: one field each, and one field both.
    volunteer.save({"city": "Kaunas", "status": "in_progress"}, record=need)
    coordinator.save({"urgency": "high", "status": "triaged"}, record=need)

    for _ in range(2):
        assert volunteer.sync()["ok"] and coordinator.sync()["ok"]
    mine, theirs = volunteer.read(need), coordinator.read(need)
    assert mine == theirs
    assert (mine["city"]["value"], mine["urgency"]["value"]) == ("Kaunas", "high")
    assert not mine["city"]["conflict"] and not mine["urgency"]["conflict"]
    assert mine["status"]["conflict"]
    assert {s["value"] for s in mine["status"]["siblings"]} == {"in_progress", "triaged"}
    assert volunteer.replica.conflicts() == coordinator.replica.conflicts() == [(need, "status")]

    # The coordinator resolves it; the resolution clears it on both devices.
    coordinator.save({"status": "assigned"}, record=need)
    assert coordinator.sync()["ok"] and volunteer.sync()["ok"]
    for device in (volunteer, coordinator):
        view = device.read(need)
        assert view["status"] == {"value": "assigned", "conflict": False,
                                  "siblings": [view["status"]["siblings"][0]]}
        assert device.replica.conflicts() == []


def test_deleted_here_and_edited_there_surfaces_as_a_conflict(live_server, db_url):
    coordinator, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    record = volunteer.save({"status": "new"})
    volunteer.sync()
    coordinator.sync()
    coordinator.delete(record)
    volunteer.save({"_deleted": False, "status": "still needed"}, record=record)
    for _ in range(2):
        volunteer.sync()
        coordinator.sync()
    view = coordinator.read(record)
    assert view["_deleted"]["conflict"] and view == volunteer.read(record)
    assert coordinator.export()[record]["status"] == "still needed"
    coordinator.delete(record)  # a person decides: deleted after all
    coordinator.sync()
    volunteer.sync()
    assert record not in coordinator.export() and record not in volunteer.export()
