"""Configuration, read once from the environment through small typed helpers.

Every variable is listed, with its default, in the README's configuration table.
"""

import os


def _int(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit("%s must be a whole number, not %r" % (name, raw)) from None


def _bool(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _choice(env, name, default, choices):
    raw = (env.get(name) or default).strip().lower()
    if raw not in choices:
        raise SystemExit("%s must be one of %s, not %r" % (name, ", ".join(choices), raw))
    return raw


def database_url(raw):
    """Normalise a database URL: plain postgres:// URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def from_env(env, instance_path):
    """Build the Flask config mapping from an environment mapping."""
    default_db = "sqlite:///" + os.path.join(instance_path, "zapis.sqlite3")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL") or default_db),
        "MAX_CONTENT_LENGTH": _int(env, "ZAPIS_MAX_BODY_BYTES", 2 * 1024 * 1024),
        "ZAPIS_PULL_LIMIT": _int(env, "ZAPIS_PULL_LIMIT", 2000),
        "ZAPIS_TOMBSTONE_DAYS": _int(env, "ZAPIS_TOMBSTONE_DAYS", 180),
        # PostgreSQL, after a purge: VACUUM the tables that held the record (docs/server.md,
        # "Erased bytes"). `full` rewrites them, leaving no byte of it in their files, under a lock
        # that stops pushes and pulls for as long as the rewrite takes.
        "ZAPIS_PURGE_VACUUM": _choice(env, "ZAPIS_PURGE_VACUUM", "lazy", ("lazy", "full", "off")),
        # Attachments (docs/server.md, Attachments): encrypted bytes per workspace and per file.
        "ZAPIS_ATTACHMENT_QUOTA_MB": _int(env, "ZAPIS_ATTACHMENT_QUOTA_MB", 2048),
        "ZAPIS_ATTACHMENT_MAX_MB": _int(env, "ZAPIS_ATTACHMENT_MAX_MB", 25),
        "ZAPIS_INVITE_DAYS": _int(env, "ZAPIS_INVITE_DAYS", 7),
        "ZAPIS_TRUSTED_PROXIES": _int(env, "ZAPIS_TRUSTED_PROXIES", 0),
        # The peers whose X-Forwarded-* headers are believed (gunicorn reads the same variable).
        "ZAPIS_FORWARDED_ALLOW_IPS": env.get("ZAPIS_FORWARDED_ALLOW_IPS") or "127.0.0.1",
        "ZAPIS_PUBLIC_URL": (env.get("ZAPIS_PUBLIC_URL") or "").rstrip("/"),
        "ZAPIS_HSTS": _bool(env, "ZAPIS_HSTS", True),
        "RATELIMIT_ENABLED": _bool(env, "ZAPIS_RATELIMIT", True),
        "RATELIMIT_STORAGE_URI": env.get("ZAPIS_RATELIMIT_STORAGE") or "memory://",
        "ZAPIS_ENROLL_LIMIT": env.get("ZAPIS_ENROLL_LIMIT") or "20/minute;200/hour",
        "ZAPIS_AUTH_FAIL_LIMIT": env.get("ZAPIS_AUTH_FAIL_LIMIT") or "30/minute",
        "ZAPIS_RATELIMIT_SECRET": env.get("ZAPIS_RATELIMIT_SECRET") or "",
        # gzip only: every browser and our Python client read it, and it costs little CPU.
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 512,
    }
