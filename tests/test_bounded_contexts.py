"""Bounded causal contexts (issue 10, point 1): a write may only claim to have seen dots the
server accepted for its record and field. A device holding a record's key that inflates its
context (to cover, and so erase, edits it never saw) is refused with `unseen_context`, and a
client refuses such a write from a hostile server when it names its own device."""

import copy

from hypothesis import HealthCheck, given, settings, strategies as st

from support import Workspace, coordinator_and_volunteer
from sync import dense
from sync.envelopes import encrypt_value, key_commitment, sign_change
from sync.merge import covers, next_write


def forged_write(client, record, field, value, extra):
    """A correctly signed change by `client` whose context adds `extra` ({device: n}) to what it
    really knows. Its own entry stays n - 1, so only the bound can catch it."""
    r = client.replica
    state = r.records[record]
    name, field = field, r.field_of(record, field)
    dot, ctx = next_write(state["fields"].get(field, []), r.device)
    ctx = {**ctx, **{d: max(n, ctx.get(d, 0)) for d, n in extra.items() if d != r.device and n > 0}}
    nonce, ct = encrypt_value(state["key"], r.workspace, record, field, name, dot, value, 1)
    return sign_change(r.sign_key, {"workspace": r.workspace, "record": record, "device": r.device,
                                    "kc": key_commitment(state["key"]),
                                    "writes": [{"field": field, "dot": dot, "ctx": ctx, "nonce": nonce,
                                                "ct": ct}]})


def push_one(client, change):
    from client import check

    return check(*client.transport.request("POST", "/api/sync/push", {"wraps": [], "changes": [change]},
                                            client.token))["changes"][0]


def test_an_inflated_context_is_refused_and_the_coordinators_offline_edits_survive(live_server, db_url):
    """The attack as it was found, over gunicorn: a volunteer holding a wrap claims ctx
    {coordinator: n + 1000}; the coordinators' offline edits of that field must not be lost."""
    from client import Client, HTTPTransport

    root, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    second = Client.enroll_link(root.create_invite("coordinator", base_url=live_server.url),
                                HTTPTransport(live_server.url))
    root.certify(second.replica.device)
    second.pull()
    volunteer.pull()
    record = root.save({"status": "new", "notes": "first"})
    root.grant(record, volunteer.replica.device)
    root.push()
    for d in (second, volunteer):
        d.pull()
    # Both coordinators edit offline (nothing pushed yet).
    root.save({"status": "triaged by root"}, record=record)
    second.save({"status": "triaged by second"}, record=record)
    # The volunteer pushes a signed write claiming far more than anyone has written.
    n = root.replica.records[record]["fields"][root.replica.field_of(record, "status")][-1]["dot"][1]
    attack = forged_write(volunteer, record, "status", "mine alone",
                          {root.replica.device: n + 1000, second.replica.device: 1000})
    result = push_one(volunteer, attack)
    assert result["status"] == "ok"
    assert result["writes"][0]["status"] == "refused" and result["writes"][0]["code"] == "unseen_context"
    assert result["writes"][0]["message"]
    # The coordinators come back online: their edits are accepted (neither is stale).
    for d in (root, second):
        tally = d.push()
        assert tally["accepted"] == 1 and tally["stale"] == 0 and tally["refused"] == 0
    for d in (root, second, volunteer):
        d.pull()
        view = d.read(record)["status"]
        assert {s["value"] for s in view["siblings"]} == {"triaged by root", "triaged by second"}
        assert view["conflict"]
        assert d.replica.problems == []
    # An honest write by the volunteer that saw both edits resolves the conflict for everyone.
    volunteer.save({"status": "resolved"}, record=record)
    assert volunteer.push()["accepted"] == 1
    for d in (root, second):
        d.pull()
        assert d.read(record)["status"]["value"] == "resolved" and not d.read(record)["status"]["conflict"]


