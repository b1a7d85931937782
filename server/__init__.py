"""The Zapis sync server: a Flask app that stores and merges ciphertext it cannot read."""

import os
import sys

from flask import Flask
from sqlalchemy import event

from . import api, checks, command, errors, security, web
from .config import from_env
from .extensions import compress, db, init_limiter, migrate

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def pwa_folder():
    """The PWA's files: pwa/ beside server/ in a checkout (and an editable install), server/pwa/ in
    an installed package (pyproject.toml ships it there)."""
    installed = os.path.join(HERE, "pwa")
    return installed if os.path.isdir(installed) else os.path.join(ROOT, "pwa")


def instance_folder(env=None):
    """Where the embedded SQLite database and the made rate-limit secret live: ZAPIS_INSTANCE, else
    instance/ in a checkout, else <prefix>/var/zapis-instance of the installed package's
    environment (Flask's place for an installed app)."""
    env = os.environ if env is None else env
    if env.get("ZAPIS_INSTANCE"):
        return os.path.abspath(env["ZAPIS_INSTANCE"])
    if os.path.isdir(os.path.join(ROOT, "pwa")):
        return os.path.join(ROOT, "instance")
    return os.path.join(sys.prefix, "var", "zapis-instance")


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets pulls read while a push writes; NORMAL sync is durable against process crashes
    # (a power cut may lose the last commits, which the devices still hold in their outboxes).
    # secure_delete zeroes what a delete or an update frees (cells, overflow and freelist pages),
    # so a purged or covered ciphertext does not linger in free space of the main file; the WAL is
    # checkpointed and truncated after such commits (store.erase_freed).
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON",
                   "secure_delete=ON"):
        cursor.execute("PRAGMA " + pragma)
    cursor.close()


def create_app(config=None):
    """Build the app: configuration from the environment, then `config` (a mapping) on top."""
    pwa = pwa_folder()
    app = Flask(__name__, instance_path=instance_folder(),
                template_folder=os.path.join(pwa, "templates"),
                static_folder=os.path.join(pwa, "static"), static_url_path="/static")
    app.config.update(from_env(os.environ, app.instance_path))
    if config:
        app.config.update(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    app.json.sort_keys = False
    app.json.compact = True

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(HERE, "migrations"))
    init_limiter(app)
    compress.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    errors.register(app)
    security.register(app)
    api.register(app)
    web.register(app)
    command.register(app)
    checks.warn_at_start(app, db)

    @app.get("/healthz")
    def healthz():
        """Liveness: the app answers and its database is reachable."""
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    return app
