"""Making erased bytes leave the database files after a commit (docs/server.md, Erased bytes)."""

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


def erase_freed(purge=False):
    """After a commit that dropped ciphertext (a purge, or a push that covered stored values):
    make its bytes leave the database files, where that is affordable (docs/server.md, Erased
    bytes). Returns False when something had to be left for later.

    SQLite (secure_delete is on, so freed space in the main file is zeroed): checkpoint the WAL
    into the main file and truncate it, so no frame holding the old pages stays in `-wal`. The
    checkpoint waits (busy_timeout) for readers of older snapshots; if one still holds it, the
    frames stay until the next checkpoint.

    PostgreSQL, after a purge: VACUUM the changes and wraps (their TOAST tables with them) on an
    autocommit connection, so no dead tuple keeps the record; `ZAPIS_PURGE_VACUUM=full` rewrites
    the tables instead, which leaves none of its bytes in their files. Covered values are left to
    autovacuum: a VACUUM per push would cost more than the push.
    """
    # The commit is done: whatever happens here, the request answers as it would have, and the
    # log says only that the erasure was left for later (no id, no content).
    try:
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                current_app.logger.warning("WAL checkpoint left for later: a reader held it")
            return not busy
        mode = current_app.config.get("ZAPIS_PURGE_VACUUM", "lazy")
        if not purge or mode == "off":
            return True
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (FULL) changes, wraps" if mode == "full"
                                 else "VACUUM changes, wraps")
        return True
    except SQLAlchemyError as exc:
        current_app.logger.warning("erasing freed bytes left for later: %s", type(exc).__name__)
        return False
