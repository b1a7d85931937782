"""Extensions, created unbound and bound to an app in `create_app`."""

from flask import current_app
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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


# The address is used as a rate-limit key in memory (or Redis) only: it is never logged or stored.
# The application-wide limit counts only failed authentications (401s), across every route, so a
# guessed token costs the guesser and never the devices that sign in correctly.
limiter = Limiter(key_func=get_remote_address, application_limits=[_auth_failure_limit],
                  application_limits_deduct_when=lambda response: response.status_code == 401)
# Responses are gzip-compressed when the client accepts it: ciphertext travels as base64url, and
# the JSON around it compresses well.
compress = Compress()
