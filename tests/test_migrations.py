"""Alembic migrations: they build exactly the models' schema, and carry data across."""

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from server import create_app
from server.extensions import db
from support import _config


def test_the_migrations_build_exactly_the_models_schema(db_url):
    app = create_app(_config(db_url))
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []


def test_change_headers_are_converted_to_json_lines_and_back(tmp_path):
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    header = [{"field": "status", "dot": ["A" * 22, 1], "ctx": {}, "h": "h" * 43},
              {"field": "notes", "dot": ["A" * 22, 2], "ctx": {"A" * 22: 1}, "h": "g" * 43}]
    with app.app_context():
        upgrade(revision="57d32191ecb2")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 1, 0)"))
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 1, 'r', 'd', 's', :w)"), {"w": json.dumps(header)})
        upgrade(revision="c81d2e4f7a90")
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT writes FROM changes")).scalar_one()
        assert [json.loads(line) for line in stored.split("\n")] == header
        assert stored.split("\n")[0].endswith(',"h":"%s"}' % ("h" * 43))
        downgrade(revision="57d32191ecb2")
        with db.engine.connect() as conn:
            assert json.loads(conn.execute(text("SELECT writes FROM changes")).scalar_one()) == header
        db.engine.dispose()


def test_values_move_into_their_changes_and_records_and_back(tmp_path):
    """The values table folds into the changes (live writes in full, covered ones as hashes) and
    the records' live sets; each change takes its highest value's number; and back again."""
    from sync.envelopes import write_hash

    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    dev, nonce, ct = "A" * 22, "B" * 16, "C" * 40
    h = write_hash(nonce, ct)
    header = [{"field": "status", "dot": [dev, 2], "ctx": {dev: 1}, "h": h},
              {"field": "notes", "dot": [dev, 3], "ctx": {dev: 2}, "h": "g" * 43}]
    with app.app_context():
        upgrade(revision="c81d2e4f7a90")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 9, 0)"))
            conn.execute(text("INSERT INTO records (workspace_id, id, creator) VALUES ('w', 'r', :d)"),
                         {"d": dev})
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 5, 'r', :d, 's', :w)"),
                         {"d": dev, "w": "\n".join(json.dumps(w, separators=(",", ":")) for w in header)})
            # Only the first write is live; an orphan header with nothing live is dropped.
            conn.execute(text("INSERT INTO field_values "
                              "VALUES ('w', 'r', 'status', :d, 2, :c, :n, :ct, 5, 0, 7)"),
                         {"d": dev, "c": json.dumps({dev: 1}), "n": nonce, "ct": ct})
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 2, 'r', :d, 's', :w)"), {"d": dev, "w": json.dumps(header[1])})
        upgrade(revision="e5a7c3d9b1f2")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, writes FROM changes")).all()
            state = conn.execute(text("SELECT state FROM records")).scalar_one()
        assert [r.id for r in rows] == [7]
        assert json.loads("[%s]" % rows[0].writes) == [
            {"field": "status", "dot": [dev, 2], "ctx": {dev: 1}, "nonce": nonce, "ct": ct}, header[1]]
        assert json.loads(state) == {"status": [[dev, 2, {dev: 1}, 7, 0, h]]}
        downgrade(revision="c81d2e4f7a90")
        with db.engine.connect() as conn:
            writes = conn.execute(text("SELECT writes FROM changes")).scalar_one()
            values = conn.execute(text("SELECT field, n, nonce, ct, change_id, idx FROM field_values")).all()
        assert [json.loads(line) for line in writes.split("\n")] == header
        assert [tuple(v) for v in values] == [("status", 2, nonce, ct, 7, 0)]
        db.engine.dispose()


