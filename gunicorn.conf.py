"""gunicorn settings from a checkout (`gunicorn -c gunicorn.conf.py wsgi:app`): the same as
`zapis serve` uses, server/gunicorn_conf.py."""

from server.gunicorn_conf import *  # noqa: F401,F403
