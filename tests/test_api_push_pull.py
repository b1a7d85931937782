"""Push and pull: results per item, access rules, paging, purge, the horizon."""

import copy
import uuid

import pytest

from client import APIError
from support import live_writes
from sync.envelopes import sign_change
from sync.field_ids import FIRST_CHANGE_WRITES as FIRST


def push(ws, device, body):
    return ws.call(device, "POST", "/api/sync/push", body)


def saved_change(device, values, record=None):
    record = device.save(values, record=record)
    return record, device.replica.outbox[-1]["change"]


def test_a_refused_item_never_costs_its_neighbours(workspace):
    v = workspace.enroll("volunteer")
    _, good1 = saved_change(v, {"status": "a"})
    _, good2 = saved_change(v, {"status": "b"})
    forged = copy.deepcopy(good2)
    forged["record"] = str(uuid.uuid4())
    wraps = [i["wrap"] for i in v.replica.outbox if "wrap" in i]
    body = {"wraps": wraps + [{"type": "nonsense"}, 7],
            "changes": [good1, forged, "not an object", {**good2, "writes": []}, good2]}
    results = push(workspace, v, body)
    assert [r["status"] for r in results["wraps"]] == ["accepted"] * len(wraps) + ["refused", "refused"]
    assert results["wraps"][-2]["code"] == "invalid_item" and "type" in results["wraps"][-2]["details"]
    statuses = [(r["status"], r.get("code")) for r in results["changes"]]
    assert statuses == [("ok", None), ("refused", "bad_signature"), ("refused", "invalid_item"),
                        ("refused", "invalid_item"), ("ok", None)]
    assert results["changes"][0]["writes"] == [{"status": "accepted"}] * FIRST
    assert all(r["message"] for r in results["changes"] if r["status"] == "refused")


def test_a_retried_push_reports_duplicates_and_stores_nothing_twice(workspace):
    v = workspace.enroll("volunteer")
    v.save({"status": "a", "notes": "b"})
    body, _ = v.replica.push_batch()
    first = push(workspace, v, body)
    again = push(workspace, v, body)
    assert [w["status"] for w in first["changes"][0]["writes"]] == ["accepted"] * FIRST
    assert [w["status"] for w in again["changes"][0]["writes"]] == ["duplicate"] * FIRST
    assert {w["status"] for w in again["wraps"]} == {"duplicate"}
    workspace.root.pull()
    assert len(workspace.root.replica.problems) == 0
    changes = workspace.call(workspace.root, "GET", "/api/sync/pull")["changes"]
    assert sum(len(c["writes"]) for c in changes) == FIRST


def test_a_covered_write_is_stale_and_deleted_from_the_server(workspace, app):
    from server.extensions import db
    from server.models import Change

    v = workspace.enroll("volunteer")
    record = v.save({"status": "first"})
    v.push()
    _, old = saved_change(v, {"status": "new"}, record=record)
    _, newer = saved_change(v, {"status": "triaged"}, record=record)
    push(workspace, v, {"changes": [newer]})
    late = push(workspace, v, {"changes": [old]})
    assert late["changes"][0]["writes"] == [{"status": "stale"}]
    with app.app_context():
        assert len(live_writes(db.session)) == FIRST  # the first change's others and the newer one
        assert db.session.query(Change).count() == 2


def test_covered_values_and_their_headers_are_deleted(workspace, app):
    from server.extensions import db
    from server.models import Change

    v = workspace.enroll("volunteer")
    record = v.save({"status": "new", "notes": "x"})
    v.push()
    v.save({"status": "triaged", "notes": "y"}, record=record)
    v.push()
    v.save({"status": "assigned", "notes": "z"}, record=record)
    v.push()
    with app.app_context():
        assert len(live_writes(db.session)) == FIRST
        assert db.session.query(Change).count() == 2  # the first change (its other fields) and the last