def test_authority_columns_are_filled_and_invalid_stored_data_is_removed(tmp_path):
    """7f3e9a1c2b4d: `certs` and `chained` come from the stored certificates (a device that does
    not chain to the root, or only through a revoked coordinator, is not chained); identifiers
    that a strict check refuses, and writes that are not strict JSON, are removed, and the live
    sets of the records they touched are rebuilt from what remains."""
    from sync import keys
    from sync.canonical import canonical_json
    from sync.envelopes import make_certificate, write_hash

    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    ws = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    good, bad = "1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "2a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"
    made = {}

    def device(name, role, issuer=None, revoked=False, did=None):
        sign, ecdh = keys.generate_key(), keys.generate_key()
        did = did or (name * 22)[:22]
        entry = {"id": did, "role": role, "sign_key": keys.public_b64(sign),
                 "ecdh_key": keys.public_b64(ecdh),
                 "key": sign, "revoked": revoked}
        uncertified, issuer = issuer is False, made.get(issuer, entry)
        entry["cert"] = None if uncertified else canonical_json(make_certificate(
            issuer["key"], ws, did, role, entry["sign_key"], entry["ecdh_key"], issuer["id"]))
        made[name] = entry
        return entry

    root = device("R", "coordinator")
    device("V", "volunteer", "R")
    device("M", "coordinator", "R", revoked=True)
    device("L", "coordinator", "M")          # certified only by a revoked coordinator
    device("U", "coordinator", False)        # enrolled with an invite, never certified
    device("N", "volunteer", "R", did="N" * 21 + "\n")   # an id only SQLite's lenient check let in
    dev = root["id"]
    nonce, ct = "A" * 16, "B" * 40
    h = write_hash(nonce, ct)
    live = {"field": "status", "dot": [dev, 1], "ctx": {}, "nonce": nonce, "ct": ct}
    poisoned = '{"field":"notes\n","dot":["%s",2],"ctx":{"%s":1},"nonce":"%s","ct":"%s"}' % (dev,
                                                                                             dev, nonce, ct)
    with app.app_context():
        upgrade(revision="e5a7c3d9b1f2")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, fingerprint, seq, horizon) "
                              "VALUES (:w, :f, 20, 0)"),
                         {"w": ws, "f": keys.fingerprint(root["sign_key"])})
            for i, d in enumerate(made.values()):
                conn.execute(text("INSERT INTO devices (id, workspace_id, role, sign_key, ecdh_key, cert, "
                                  "token_hash, revoked, seq) "
                                  "VALUES (:id, :w, :role, :s, :e, :c, :t, :r, :q)"),
                             {"id": d["id"], "w": ws, "role": d["role"], "s": d["sign_key"],
                              "e": d["ecdh_key"],
                              "c": d["cert"], "t": "%064d" % i, "r": d["revoked"], "q": i + 1})
            conn.execute(text("INSERT INTO records (workspace_id, id, creator, state) "
                              "VALUES (:w, :r, :d, :s)"),
                         {"w": ws, "r": good, "d": dev, "s": '{"status":[["%s",1,{},10,0,"%s"]],'
                          '"notes\n":[["%s",2,{"%s":1},11,0,"%s"]]}' % (dev, h, dev, dev, h)})
            conn.execute(text("INSERT INTO records (workspace_id, id, creator) VALUES (:w, :r, :d)"),
                         {"w": ws, "r": bad, "d": dev})
            for cid, record, writes, signer in [(10, good, json.dumps(live, separators=(",", ":")), dev),
                                                (11, good, poisoned, dev),
                                                (12, bad, json.dumps(live, separators=(",", ":")), dev),
                                                (13, good, json.dumps(live, separators=(",", ":")),
                                                 made["N"]["id"])]:
                conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                                  "VALUES (:w, :i, :r, :d, 's', :x)"),
                             {"w": ws, "i": cid, "r": record, "d": signer,
                                                                       "x": writes})
            for record, recipient in [(good, made["V"]["id"]), (bad, made["V"]["id"]),
                                      (good, made["N"]["id"])]:
                conn.execute(text("INSERT INTO wraps VALUES (:w, :r, :p, :s, 'e', 'n', 'c', 's', 5)"),
                             {"w": ws, "r": record, "p": recipient, "s": dev})
        upgrade(revision="7f3e9a1c2b4d")
        with db.engine.connect() as conn:
            rows = {r.id: r
                    for r in conn.execute(text("SELECT id, cert, certs, chained, chained_seq FROM devices"))}
            changes = conn.execute(text("SELECT id FROM changes ORDER BY id")).scalars().all()
            records = conn.execute(text("SELECT id, state FROM records")).all()
            wraps = conn.execute(text("SELECT record_id, recipient FROM wraps")).all()
        assert set(rows) == {made[n]["id"] for n in "RVMLU"}
        assert {i for i, r in rows.items() if r.chained} == {made["R"]["id"], made["V"]["id"]}
        assert all(r.chained_seq is None for r in rows.values())
        assert json.loads(rows[dev].certs) == [rows[dev].cert] and rows[made["U"]["id"]].certs is None
        assert changes == [10]
        assert [(r.id, json.loads(r.state))
                for r in records] == [(good, {"status": [[dev, 1, {}, 10, 0, h]]})]
        assert [tuple(w) for w in wraps] == [(good, made["V"]["id"])]
        downgrade(revision="e5a7c3d9b1f2")
        with db.engine.connect() as conn:
            assert "certs" not in [c[1] for c in conn.execute(text("PRAGMA table_info(devices)"))]


