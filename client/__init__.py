"""The reference client: a device over HTTP, outside the pure protocol core (sync/).

| module | what it holds |
| --- | --- |
| `transport.py` | HTTP: session, `Zapis-Protocol`, gzip, trust (--ca, SSL_CERT_FILE), 429 waits, errors |
| `state.py` | the passphrase-protected state file |
| `core.py` | `Client`: join, save, push, pull, sync (its result), re-wrap, rotate, export, coordination |
| `attachments.py` | attach, list, upload resuming, fetch and decrypt |
| `cli.py` | the command line, `main(argv=None)` (`zapis-client`, `python -m client`) |

See client/README.md.
"""

from .core import Client, new_replica, parse_link
from .transport import APIError, HTTPTransport, TransportError, check

__all__ = ["APIError", "Client", "HTTPTransport", "TransportError", "check", "new_replica", "parse_link"]
