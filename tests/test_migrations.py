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
            conn.execute(text("INSERT INTO records (workspace_id, id, creator) VALUES ('w', 'r', :d)"), {"d": dev})
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 5, 'r', :d, 's', :w)"),
                         {"d": dev, "w": "\n".join(json.dumps(w, separators=(",", ":")) for w in header)})
            # Only the first write is live; an orphan header with nothing live is dropped.
            conn.execute(text("INSERT INTO field_values VALUES ('w', 'r', 'status', :d, 2, :c, :n, :ct, 5, 0, 7)"),
                         {"d": dev, "c": json.dumps({dev: 1}), "n": nonce, "ct": ct})
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 2, 'r', :d, 's', :w)"), {"d": dev, "w": json.dumps(header[1])})
        upgrade()
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
        upgrade(revision="e5a7c3d9b1f2")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 5, 0)"))
            conn.execute(text("INSERT INTO devices (id, workspace_id, role, sign_key, ecdh_key, cert, token_hash, "
                              "revoked, seq) VALUES (:d, 'w', 'coordinator', :k, :k, :c, 't', false, 1)"),
                         {"d": "D" * 22, "k": pub, "c": canonical_json(cert_high)})
            conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                              "VALUES ('w', 2, 'r', :d, :s, 'x')"), {"d": "D" * 22, "s": high(low)})
            conn.execute(text("INSERT INTO wraps (workspace_id, record_id, recipient, sender, epk, nonce, ct, sig, seq) "
                              "VALUES ('w', 'r', :d, :d, 'e', 'n', 'c', 's', 3)"), {"d": "D" * 22})
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
