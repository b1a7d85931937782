"""Checks made once at start, which warn (in the log) about a deployment that will go wrong."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

OFF = ("false", "off", "no", "0")


def autovacuum_problems(conn):
    """What keeps PostgreSQL's autovacuum (and so the planner's statistics) from our tables."""
    problems = []
    for setting in ("autovacuum", "track_counts"):
        if conn.execute(text("SHOW " + setting)).scalar() != "on":
            problems.append("%s is off on the server" % setting)
    rows = conn.execute(text("SELECT c.relname, c.reloptions FROM pg_class c "
                             "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
                             "AND c.reloptions IS NOT NULL ORDER BY c.relname")).all()
    for name, options in rows:
        for option in options:
            key, _, value = option.partition("=")
            if key == "autovacuum_enabled" and value.lower() in OFF:
                problems.append("autovacuum is off for table %s" % name)
    return problems


def warn_at_start(app, db):
    """Log a warning for each problem found; a database that cannot be reached is not one here
    (/healthz reports it)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        try:
            with db.engine.connect() as conn:
                problems = autovacuum_problems(conn)
        except SQLAlchemyError:
            return
        finally:
            # No connection may stay in the pool: under gunicorn --preload this runs in the master,
            # and workers forked with a shared connection would corrupt each other's sessions.
            db.engine.dispose()
    for problem in problems:
        app.logger.warning("PostgreSQL: %s. Pushes slow down as tables grow without the planner's "
                           "statistics: turn autovacuum on (README, Deploying).", problem)