def test_records_learn_the_highest_dots_from_what_is_stored_and_back(tmp_path):
    """The bound on contexts is built from the live values' dots and contexts and every stored
    write (hash forms too): what was accepted before the rule is taken as it is."""
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    a, b, c = "A" * 22, "B" * 22, "C" * 22
    ws, r, p = ("%d0000000-0000-4000-8000-000000000000" % i for i in (1, 2, 3))
    old = {"status": [[b, 1, {a: 4, c: 2}, 7, 0, "w" * 43]], "notes": [[a, 2, {a: 1}, 7, 1, "g" * 43]]}
    writes = ",".join(json.dumps(w, separators=(",", ":")) for w in [
        {"field": "status", "dot": [b, 1], "ctx": {a: 4, c: 2}, "nonce": "n" * 16, "ct": "c" * 40},
        {"field": "notes", "dot": [a, 2], "ctx": {a: 1}, "h": "g" * 43}])
    other = json.dumps({"field": "status", "dot": [a, 6], "ctx": {a: 5}, "h": "k" * 43},
                       separators=(",", ":"))
    with app.app_context():
        upgrade(revision="e5a7c3d9b1f2")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES (:w, 9, 0)"), {"w": ws})
            conn.execute(text("INSERT INTO records (workspace_id, id, creator, state) "
                              "VALUES (:w, :r, :d, :s)"),
                         {"w": ws, "r": r, "d": a, "s": json.dumps(old)})
            conn.execute(text("INSERT INTO records (workspace_id, id, creator) VALUES (:w, :p, :d)"),
                         {"w": ws, "p": p, "d": a})
            for cid, w in ((7, writes), (8, other)):
                conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                                  "VALUES (:ws, :i, :r, :d, 's', :w)"),
                             {"ws": ws, "r": r, "i": cid, "d": a, "w": w})
        upgrade(revision="0b7d9e1f2a3c")
        with db.engine.connect() as conn:
            states = dict(conn.execute(text("SELECT id, state FROM records")).all())
        assert states[p] is None
        assert json.loads(states[r]) == {"status": [old["status"], {a: 6, b: 1, c: 2}],
                                           "notes": [old["notes"], {a: 2}]}
        downgrade(revision="e5a7c3d9b1f2")
        with db.engine.connect() as conn:
            assert json.loads(conn.execute(text("SELECT state FROM records WHERE id = :r"),
                                           {"r": r}).scalar_one()) == old


def test_high_s_signatures_become_their_low_s_twins_and_wraps_gain_their_sender_key(tmp_path):
    """Stored signatures still verify under the low-s rule after the migration; a device whose
    certificate was rewritten is numbered again, so clients pull it; changes gain a NULL kc."""
    from sync import keys
    from sync.b64 import b64decode, b64encode
    from sync.canonical import canonical_json
    from sync.envelopes import make_certificate, verify_object

    def high(sig):
        raw = b64decode(sig)
        return b64encode(raw[:32] + (keys.ORDER - int.from_bytes(raw[32:], "big")).to_bytes(32, "big"))

    key = keys.generate_key()
    pub = keys.public_b64(key)
    cert = make_certificate(key, "w", "D" * 22, "coordinator", pub, pub, "D" * 22)
    cert_high = {**cert, "sig": high(cert["sig"])}
    data = b"zapis migration"
    low = keys.sign(key, data)
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    with app.app_context():
        upgrade(revision="0b7d9e1f2a3c")  # past the strict scan, which keeps no made-up ids
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 5, 0)"))
            conn.execute(text("INSERT INTO devices (id, workspace_id, role, sign_key, ecdh_key, cert, "
                              "token_hash, revoked, seq) "
                              "VALUES (:d, 'w', 'coordinator', :k, :k, :c, 't', false, 1)"),
                         {"d": "D" * 22, "k": pub, "c": canonical_json(cert_high)})
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 2, 'r', :d, :s, 'x')"), {"d": "D" * 22, "s": high(low)})
            conn.execute(text("INSERT INTO wraps (workspace_id, record_id, recipient, sender, epk, nonce, "
                              "ct, sig, seq) VALUES ('w', 'r', :d, :d, 'e', 'n', 'c', 's', 3)"),
                         {"d": "D" * 22})
        assert not verify_object(pub, cert_high)
        upgrade()
        with db.engine.connect() as conn:
            stored_cert, seq = conn.execute(text("SELECT cert, seq FROM devices")).one()
            sig, kc = conn.execute(text("SELECT sig, kc FROM changes")).one()
            wrap_sig = conn.execute(text("SELECT sig FROM wraps")).scalar_one()
            ws_seq = conn.execute(text("SELECT seq FROM workspaces")).scalar_one()
        assert verify_object(pub, json.loads(stored_cert)) and json.loads(stored_cert)["sig"] == cert["sig"]
        assert (seq, ws_seq) == (6, 6)
        assert sig == low and keys.verify(pub, sig, data) and kc is None
        assert wrap_sig == "s"  # not a signature at all: left as it is
        downgrade(revision="e5a7c3d9b1f2")
        db.engine.dispose()


