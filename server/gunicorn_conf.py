"""gunicorn settings (`zapis serve`, or `gunicorn -c python:server.gunicorn_conf server.wsgi:app`).
No IP address or user agent is ever logged: see access_log_format."""

import os

bind = os.environ.get("ZAPIS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threaded workers: a sync worker blocks on a connection that was opened and never used, and
# Chromium opens such connections ahead of time (preconnect); two of them held both sync workers
# until the 60 s timeout killed them, and every sync meanwhile waited. gthread (gunicorn 27) gives a
# new connection a thread for at most 5 s, then parks it in a selector (tests/test_serving.py).
worker_class = "gthread"
threads = int(os.environ.get("ZAPIS_THREADS", "4"))
# How long an idle kept-alive connection stays open (the PWA syncs page after page).
keepalive = 5
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("ZAPIS_ACCESS_LOG", "-")
errorlog = os.environ.get("ZAPIS_ERROR_LOG", "-")
# Time, method, path without the query string, status, bytes, milliseconds. Never %(h)s (the
# client address), %(a)s (user agent), %(r)s or %(q)s (the query string), or headers.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("ZAPIS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket lives in the home directory, shared by every instance of a user;
# Zapis needs none, and several instances (tests, benchmarks, hosts) must not collide.
control_socket_disable = True