def test_the_bound_is_per_record_and_field_and_survives_covering(workspace):
    root, v = workspace.root, workspace.enroll("volunteer")
    record = root.save({"status": "a", "notes": "b"})
    root.grant(record, v.replica.device)
    for text in ("c", "d", "e"):
        root.save({"notes": text}, record=record)   # root reaches 4 on notes, 1 on status
    root.push()
    v.pull()
    me = root.replica.device
    # A counter reached on another field cannot be borrowed, and none above what was accepted.
    borrowed = forged_write(v, record, "status", "x", {me: 4})
    assert push_one(v, borrowed)["writes"][0]["code"] == "unseen_context"
    over = forged_write(v, record, "notes", "x", {me: 5})
    assert push_one(v, over)["writes"][0]["code"] == "unseen_context"
    # Exactly what was accepted is fine, though the dots it names are covered (no longer live).
    honest = forged_write(v, record, "notes", "y", {me: 3})
    assert push_one(v, honest)["writes"][0]["status"] == "accepted"
    # One refused write costs only itself: the other writes of its change are taken.
    state = v.replica.records[record]
    change = forged_write(v, record, "status", "z", {me: 9})
    city = v.replica.field_of(record, "city")
    nonce, ct = encrypt_value(state["key"], workspace.id, record, city, "city", [v.replica.device, 1],
                              "Vilnius", 1)
    both = {k: change[k] for k in ("workspace", "record", "device", "kc")}
    both["writes"] = [{k: change["writes"][0][k] for k in ("field", "dot", "ctx", "nonce", "ct")},
                      {"field": city, "dot": [v.replica.device, 1], "ctx": {}, "nonce": nonce, "ct": ct}]
    result = push_one(v, sign_change(v.replica.sign_key, both))
    assert [(w["status"], w.get("code")) for w in result["writes"]] == [("refused", "unseen_context"),
                                                                           ("accepted", None)]
    root.pull()
    assert root.read(record)["city"]["value"] == "Vilnius"
    assert root.read(record)["notes"]["value"] == "y"


def test_a_client_holds_back_a_write_naming_its_own_unissued_counter(workspace):
    """A hostile server could pass an inflated write on: the coordinator, whose own counter it
    names, holds it back as a problem and keeps its own edit; a write within bounds merges."""
    root, v = workspace.root, workspace.enroll("volunteer")
    record = root.save({"status": "new"})
    root.grant(record, v.replica.device)
    root.push()
    v.pull()
    me = root.replica.device
    root.save({"status": "mine"}, record=record)      # dot 2, not pushed yet
    forged = forged_write(v, record, "status", "theirs", {me: 3})
    fine = forged_write(v, record, "notes", "hello", {})
    page = {"cursor": root.replica.cursor, "more": False, "wraps": [], "tombstones": [], "devices": [],
            "changes": [forged, fine]}
    counts = root.replica.apply_pull(copy.deepcopy(page))
    assert counts["problems"] == 1 and counts["writes"] == 1
    problem = root.replica.problems[-1]
    assert problem["code"] == "unseen_context" and problem["field"] == "status"
    assert root.read(record)["status"]["value"] == "mine" and not root.read(record)["status"]["conflict"]
    assert root.read(record)["notes"]["value"] == "hello"
    # Naming a dot this device did issue (2) is honest, even though that value is not live here.
    ok = forged_write(v, record, "status", "seen yours", {me: 2})
    root.replica.apply_pull({**page, "changes": [ok]})
    assert root.read(record)["status"]["value"] == "seen yours"
    # Another device's counters it cannot check exactly: they pass (the server bounds them).
    other = forged_write(v, record, "city", "x", {"Z" * 22: 50})
    assert root.replica.apply_pull({**page, "changes": [other]})["problems"] == 0


def test_the_issued_counters_survive_the_state_file(workspace, tmp_path):
    from client import Client

    root = workspace.root
    workspace.enroll("volunteer")
    record = root.save({"status": "new"})
    root.save({"status": "newer"}, record=record)
    path = str(tmp_path / "root.json")
    root.save_state(path, "correct horse battery")
    again = Client.load_state(path, "correct horse battery", transport=workspace.transport)
    issued = again.replica.records[record]["issued"]
    assert issued[root.replica.field_of(record, "status")] == 2 and set(issued.values()) == {1, 2}


