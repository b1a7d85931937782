"""Shared pieces of the benchmarks: databases, workspaces and record payloads."""

import os
import uuid

from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get("ZAPIS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def backend_url(backend, tmp):
    """A fresh, migrated database of the backend."""
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    if backend == "sqlite":
        url = "sqlite:///" + os.path.join(tmp, "bench.sqlite3")
    else:
        name = "zapis_bench_%s" % uuid.uuid4().hex[:8]
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "%s"' % name))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return url


def drop_backend(backend, url):
    """Drop a PostgreSQL database made by backend_url."""
    if backend != "sqlite":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % url.rsplit("/", 1)[1]))
        admin.dispose()


def new_workspace(url, base_url):
    """A workspace on the database, bootstrapped by a reference client over HTTP."""
    from client import Client, HTTPTransport
    from server import create_app
    from server.cli import new_workspace as make
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        ws, token = make()
        ws_id = ws.id
        db.session.remove()
        db.engine.dispose()
    return Client.bootstrap(HTTPTransport(base_url), token, ws_id)


def fields_of_size(n, size, seed):
    """n field values of size - 40 characters each. With size <= 141 the padded plaintext lands
    in the 128-byte bucket (144 bytes of ciphertext a field); with 150, as sync_bench.py uses
    it, in the 512-byte bucket (528 bytes). See record_fields."""
    return {"f%d" % i: ("%d-%d-" % (seed, i)).ljust(size - 40, "x") for i in range(n)}


# fields_of_size(8, 150, i), which sync_bench.py uses, pads each plaintext to the 512-byte bucket
# (528 bytes of ciphertext a field, 4.2 KB a record). RECORD_SIZE lands every field in the
# 128-byte bucket: 144 bytes of ciphertext a field, 1,152 bytes for eight.
RECORD_SIZE = 140


def record_fields(seed, n=8):
    """n field values whose ciphertext is 144 bytes each: about 1.2 KB of ciphertext for eight."""
    return fields_of_size(n, RECORD_SIZE, seed)
