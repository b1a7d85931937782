"""Response headers that every response carries, and the proxy settings behind them."""

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    # Attachments are shown from object URLs of bytes decrypted in memory (docs/pwa.md, Attachments).
    "media-src 'self' blob:",
    "frame-src blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


FORWARDED = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX")


def allowed_peers(spec):
    """Parse ZAPIS_FORWARDED_ALLOW_IPS: addresses or networks, comma-separated; "*" is any peer."""
    spec = spec.strip()
    if spec == "*":
        return None
    nets = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SystemExit("ZAPIS_FORWARDED_ALLOW_IPS: %r is not an address or a network" % part) from None
    return nets


def peer_allowed(peer, nets):
    """Whether the immediate peer may speak for the client (X-Forwarded-*)."""
    if nets is None:
        return True
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in nets)


class TrustedProxies:
    """ProxyFix for requests whose immediate peer is an allowed proxy; for any other peer the
    X-Forwarded-* headers are dropped, so a request sent straight to a host cannot choose its
    own address (its rate-limit key) or claim HTTPS."""

    def __init__(self, app, proxies, nets):
        self.app = app
        self.fixed = ProxyFix(app, x_for=proxies, x_proto=proxies, x_host=proxies)
        self.nets = nets

    def __call__(self, environ, start_response):
        if peer_allowed(environ.get("REMOTE_ADDR"), self.nets):
            return self.fixed(environ, start_response)
        for name in FORWARDED:
            environ.pop(name, None)
        return self.app(environ, start_response)


# Version 2 (2026-12-03): key commitments in changes, key-binding statements, signed revocation
# orders, bounded contexts, low-s signatures. Version 1 clients are refused with `invalid_item`
# ("Update the app") on their next push, and their outboxes stay on the device until they update.
PROTOCOL_VERSION = "3"


def register(app):
    """Add the security headers to every response; trust proxies only when configured, and only
    the peers in ZAPIS_FORWARDED_ALLOW_IPS."""
    proxies = app.config["ZAPIS_TRUSTED_PROXIES"]
    nets = allowed_peers(app.config["ZAPIS_FORWARDED_ALLOW_IPS"])
    if proxies:
        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies, nets)

    @app.after_request
    def headers(response):
        from flask import request

        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        # The camera for this origin only: scanning an invite code (pwa/static/js/ui/scan.js).
        h["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), interest-cohort=()"
        if request.path.startswith("/api/"):
            h["Cache-Control"] = "no-store"
            # The protocol version this server speaks (docs/protocol.md, Versions).
            h["Zapis-Protocol"] = PROTOCOL_VERSION
        if request.is_secure and app.config["ZAPIS_HSTS"]:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response