# -- the property ---------------------------------------------------------------------------------

FIELDS = ["status", "notes"]
steps = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 1), st.sampled_from(FIELDS)),        # honest device edits
    st.tuples(st.just("push"), st.integers(0, 1), st.just("")),
    st.tuples(st.just("pull"), st.integers(0, 2), st.just("")),
    # the malicious device: a signed write whose context adds `k` to a counter of device `who`
    st.tuples(st.just("attack"), st.tuples(st.integers(0, 2), st.integers(0, 3)), st.sampled_from(FIELDS)),
), min_size=1, max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_no_malicious_writes_make_an_acknowledged_write_disappear_without_a_conflict(app, script):
    """Two honest devices (a coordinator and a volunteer) and a malicious volunteer holding the
    record's wrap, pushing correctly signed writes with contexts inflated by 0 to 3 above what it
    has seen, for any device. At the end every write the server acknowledged to an honest device
    is live, or covered by an honest device's write, or covered by the attacker's write only if
    the server had accepted it before that write arrived (the attacker could have pulled and
    overwritten it, like any device holding the key: an edit, not a loss)."""
    from client import check

    ws = Workspace(app)
    honest = [ws.root, ws.enroll("volunteer")]
    evil = ws.enroll("volunteer")
    record = ws.root.save({"status": "new"})
    for d in (honest[1], evil):
        ws.root.grant(record, d.replica.device)
    ws.root.push()
    for d in honest[1:] + [evil]:
        d.pull()
    acknowledged, accepted, before = [], set(), {}
    value = 0
    for action, who, field in script:
        if action == "edit":
            value += 1
            honest[who].save({field: "v%d" % value}, record=record)
        elif action == "push":
            d = honest[who]
            body, items = d.replica.push_batch()
            results = check(*d.transport.request("POST", "/api/sync/push", body, d.token))
            d.replica.apply_push_results(items, results)
            for item, res in zip([i for i in items if "change" in i], results["changes"]):
                for w, wres in zip(item["change"]["writes"], res["writes"]):
                    assert wres["status"] != "refused", wres
                    acknowledged.append(w)
                    if wres["status"] in ("accepted", "duplicate"):
                        accepted.add((w["field"], tuple(w["dot"])))
        elif action == "pull":
            (honest + [evil])[who].pull()
        else:
            target, k = who
            victim = (honest + [evil])[target].replica.device
            live = evil.replica.records[record]["fields"].get(evil.replica.field_of(record, field), [])
            seen = max([v["ctx"].get(victim, 0) for v in live] +
                       [v["dot"][1] for v in live if v["dot"][0] == victim] + [0])
            attack = forged_write(evil, record, field, "evil", {victim: seen + k})
            result = push_one(evil, attack)["writes"][0]
            if result["status"] == "accepted":
                before[tuple(attack["writes"][0]["dot"])] = set(accepted)
            else:
                assert result["status"] in ("stale", "refused"), result
            evil.replica.outbox = [i for i in evil.replica.outbox if "wrap" in i]
            evil.pull()
    for d in honest:
        assert d.push()["refused"] == 0
    page = dense.decode_page(check(*ws.transport.request("GET", "/api/sync/pull", None, ws.root.token,
                                                          {"cursor": 0})))
    live = {}
    for c in page["changes"]:
        for w in c["writes"]:
            if "ct" in w:
                live.setdefault(w["field"], []).append(w)
    evil_id = evil.replica.device
    for w in acknowledged:
        values = live.get(w["field"], [])
        if any(v["dot"] == w["dot"] for v in values):
            continue
        coverers = [v for v in values if covers(v, w)]
        assert coverers, "lost without trace: %r" % (w,)
        assert any(v["dot"][0] != evil_id or (w["field"], tuple(w["dot"])) in before[tuple(v["dot"])]
                   for v in coverers), "covered by a write that never saw it: %r" % (w,)
    for d in honest:
        d.pull()
        assert d.replica.problems == []
