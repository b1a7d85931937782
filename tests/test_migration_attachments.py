"""The Alembic migration that adds attachment chunks: one table, bytes kept exactly, one row per
(workspace, record, attachment, index), and gone again on downgrade with nothing else touched."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from server import create_app
from server.extensions import db
from support import _config

BLOB = bytes(range(256)) * 5


def test_the_chunks_table_comes_and_goes_and_keeps_bytes_exactly(tmp_path):
    app = create_app(_config("sqlite:///" + str(tmp_path / "m.sqlite3")))
    with app.app_context():
        upgrade(revision="d2f4a6b8c0e1")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (id, seq, horizon) VALUES ('w', 3, 0)"))
        assert "attachment_chunks" not in inspect(db.engine).get_table_names()
        upgrade(revision="d4b6f8a0c2e1")
        insert = text("INSERT INTO attachment_chunks (workspace_id, record_id, attachment_id, idx, count, "
                      "total, size, data) VALUES ('w', 'r', :a, :i, 2, 1000, :n, :d)")
        with db.engine.begin() as conn:
            for i in (0, 1, -1):
                conn.execute(insert, {"a": "A" * 22, "i": i, "n": len(BLOB), "d": BLOB})
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT idx, data FROM attachment_chunks ORDER BY idx")).all()
        assert [(i, bytes(d)) for i, d in rows] == [(-1, BLOB), (0, BLOB), (1, BLOB)]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(insert, {"a": "A" * 22, "i": 0, "n": 1, "d": b"x"})
        downgrade(revision="d2f4a6b8c0e1")
        assert "attachment_chunks" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT seq FROM workspaces")).scalar_one() == 3
        db.engine.dispose()
