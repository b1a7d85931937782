"""Replicas editing, pushing and pulling in random orders through the real server, with pushes
and pulls that fail half-way, converge, and no write is ever lost."""

from hypothesis import HealthCheck, given, settings, strategies as st

from client import check
from support import Workspace
from sync import dense
from sync.merge import covers

FIELDS = ["status", "notes", "city"]

actions = st.lists(st.tuples(
    st.sampled_from(["edit", "push", "push_lost", "push_half", "pull", "pull_half"]),
    st.integers(0, 2),           # which device
    st.integers(0, 1),           # which record
    st.sampled_from(FIELDS),
    st.integers(0, 3),           # a value / where to cut
), min_size=1, max_size=30)


def push_lost(client, cut=None):
    """Deliver the outbox (or a prefix of it) but lose the server's answer."""
    body, _ = client.replica.push_batch()
    if cut is not None:
        body = {"wraps": body["wraps"][:cut], "changes": body["changes"][:cut]}
    check(*client.transport.request("POST", "/api/sync/push", body, client.token))


def pull_half(client, cut):
    """Receive a page but store only part of it, and not the new cursor."""
    status, page = client.transport.request("GET", "/api/sync/pull", None, client.token,
                                            {"cursor": client.replica.cursor, "limit": 5})
    page = dense.decode_page(check(status, page))
    page = {**page, "changes": page["changes"][:cut], "cursor": client.replica.cursor}
    client.replica.apply_pull(page)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions)
def test_replicas_converge_and_lose_nothing_despite_half_failed_syncs(app, script):
    ws = Workspace(app)
    devices = [ws.root, ws.enroll("volunteer"), ws.enroll("reporter")]
    records = [ws.root.save({"status": "new"}), ws.root.save({"status": "new"})]
    for record in records:
        for d in devices[1:]:
            ws.root.grant(record, d.replica.device)
    ws.root.push()
    for d in devices[1:]:
        d.pull()
    made = []
    for action, who, rec, field, n in script:
        d = devices[who]
        if action == "edit":
            d.save({field: "%s by %d #%d" % (field, who, n)}, record=records[rec])
            made.extend((records[rec], w) for w in d.replica.outbox[-1]["change"]["writes"])
        elif action == "push":
            d.push()
        elif action == "push_lost":
            push_lost(d)
        elif action == "push_half":
            push_lost(d, cut=n)
        elif action == "pull":
            d.pull()
        else:
            pull_half(d, n)
    for _ in range(2):
        for d in devices:
            assert d.sync()["ok"]
    fresh = ws.enroll("coordinator")  # pulls from 0: it sees exactly what the server holds
    devices_and_server = devices + [fresh]
    for record in records:
        views = [d.read(record) for d in devices]
        assert views[0] == views[1] == views[2]
        for field in FIELDS:
            states = [sorted(tuple(w["dot"]) for w in d.replica.records[record]["fields"].get(field, []))
                      for d in devices_and_server]
            assert all(s == states[0] for s in states), (record, field, states)
    for record, w in made:
        live = devices[0].replica.records[record]["fields"][w["field"]]
        assert any(v["dot"] == w["dot"] or covers(v, w) for v in live), "lost: %r" % (w,)
