"""Response headers that every response carries, and the proxy settings behind them."""

from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def register(app):
    """Add the security headers to every response; trust proxies only when configured."""
    proxies = app.config["ZAPIS_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

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
        if request.is_secure and app.config["ZAPIS_HSTS"]:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response