def test_a_reused_dot_with_other_content_is_refused_as_equivocation(workspace):
    v = workspace.enroll("volunteer")
    record, change = saved_change(v, {"status": "new"})
    v.push()
    state = v.replica.records[record]
    w = change["writes"][0]
    from sync.envelopes import encrypt_field

    nonce, ct = encrypt_field(state["key"], workspace.id, record, "status", w["dot"], "other", 1)
    twin = sign_change(v.replica.sign_key, {**change, "writes": [{**w, "nonce": nonce, "ct": ct}]})
    result = push(workspace, v, {"changes": [twin]})
    assert result["changes"][0]["writes"][0]["code"] == "equivocation"


@pytest.mark.parametrize("mutate, code", [
    (lambda c, other: c["writes"][0].update(dot=[other, 1]), "foreign_dot"),
    (lambda c, other: c["writes"][0].update(ctx={c["device"]: 5}), "bad_context"),
    (lambda c, other: c["writes"].append(dict(c["writes"][0])), "repeated_field"),
    (lambda c, other: c.update(device=other), "foreign_device"),
    (lambda c, other: c.update(workspace=str(uuid.uuid4())), "wrong_workspace"),
])
def test_malformed_changes_are_refused_with_their_reason(workspace, mutate, code):
    v = workspace.enroll("volunteer")
    _, change = saved_change(v, {"status": "new"})
    change = copy.deepcopy(change)
    mutate(change, workspace.root.replica.device)
    change = sign_change(v.replica.sign_key, change)
    result = push(workspace, v, {"changes": [change]})
    assert (result["changes"][0]["status"], result["changes"][0]["code"]) == ("refused", code)


def test_a_field_device_cannot_write_or_read_a_record_it_has_no_key_for(workspace):
    a, b = workspace.enroll("volunteer"), workspace.enroll("volunteer")
    record = a.save({"status": "private"})
    a.push()
    b.pull()
    assert record not in b.replica.records
    b.replica.records[record] = {"key": a.replica.records[record]["key"], "wrap": None, "fields": {}}
    b.save({"status": "hijacked"}, record=record)
    results = b.push()
    assert results["refused"] == 1
    assert b.replica.refused[0]["code"] == "no_access"
    status = a.replica.field_of(record, "status")
    assert a.replica.records[record]["fields"][status][0]["dot"][0] == a.replica.device


def test_a_grant_brings_the_whole_record_to_the_new_reader(workspace):
    a, b = workspace.enroll("volunteer"), workspace.enroll("volunteer")
    record = a.save({"status": "new", "notes": "kept behind b's cursor"})
    a.push()
    b.pull()
    a.pull()  # learns b's certificate: records are shared only with verified devices
    a.grant(record, b.replica.device)
    a.push()
    b.pull()
    assert {f: v["value"] for f, v in b.read(record).items()} == {"status": "new",
                                                                  "notes": "kept behind b's cursor",
                                                               "_deleted": False}
    b.save({"status": "triaged"}, record=record)
    assert b.push()["accepted"] == 1


def test_pull_pages_through_everything_with_its_cursor(workspace):
    v = workspace.enroll("volunteer")
    for i in range(30):
        v.save({"status": "s%d" % i, "notes": "n%d" % i})
    v.push()
    root = workspace.root
    pages, cursor, seen = 0, root.replica.cursor, 0
    while True:
        page = workspace.call(root, "GET", "/api/sync/pull?cursor=%d&limit=7" % cursor)
        seen += sum(1 for c in page["changes"] for w in c["writes"] if "ct" in w)
        root.replica.apply_pull(page)
        cursor, pages = page["cursor"], pages + 1
        if not page["more"]:
            break
    assert seen == 30 * FIRST and pages > 8
    assert len(root.replica.readable()) == 30
    assert workspace.call(root, "GET", "/api/sync/pull?cursor=%d" % cursor)["changes"] == []