def test_key_epochs_keep_stored_wraps_and_changes_as_epoch_0_and_back(tmp_path):
    """c4e8a2f6b1d3: stored wraps are wrap/1 (epoch NULL), stored changes have no `e`; a wrap/2's
    key list fits `ct`; going back drops the wrap/2 rows, which a wrap/1 column cannot hold."""
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    long_ct = "A" * 1000
    with app.app_context():
        upgrade(revision="9b5a1c3e4d6f")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 5, 0)"))
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, kc, writes) "
                              "VALUES ('w', 2, 'r', 'D', 's', 'k', 'x')"))
            conn.execute(text("INSERT INTO wraps (workspace_id, record_id, recipient, sender, epk, nonce, "
                              "ct, sig, seq) VALUES ('w', 'r', 'A', 'B', 'e', 'n', 'c', 's', 3)"))
        upgrade(revision="c4e8a2f6b1d3")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT e FROM changes")).scalar_one() is None
            assert conn.execute(text("SELECT epoch, ct FROM wraps")).one() == (None, "c")
            conn.execute(text("INSERT INTO wraps (workspace_id, record_id, recipient, sender, epoch, epk, "
                              "nonce, ct, sig, seq) VALUES ('w', 'r', 'C', 'B', 2, 'e', 'n', :ct, 's', 4)"),
                         {"ct": long_ct})
            assert conn.execute(text("SELECT ct FROM wraps WHERE epoch = 2")).scalar_one() == long_ct
        downgrade(revision="9b5a1c3e4d6f")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT recipient, ct FROM wraps")).all() == [("A", "c")]
            assert conn.execute(text("SELECT sig FROM changes")).scalar_one() == "s"


def test_stored_writes_become_dense_arrays_and_back(tmp_path):
    """Protocol version 3: stored writes take the dense form a pull page serves (the dot's device
    and the context's own entry implied by the change's device), and come back as objects."""
    from server.store import change_text, logical_writes
    from sync.dense import decode_change

    dev, other = "A" * 22, "B" * 22
    objects = [{"field": "status", "dot": [dev, 1], "ctx": {}, "nonce": "n" * 16, "ct": "c" * 40},
               {"field": "notes", "dot": [dev, 3], "ctx": {dev: 2, other: 4}, "h": "h" * 43}]
    stored = ",".join(json.dumps(w, separators=(",", ":")) for w in objects)
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    with app.app_context():
        upgrade(revision="9b5a1c3e4d6f")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 2, 0)"))
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 1, 'r', :d, 's', :t), ('w', 2, 'r', :d, 's', 'not json')"),
                         {"d": dev, "t": stored})
        upgrade()
        with db.engine.connect() as conn:
            dense, odd = conn.execute(text("SELECT writes FROM changes ORDER BY id")).scalars().all()
        assert dense == '["status",1,{},"%s","%s"],["notes",3,{"%s":4},"%s"]' % ("n" * 16, "c" * 40,
                                                                                 other, "h" * 43)
        assert odd == "not json"   # nothing the server wrote: left as it is
        assert logical_writes(dense, dev) == objects
        assert decode_change(json.loads(change_text("r", dev, "s", dense)), "w")["writes"] == objects
        downgrade(revision="9b5a1c3e4d6f")
        with db.engine.connect() as conn:
            back, odd = conn.execute(text("SELECT writes FROM changes ORDER BY id")).scalars().all()
        assert json.loads("[%s]" % back) == objects and odd == "not json"   # a context's order is not kept
        db.engine.dispose()
