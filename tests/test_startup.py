"""What the app says at start and what the server commands print for a deployment."""

import logging

from sqlalchemy import create_engine, text

from server import create_app
from server.checks import autovacuum_problems
from server.extensions import db
from support import _config


def test_the_setup_link_uses_the_public_url_not_the_bind_address(make_app):
    app = make_app(ZAPIS_PUBLIC_URL="https://zapis.example.org")
    out = app.test_cli_runner().invoke(args=["create-workspace"]).output
    assert "https://zapis.example.org/setup#t=" in out and "127.0.0.1" not in out
    out = app.test_cli_runner().invoke(args=["create-workspace", "--url", "https://other.example/"]).output
    assert "https://other.example/setup#t=" in out


def _warnings(caplog, url, monkeypatch):
    # Alembic's logging configuration (run by the migrations in this process) disables the app's
    # logger; under gunicorn nothing does.
    monkeypatch.setattr(logging.getLogger("server"), "disabled", False)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        app = create_app(_config(url))
    with app.app_context():
        db.engine.dispose()
    return [r.getMessage() for r in caplog.records if "autovacuum" in r.getMessage()]


def test_the_app_warns_at_start_when_autovacuum_is_off(pg_url, caplog, monkeypatch):
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        # The server-wide setting is not this test's to change (the server is shared): whatever
        # it is, the app says so, and a table's own setting is found too.
        server_wide = [p for p in autovacuum_problems(conn) if "on the server" in p]
        on = {s: conn.execute(text("SHOW " + s)).scalar() for s in ("autovacuum", "track_counts")}
    assert len(server_wide) == sum(v != "on" for v in on.values())
    before = _warnings(caplog, pg_url, monkeypatch)
    assert len(before) == len(server_wide)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE changes SET (autovacuum_enabled = false)"))
        found = _warnings(caplog, pg_url, monkeypatch)
        assert len(found) == len(server_wide) + 1
        assert any("autovacuum is off for table changes" in w for w in found)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE changes RESET (autovacuum_enabled)"))
        engine.dispose()
    assert _warnings(caplog, pg_url, monkeypatch) == before


def test_sqlite_has_nothing_to_warn_about(sqlite_template, caplog, monkeypatch):
    assert _warnings(caplog, "sqlite:///" + sqlite_template, monkeypatch) == []


def test_the_start_check_leaves_no_connection_in_the_pool(pg_url):
    # gunicorn --preload forks workers after create_app: a pooled connection would be shared.
    app = create_app(_config(pg_url))
    with app.app_context():
        assert db.engine.pool.checkedin() == 0
        db.engine.dispose()