def test_a_purged_record_is_erased_everywhere_and_refuses_later_writes(workspace, app):
    from server.extensions import db
    from server.models import Change, Record, Wrap

    v = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    v.push()
    workspace.root.pull()
    workspace.root.purge(record)
    with app.app_context():
        assert db.session.query(Change).count() == 0
        assert db.session.get(Record, (workspace.id, record)).state is None
        assert db.session.query(Wrap).filter_by(record_id=record).count() == 0
    v.save({"status": "edited meanwhile"}, record=record)
    body, _ = v.replica.push_batch()
    result = push(workspace, v, body)
    assert result["changes"][0]["code"] == "record_purged"
    v.pull()
    workspace.root.pull()
    assert record not in v.replica.records and record not in workspace.root.replica.records
    assert v.replica.outbox == []


def test_a_purge_must_be_signed_by_the_coordinator(workspace):
    record = workspace.root.save({"status": "new"})
    workspace.root.push()
    order = workspace.root.replica.purge_order(record)
    with pytest.raises(APIError) as err:
        workspace.call(workspace.root, "POST", "/api/records/%s/purge" % record,
                       {**order, "sig": order["sig"][::-1]})
    assert err.value.code in ("bad_signature", "invalid_request")
    v = workspace.enroll("volunteer")
    with pytest.raises(APIError) as err:
        workspace.call(v, "POST", "/api/records/%s/purge" % record, order)
    assert err.value.status == 403


def test_a_cursor_behind_the_tombstone_horizon_gets_410_and_the_client_starts_over(workspace, app):
    v = workspace.enroll("volunteer")
    keep = v.save({"status": "kept"})
    gone = v.save({"status": "purged"})
    v.push()
    v.pull()
    behind = v.replica.cursor
    workspace.root.pull()
    workspace.root.purge(gone)
    runner = app.test_cli_runner()
    assert "Dropped 1" in runner.invoke(args=["prune-tombstones", "--days", "-1"]).output
    with pytest.raises(APIError) as err:
        workspace.call(v, "GET", "/api/sync/pull?cursor=%d" % behind)
    assert err.value.status == 410 and err.value.code == "cursor_expired"
    v.save({"notes": "waiting in the outbox"}, record=keep)
    pulled = v.pull()
    # The purge order itself is gone past the horizon: no signed order covers `gone`, so the
    # device keeps it (and says so) rather than erase what a server merely leaves out.
    assert set(v.replica.records) == {keep, gone}
    assert pulled["unconfirmed"] == [gone]
    assert len(v.replica.outbox) == 1
    assert v.push()["accepted"] == 1


def test_a_page_after_410_that_leaves_records_out_erases_nothing(workspace):
    """A hostile server answers 410, then serves a fresh pull without some records: they stay."""
    v = workspace.enroll("volunteer")
    a = v.save({"status": "one"})
    b = v.save({"status": "two"})
    v.push()
    v.pull()
    real = v.transport.request
    state = {"410": True}

    def hostile(method, path, body=None, token=None, params=None):
        if path == "/api/sync/pull" and state["410"]:
            state["410"] = False
            return 410, {"error": {"code": "cursor_expired", "message": "start over"}}
        status, page = real(method, path, body, token, params)
        if path == "/api/sync/pull" and status == 200:   # dense items: the record comes first
            page = {**page, "changes": [c for c in page["changes"] if c[0] != b],
                    "wraps": [w for w in page["wraps"] if w[0] != b]}
        return status, page

    v.transport.request = hostile
    pulled = v.pull()
    assert pulled["unconfirmed"] == [b]
    assert set(v.replica.records) >= {a, b}
    assert v.read(b)["status"]["value"] == "two"
    assert v.export()[b] == {"status": "two"}


def test_an_unknown_cursor_beyond_the_counter_gets_410(workspace):
    with pytest.raises(APIError) as err:
        workspace.call(workspace.root, "GET", "/api/sync/pull?cursor=99999")
    assert err.value.status == 410
