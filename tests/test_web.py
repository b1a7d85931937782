"""The app shell, the service worker and the manifest as the server sends them (server/web.py)."""

import json
import re

import pytest

from server import create_app, web


@pytest.fixture
def web_app(tmp_path):
    url = "sqlite:///" + str(tmp_path / "web.sqlite3")
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})


def status(client, url):
    """The status of a GET, with the response closed (static files are streamed)."""
    with client.get(url) as response:
        return response.status_code


def build_of(response):
    return json.loads(re.search(r"const BUILD = (\{.*?\});", response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize("path", ["/", "/join", "/setup"])
def test_every_app_route_gets_the_same_shell_with_no_inline_script(web_app, path):
    response = web_app.test_client().get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html == web_app.test_client().get("/").get_data(as_text=True)
    assert '<script type="module" src="/static/js/app.js"></script>' in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert "style=" not in html and "<style" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_shell_preloads_what_the_first_screen_imports_and_the_preferred_language(web_app):
    client = web_app.test_client()
    html = client.get("/").get_data(as_text=True)
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    # The entry and everything it imports statically, near and far...
    for url in ["/static/js/app.js", "/static/js/session.js", "/static/js/ui/lock.js",
                "/static/vendor/idb/idb.js",
                "/static/js/core/canonical.js"]:
        assert url in preloaded
    # ...but not the screens behind the lock, which it imports on demand, nor what it never imports.
    for url in ["/static/js/record-screens.js", "/static/js/ui/settings.js", "/static/vendor/uqr/uqr.js",
                "/static/js/store/memory-adapter.js"]:
        assert url not in preloaded
    build = build_of(client.get("/sw.js"))
    assert set(preloaded) < set(build["precache"])  # all of it still cached for offline
    assert "/static/js/record-screens.js" in build["precache"]
    for header, lang in [("pl-PL,pl;q=0.9,en;q=0.8", "pl"), ("de-DE,be;q=0.5", "be"), ("fr", "en"),
                         (None, "en")]:
        response = client.get("/", headers={"Accept-Language": header} if header else {})
        assert f'<link rel="preload" href="/static/i18n/{lang}.json" as="fetch" crossorigin="anonymous">' \
            in response.get_data(as_text=True)
        assert "Accept-Language" in response.headers["Vary"]


def test_the_service_worker_precaches_the_shell_with_a_content_version(web_app):
    response = web_app.test_client().get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    build = build_of(response)
    assert re.fullmatch(r"[0-9a-f]{16}", build["version"])
    for url in ["/", "/calc", "/manifest.webmanifest", "/static/js/app.js", "/static/css/app.css",
                "/static/i18n/be.json", "/static/vendor/idb/idb.js", "/static/icons/maskable-512.png"]:
        assert url in build["precache"]
    assert not [u for u in build["precache"] if u.startswith("/api") or "/sw/" in u or "LICENSE" in u]
    # Every precached URL exists: a missing one would make the install fail on every phone.
    client = web_app.test_client()
    for url in build["precache"]:
        assert status(client, url) == 200, url
    # The passphrase estimator, its word lists and the QR decoder (megabytes) load when needed.
    assert not [u for u in build["precache"] if "/zxcvbn-ts/" in u or "/wordlists/" in u or "/jsqr/" in u]
    for url in ["/static/vendor/zxcvbn-ts/core/index.mjs", "/static/vendor/wordlists/dictionaries.json",
                "/static/vendor/jsqr/jsQR.js"]:
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.mimetype in ("text/javascript", "application/json"), url


def test_the_camera_is_allowed_for_this_origin_only(web_app):
    # Scanning an invite's QR code needs the camera; microphone and location stay off.
    with web_app.test_client().get("/") as response:
        policy = response.headers["Permissions-Policy"]
    assert "camera=(self)" in policy
    assert "microphone=()" in policy and "geolocation=()" in policy


def test_the_cache_version_follows_the_files_content(web_app, tmp_path, monkeypatch):
    first = web.build(web_app)["version"]
    web_app.extensions.pop("zapis_web_build")
    assert web.build(web_app)["version"] == first  # same files, same version
    real = web._read

    def changed(path):
        data = real(path)
        return data + b"/* changed */" if path.endswith("app.css") else data

    monkeypatch.setattr(web, "_read", changed)
    web_app.extensions.pop("zapis_web_build")
    assert web.build(web_app)["version"] != first


def test_the_manifest_makes_the_app_installable(web_app):
    response = web_app.test_client().get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"]
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert status(web_app.test_client(), icon["src"]) == 200


def test_the_panic_page_says_nothing_of_the_app(web_app):
    html = web_app.test_client().get("/calc").get_data(as_text=True)
    assert "Calculator" in html
    assert "zapis" not in html.lower()


def test_the_camouflage_manifest_is_a_calculator_in_the_chosen_language(web_app):
    client = web_app.test_client()
    for query, headers, name in [("?lang=be", {}, "Калькулятар"), ("?lang=lt", {}, "Skaičiuotuvas"),
                                 ("", {"Accept-Language": "pl-PL,pl;q=0.9"}, "Kalkulator"),
                                 ("?lang=xx", {}, "Calculator")]:
        response = client.get("/calc.webmanifest" + query, headers=headers)
        assert response.mimetype == "application/manifest+json"
        manifest = response.get_json(force=True)
        assert manifest["name"] == manifest["short_name"] == name
        text = response.get_data(as_text=True).lower()
        assert "zapis" not in text and "/static/icons/icon" not in text
        # The same app as the real manifest (one installed app), starting at the calculator.
        assert manifest["id"] == "/" and manifest["start_url"] == "/calc"
        assert manifest["display"] == "standalone"
        sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        for icon in manifest["icons"]:
            assert "calc" in icon["src"] and status(client, icon["src"]) == 200


def test_the_service_worker_pastes_in_the_push_code_and_its_imports_only_in_order(web_app, monkeypatch):
    source = web.worker_source(web_app)
    parts = re.findall(r"^// --- (js/[a-z/_-]+\.js) ---$", source, re.M)
    assert parts == ["js/sync/outbox.js", "js/store/chunks.js", "js/sync/uploads.js"]
    assert not re.search(r"^\s*(import|export)\b", source, re.M)
    assert "function uploadChunks(" in source and "class ChunkStore" in source
    # A module included before the one it imports from (or one importing what is not included at
    # all) is refused when the worker is built, not left to fail on the phone.
    real = web._read
    monkeypatch.setattr(web, "_read", lambda path: real(path).replace(
        b"// INCLUDE js/sync/outbox.js\n", b"") if path.endswith("sw.js") else real(path))
    with pytest.raises(RuntimeError, match="uploads.js imports js/sync/outbox.js"):
        web.worker_source(web_app)
