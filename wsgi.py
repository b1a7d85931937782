"""gunicorn entry point from a checkout (`gunicorn -c gunicorn.conf.py wsgi:app`): server/wsgi.py."""

from server.wsgi import app

__all__ = ["app"]
