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
        upgrade()
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT writes FROM changes")).scalar_one()
        assert [json.loads(line) for line in stored.split("\n")] == header
        assert stored.split("\n")[0].endswith(',"h":"%s"}' % ("h" * 43))
        downgrade(revision="57d32191ecb2")
        with db.engine.connect() as conn:
            assert json.loads(conn.execute(text("SELECT writes FROM changes")).scalar_one()) == header
        db.engine.dispose()
