"""HTTP for the reference client: one requests session with keep-alive, gzip both ways, the
`Zapis-Protocol` header, the trust settings (--ca, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, the system's
store), 429s waited out as their Retry-After says, and every failure turned into one clear line.

`requests` and `isal` are imported when first needed, so `--help` works without them (without
`isal` request bodies are compressed with the standard library's zlib instead).
"""

import json
import os
import re
import time

from sync import dense, refusals
from sync.gc_pause import gc_paused

GZIP_ABOVE = 8 * 1024


class TransportError(Exception):
    """The request did not complete: no answer, a dropped connection, a broken response. Its text
    is one line for a person; `status` is the HTTP status of an answer that was not the API's
    (a proxy's 502 page), 0 when there was no answer."""

    def __init__(self, message, status=0):
        super().__init__(message)
        self.status = status


class APIError(Exception):
    """The server answered with an error envelope: `status`, `code`, `message` (the server's),
    `retry_after` (seconds, for a 429 this client did not wait out)."""

    def __init__(self, status, code, message, retry_after=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    def line(self):
        """One line for a person: the registry's message for a known code (sync/refusals.json;
        never the server's own words, which a hostile server could fill with anything), else
        the server's message cleaned of control characters."""
        if self.code in refusals.REGISTRY:
            text = refusals.message(self.code)
        else:
            text = _printable(self.message) or "the server refused the request"
        return "%s (%s, %s)" % (text, self.code, self.status)


def _printable(text):
    return re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", str(text or ""))[:300].strip()


def ca_bundle(ca=None, env=None):
    """What HTTPS answers are checked against: `ca` (--ca), else SSL_CERT_FILE, else
    REQUESTS_CA_BUNDLE, else the system's store (OpenSSL's default file), else certifi's."""
    env = os.environ if env is None else env
    for candidate in (ca, env.get("SSL_CERT_FILE"), env.get("REQUESTS_CA_BUNDLE")):
        if candidate:
            return candidate
    import ssl

    system = ssl.get_default_verify_paths().cafile
    return system if system and os.path.exists(system) else True


def unreachable(exc, base_url):
    """One line for a request that got no usable answer."""
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return ("the server's certificate is not trusted (%s): give its CA with --ca or SSL_CERT_FILE; "
                "nothing was lost" % base_url)
    if isinstance(exc, requests.exceptions.Timeout):
        return "the server did not answer in time (%s); nothing was lost, try again" % base_url
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema
                  | requests.exceptions.InvalidSchema):
        return "%s is not a server address (https://host)" % base_url
    if _name_not_found(exc):
        return "the server's name was not found (%s): check the address and the network" % base_url
    if isinstance(exc, requests.exceptions.ConnectionError) and "refused" in str(exc).lower():
        return "the server refused the connection (%s): is it running? nothing was lost" % base_url
    return "no answer from the server (%s); nothing was lost, try again" % base_url


def _name_not_found(exc):
    text = str(exc)
    return any(m in text for m in ("Failed to resolve", "Name or service not known", "nodename nor servname",
                                   "getaddrinfo failed", "Temporary failure in name resolution"))


def retry_after(response):
    """Retry-After in whole seconds (the server sends seconds), or None."""
    raw = response.headers.get("Retry-After", "").strip()
    return int(raw) if raw.isdigit() else None


def not_json(status, base_url):
    """One line for an answer that is not the API's JSON (a proxy's error page, a portal)."""
    if status >= 500:
        return "the server is unavailable (%d); nothing was lost, try again" % status
    return ("the answer from %s is not the Zapis API (%d): check the address; nothing was lost"
            % (base_url, status))


def check(status, body, expected=(200, 201)):
    """The body of an expected answer; APIError for any other."""
    if status not in expected:
        err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
        err = err if isinstance(err, dict) else {}
        raise APIError(status, str(err.get("code") or "http_%d" % status), str(err.get("message") or ""),
                       err.get("retry_after"))
    return body


def gzip(data):
    """gzip at level 1: ISA-L (seven times zlib's speed) when installed, else zlib."""
    try:
        from isal import igzip
    except ImportError:
        import gzip as igzip
    return igzip.compress(data, compresslevel=1)


class HTTPTransport:
    """JSON over HTTP with keep-alive, gzip both ways.

    `ca`: a CA file to trust (see `ca_bundle`). A 429 is waited out as its Retry-After says
    (up to `waits` times, each at most `max_wait` seconds) and the request sent again: nothing
    was done with it. An answer that is not JSON (a proxy's error page) raises TransportError
    with one line saying so."""

    # Batches a push may have in flight at once (Client.push). requests' Session is shared by
    # those threads: it keeps no cookies here, and urllib3's connection pool is thread-safe.
    in_flight = 2

    def __init__(self, base_url, timeout=60, ca=None, waits=3, max_wait=300, sleep=time.sleep, on_wait=None):
        import requests

        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # Passed with every request: requests would otherwise let REQUESTS_CA_BUNDLE override it.
        self.verify = ca_bundle(ca)
        self.waits, self.max_wait, self.sleep, self.on_wait = waits, max_wait, sleep, on_wait
        self._requests = requests

    def _send(self, method, path, data, headers, params):
        try:
            return self.session.request(method, self.base_url + path, data=data, headers=headers,
                                        params=params, timeout=self.timeout, verify=self.verify)
        except self._requests.RequestException as exc:
            self.session.close()
            raise TransportError(unreachable(exc, self.base_url)) from exc

    def request(self, method, path, body=None, token=None, params=None):
        """Send one request; return (status, parsed JSON) or raise TransportError."""
        # The protocol this client speaks: a pull without it is answered 400 update_required.
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", dense.HEADER: dense.PROTOCOL}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(data) > GZIP_ABOVE:
                data = gzip(data)
                headers["Content-Encoding"] = "gzip"
        waited = 0
        while True:
            response = self._send(method, path, data, headers, params)
            wait = retry_after(response)
            if (response.status_code == 429 and wait is not None and waited < self.waits
                    and wait <= self.max_wait):
                waited += 1
                if self.on_wait:
                    self.on_wait(wait)
                self.sleep(wait)
                continue
            try:
                # A pull page is megabytes of small arrays: parsed with the cycle collector
                # paused, a full pull takes 0.65 times as long (sync/gc_pause.py).
                with gc_paused():
                    answer = response.json()
            except ValueError as exc:
                self.session.close()
                raise TransportError(not_json(response.status_code, self.base_url),
                                     response.status_code) from exc
            if response.status_code == 429 and wait is not None and isinstance(answer, dict) \
                    and isinstance(answer.get("error"), dict):
                answer["error"].setdefault("retry_after", wait)   # not waited out: the caller may
            return response.status_code, answer

    def request_bytes(self, method, path, data, token=None, params=None):
        """Send raw bytes (an attachment chunk) or none; return (status, body bytes)."""
        headers = {"Authorization": "Bearer " + token} if token else {}
        headers[dense.HEADER] = dense.PROTOCOL
        if data is not None:
            headers["Content-Type"] = "application/octet-stream"
        response = self._send(method, path, data, headers, params)
        return response.status_code, response.content


def json_body(status, content, base_url=""):
    """The JSON of a byte answer (an attachment route's error), or TransportError in one line."""
    try:
        return json.loads(content)
    except ValueError as exc:
        raise TransportError(not_json(status, base_url), status) from exc
