"""Extensions, created unbound and bound to an app in `create_app`."""

import hashlib
import hmac
import math
import os
import secrets
import time

from flask import current_app, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
def _auth_failure_limit():
    return current_app.config["ZAPIS_AUTH_FAIL_LIMIT"]


SECRET_FILE = "ratelimit.secret"


def ratelimit_secret(app):
    """The rate-limit key's secret: ZAPIS_RATELIMIT_SECRET, or one made once in the instance folder.

    Several hosts (or gunicorn workers without --preload) must share it to share their limits:
    set ZAPIS_RATELIMIT_SECRET alike on every host. It is never logged.
    """
    configured = app.config.get("ZAPIS_RATELIMIT_SECRET")
    if configured:
        return configured.encode("utf-8")
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, SECRET_FILE)
    if not os.path.exists(path):
        # Written aside and linked into place: of workers starting together, one secret wins and
        # nobody reads a half-written file.
        tmp = "%s.%d.tmp" % (path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path, encoding="utf-8") as f:
        return f.read().strip().encode("utf-8")


def address_key(address, secret, day):
    """A rate-limit key for a client address: HMAC-SHA256 over the UTC day and the address.

    The address itself is never stored (in memory, in Redis) or logged; the key changes every
    day, so one day's keys cannot be linked to the next day's.
    """
    mac = hmac.new(secret, ("%s\n%s" % (day, address)).encode("utf-8"), hashlib.sha256)
    return "a-" + mac.hexdigest()[:32]


def client_key():
    """The limiter's key function: the request's peer address (after trusted proxies), hashed."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    return address_key(request.remote_addr or "", current_app.extensions["zapis_ratelimit_secret"], day)


def retry_after():
    """Whole seconds until the breached limit lets the client try again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def init_limiter(app):
    """Bind the limiter; with limits on, fix the key's secret first."""
    if app.config.get("RATELIMIT_ENABLED", True):
        app.extensions["zapis_ratelimit_secret"] = ratelimit_secret(app)
    limiter.init_app(app)


# Keys are a keyed hash of the address (client_key): no address is kept in memory or Redis, or
# logged. The application-wide limit counts only failed authentications (401s), across every
# route, so a guessed token costs the guesser and never the devices that sign in correctly.
limiter = Limiter(key_func=client_key, application_limits=[_auth_failure_limit],
                  application_limits_deduct_when=lambda response: response.status_code == 401)
# Responses are gzip-compressed when the client accepts it: ciphertext travels as base64url, and
# the JSON around it compresses well.
compress = Compress()
