"""The WSGI entry point: gunicorn serves `server.wsgi:app` (`zapis serve`)."""

import gc

from . import create_app

app = create_app()
# Everything made so far (modules, the app, SQLAlchemy's metadata) lives as long as the worker:
# move it out of the collector's sight. A push parses tens of thousands of small objects, and
# each full collection walked all of this again: a third of a push's CPU.
gc.freeze()
