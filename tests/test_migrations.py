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


def test_records_learn_the_highest_dots_from_what_is_stored_and_back(tmp_path):
    """The bound on contexts is built from the live values' dots and contexts and every stored
    write (hash forms too): what was accepted before the rule is taken as it is."""
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    a, b, c = "A" * 22, "B" * 22, "C" * 22
    old = {"status": [[b, 1, {a: 4, c: 2}, 7, 0, "h" * 43]], "notes": [[a, 2, {a: 1}, 7, 1, "g" * 43]]}
    writes = ",".join(json.dumps(w, separators=(",", ":")) for w in [
        {"field": "status", "dot": [b, 1], "ctx": {a: 4, c: 2}, "nonce": "n" * 16, "ct": "c" * 40},
        {"field": "notes", "dot": [a, 2], "ctx": {a: 1}, "h": "g" * 43}])
    other = json.dumps({"field": "status", "dot": [a, 6], "ctx": {a: 5}, "h": "k" * 43}, separators=(",", ":"))
    with app.app_context():
        upgrade(revision="e5a7c3d9b1f2")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 9, 0)"))
            conn.execute(text("INSERT INTO records (workspace_id, id, creator, state) VALUES ('w', 'r', :d, :s)"),
                         {"d": a, "s": json.dumps(old)})
            conn.execute(text("INSERT INTO records (workspace_id, id, creator) VALUES ('w', 'p', :d)"), {"d": a})
            for cid, w in ((7, writes), (8, other)):
                conn.execute(text("INSERT INTO changes (workspace_id, id, record_id, device_id, sig, writes) "
                                  "VALUES ('w', :i, 'r', :d, 's', :w)"), {"i": cid, "d": a, "w": w})
        upgrade(revision="0b7d9e1f2a3c")
        with db.engine.connect() as conn:
            states = dict(conn.execute(text("SELECT id, state FROM records")).all())
        assert states["p"] is None
        assert json.loads(states["r"]) == {"status": [old["status"], {a: 6, b: 1, c: 2}],
                                           "notes": [old["notes"], {a: 2}]}
        downgrade(revision="e5a7c3d9b1f2")
        with db.engine.connect() as conn:
            assert json.loads(conn.execute(text("SELECT state FROM records WHERE id = 'r'")).scalar_one()) == old
        db.engine.dispose()
