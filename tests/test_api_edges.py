"""Security headers, the OpenAPI document, health, rate limits."""

from openapi_spec_validator import validate

from server.extensions import limiter


def limited_app(make_app, **config):
    app = make_app(RATELIMIT_ENABLED=True, **config)
    with app.app_context():
        limiter.reset()
    return app


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/healthz"), client.get("/api/sync/pull"), client.get("/api/nowhere")):
        h = response.headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert h["Referrer-Policy"] == "no-referrer"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in h  # plain HTTP: HSTS only behind TLS


def test_hsts_is_sent_behind_a_tls_proxy(make_app):
    app = make_app(ZAPIS_TRUSTED_PROXIES=1)
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_responses_are_not_cached(client):
    assert client.get("/api/sync/pull").headers["Cache-Control"] == "no-store"


def test_health_reports_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_the_openapi_document_is_valid_and_covers_every_api_route(client, app):
    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    documented = {path for path in doc["paths"]}
    routes = {str(r.rule).replace("<", "{").replace(">", "}") for r in app.url_map.iter_rules()
              if str(r.rule).startswith("/api/") and r.endpoint != "docs.openapi"}
    assert routes <= documented
    push = doc["paths"]["/api/sync/push"]["post"]
    assert push["security"] == [{"bearer": []}]
    assert set(push["responses"]) >= {"200", "400", "401", "413"}


def test_failed_authentication_is_rate_limited(make_app):
    app = limited_app(make_app, ZAPIS_AUTH_FAIL_LIMIT="5/minute")
    client = app.test_client()
    codes = [client.get("/api/sync/pull", headers={"Authorization": "Bearer wrong"}).status_code
             for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    body = client.get("/api/me").get_json()
    assert body["error"]["code"] == "rate_limited"


def test_successful_requests_do_not_use_up_the_failure_limit(make_app):
    from support import Workspace

    app = limited_app(make_app, ZAPIS_AUTH_FAIL_LIMIT="3/minute")
    ws = Workspace(app)
    for _ in range(10):
        ws.call(ws.root, "GET", "/api/me")


def test_enrollment_is_rate_limited(make_app):
    app = limited_app(make_app, ZAPIS_ENROLL_LIMIT="3/minute")
    client = app.test_client()
    codes = [client.post("/api/enroll", json={"invite": "guess%d" % i}).status_code for i in range(5)]
    assert codes == [400, 400, 400, 429, 429]


def test_every_api_answer_names_the_protocol_version(client):
    """Clients and second implementations can tell which rules a server applies (protocol.md, Versions)."""
    assert client.get("/api/openapi.json").headers["Zapis-Protocol"] == "3"
    assert client.get("/api/sync/pull").headers["Zapis-Protocol"] == "3"   # errors too (401 here)
