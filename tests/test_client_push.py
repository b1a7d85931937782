"""The reference client's push over gunicorn with two batches in flight: nothing is lost or kept
twice whatever order the server takes them in, and a failed batch stays in the outbox."""

from client import TransportError
from support import coordinator_and_volunteer, live_writes
from sync.field_ids import FIRST_CHANGE_WRITES


def test_two_batches_in_flight_lose_nothing_when_an_edit_overtakes_its_save(live_server, db_url):
    coordinator, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    records = [volunteer.save({"status": "new", "notes": "n%d" % i}) for i in range(60)]
    # Edits of the first records travel in a later batch than their saves: with two batches in
    # flight the server may take either first, and an edit that lands first makes its save's
    # write stale instead of being overwritten by it.
    for record in records[:20]:
        volunteer.save({"status": "triaged"}, record=record)
    assert volunteer.transport.in_flight == 2
    items = sum(len(i["change"]["writes"]) if "change" in i else 1 for i in volunteer.replica.outbox)
    tally = volunteer.push(batch=40)
    assert volunteer.replica.outbox == [] and not volunteer.replica.refused
    assert tally["refused"] == tally["duplicate"] == 0 and tally["accepted"] + tally["stale"] == items
    coordinator.pull()
    assert [coordinator.read(r)["status"]["value"] for r in records] == ["triaged"] * 20 + ["new"] * 40
    assert coordinator.replica.conflicts() == []

    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as conn:
        live = live_writes(conn)
    engine.dispose()
    assert len(live) == len(set(live)) == 60 * FIRST_CHANGE_WRITES


def test_a_batch_that_fails_stays_in_the_outbox_while_the_other_lands(live_server, db_url):
    _, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    for i in range(30):
        volunteer.save({"status": "new", "notes": "n%d" % i})
    real = volunteer.transport.request
    calls = []

    def second_push_fails(method, path, body=None, token=None, params=None):
        if path == "/api/sync/push":
            calls.append(body)
            if len(calls) == 2:
                raise TransportError("connection reset")
        return real(method, path, body, token, params)

    volunteer.transport.request = second_push_fails
    before = len(volunteer.replica.outbox)
    try:
        volunteer.push(batch=before // 2)
    except TransportError:
        pass
    else:
        raise AssertionError("the failed batch must raise")
    assert len(volunteer.replica.outbox) == before - before // 2
    volunteer.transport.request = real
    assert volunteer.push()["refused"] == 0 and volunteer.replica.outbox == []
