"""The app shell, the service worker and the manifest: what a browser loads to run the PWA.

There is no build step. The service worker's cache version and precache list are computed here
from the content hashes of the files it caches, so deploying new files is enough for every phone
to see an update (which the app then offers; it never forces a reload).
"""

import hashlib
import json
import os
import re

from flask import Blueprint, Response, current_app, render_template, request

bp = Blueprint("web", __name__)

# Files under pwa/static that the app shell needs offline. Vendored licences, the service worker's
# own source and anything else stay out of the cache.
PRECACHED_TYPES = (".js", ".css", ".json", ".png", ".svg")
# The estimator and its word lists (megabytes) load when a passphrase is chosen, not at install.
NOT_PRECACHED = ("js/sw/", "vendor/zxcvbn-ts/", "vendor/wordlists/", "vendor/jsqr/")
# The service worker source holds this line; the server replaces it with the real build.
BUILD_LINE = "const BUILD = { version: 'unbuilt', precache: [] };"
# ...and lines like this one, which it replaces with an ES module of the app, its `export`
# keywords taken off: the worker shares the page's push code without `import`. A module may import
# only from modules included before it (their names are then in the worker's scope already).
INCLUDE = re.compile(r"^// INCLUDE (js/[a-z0-9/_-]+\.js)$", re.M)
EXPORT = re.compile(r"^export (?=(async )?(function|class|const|let) )", re.M)
IMPORT = re.compile(r"^import \{[\w\s,]+\} from '(\.{1,2}/[a-z0-9/_-]+\.js)';\n", re.M)
SW_SOURCE = "js/sw/sw.js"
MANIFEST = "manifest.webmanifest"
PAGES = ("/", "/calc")
APP_MODULE = "js/app.js"
# A static import or re-export: `import ... from '...'`, `export ... from '...'`, `import '...'`.
# Dynamic `import('...')` is left out on purpose: what loads later is not preloaded.
STATIC_IMPORT = re.compile(r"^\s*(?:(?:import|export)\s[^;'\"]*?\bfrom|import)\s*['\"]([^'\"]+)['\"]", re.M)
# The shell preloads the translations of the language the browser prefers, picked the way
# pwa/static/js/i18n.js picks it; the languages are the files in pwa/static/i18n/.
DEFAULT_LANGUAGE = "en"


def _static_files(static_folder):
    """Relative paths of the precached static files, sorted."""
    out = []
    for root, _dirs, files in os.walk(static_folder):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), static_folder).replace(os.sep, "/")
            if rel.endswith(PRECACHED_TYPES) and not rel.startswith(NOT_PRECACHED):
                out.append(rel)
    return sorted(out)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def modules(app):
    """The ES modules the app's entry imports statically, near and far, which the shell preloads
    so they do not load one import at a time. Screens the app imports on demand are not among
    them: the first screen does not wait for them (the service worker still caches them)."""
    cached = app.extensions.get("zapis_web_modules")
    if cached is not None:
        return cached
    root = app.static_folder
    seen, todo = set(), [APP_MODULE]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        source = _read(os.path.join(root, rel)).decode("utf-8")
        for target in STATIC_IMPORT.findall(source):
            todo.append(os.path.normpath(os.path.join(os.path.dirname(rel), target)).replace(os.sep, "/"))
    result = ["/static/" + rel for rel in sorted(seen)]
    app.extensions["zapis_web_modules"] = result
    return result


def preferred_language(app, accept_languages):
    """The first of the app's languages the browser asks for, as the app itself picks it."""
    for tag, _quality in accept_languages:
        base = tag.lower().replace("_", "-").split("-")[0]
        if base in _languages(app):
            return base
    return DEFAULT_LANGUAGE


def _languages(app):
    cached = app.extensions.get("zapis_web_languages")
    if cached is None:
        cached = frozenset(name[:-len(".json")]
                           for name in os.listdir(os.path.join(app.static_folder, "i18n"))
                           if name.endswith(".json"))
        app.extensions["zapis_web_languages"] = cached
    return cached


def _shell(lang):
    return render_template("shell.html", modules=modules(current_app), lang=lang)


def build(app):
    """{version, precache}: the cache version is a hash over every cached URL and its content."""
    cached = app.extensions.get("zapis_web_build")
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    urls = []
    for rel in _static_files(app.static_folder):
        url = "/static/" + rel
        urls.append(url)
        digest.update(url.encode() + b"\0" + hashlib.sha256(_read(os.path.join(app.static_folder, rel)))
                      .digest())
    with app.test_request_context():
        pages = {"/": _shell(DEFAULT_LANGUAGE),
                 "/calc": render_template("calc.html")}
    for url, html in pages.items():
        digest.update(url.encode() + b"\0" + hashlib.sha256(html.encode()).digest())
    for rel in (SW_SOURCE, MANIFEST):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(_read(os.path.join(app.static_folder, rel)))
                      .digest())
    result = {"version": digest.hexdigest()[:16], "precache": list(PAGES) + ["/" + MANIFEST] + urls}
    app.extensions["zapis_web_build"] = result
    return result


def _no_cache(response):
    # Every request revalidates: the service worker, not the HTTP cache, keeps the app offline.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@bp.get("/join")
@bp.get("/setup")
def shell():
    """The app shell. The same page for every route, so the service worker caches one copy;
    the app reads the route, and the secrets of invite and setup links, in the browser."""
    response = Response(_shell(preferred_language(current_app, request.accept_languages)),
                        mimetype="text/html")
    response.vary.add("Accept-Language")
    return _no_cache(response)


@bp.get("/calc")
def calc():
    """The harmless page the panic control leaves for: a calculator that says nothing of Zapis."""
    return _no_cache(Response(render_template("calc.html"), mimetype="text/html"))


def _included(static_folder, match, done):
    path = match.group(1)
    source = _read(os.path.join(static_folder, path)).decode("utf-8")

    def imported(m):
        target = os.path.normpath(os.path.join(os.path.dirname(path), m.group(1)))
        if target not in done:
            raise RuntimeError("%s imports %s, which the service worker does not include before it"
                               % (path, target))
        return ""

    body = EXPORT.sub("", IMPORT.sub(imported, source))
    if re.search(r"^\s*(import|export)\b", body, re.M):
        raise RuntimeError("%s must import only from modules included before it to be included in the "
                           "service worker" % path)
    done.append(path)
    return "// --- %s ---\n%s// --- end of %s ---" % (path, body, path)


def worker_source(app):
    """The service worker as served: its build filled in and its includes pasted in, in order."""
    source = _read(os.path.join(app.static_folder, SW_SOURCE)).decode("utf-8")
    if BUILD_LINE not in source:
        raise RuntimeError("%s must contain the line %r" % (SW_SOURCE, BUILD_LINE))
    line = "const BUILD = %s;" % json.dumps(build(app), separators=(",", ":"))
    done = []
    source = INCLUDE.sub(lambda m: _included(app.static_folder, m, done), source)
    return source.replace(BUILD_LINE, line)


@bp.get("/sw.js")
def service_worker():
    """The service worker, with its cache version and precache list filled in."""
    response = Response(worker_source(current_app), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest (name, icons, colours, standalone display)."""
    body = _read(os.path.join(current_app.static_folder, MANIFEST))
    return _no_cache(Response(body, mimetype="application/manifest+json"))


# Camouflage (pwa/static/js/door.js): the manifest of an app that looks like a calculator. The
# page links to it, with its language, only when the person chose the look on this phone; the
# server learns nothing else. Same id as the real manifest, so it stays one installed app; it
# starts at the calculator, which is the door.
CALC_NAMES = {"be": "Калькулятар", "ru": "Калькулятор", "uk": "Калькулятор", "en": "Calculator",
              "pl": "Kalkulator", "lt": "Skaičiuotuvas"}


@bp.get("/calc.webmanifest")
def calc_manifest():
    """The manifest of the camouflaged app: a calculator's name and icon."""
    lang = request.args.get("lang", "")
    if lang not in CALC_NAMES:
        lang = preferred_language(current_app, request.accept_languages)
    name = CALC_NAMES.get(lang, CALC_NAMES["en"])
    body = {
        "name": name, "short_name": name, "lang": lang, "id": "/", "start_url": "/calc", "scope": "/",
        "display": "standalone", "orientation": "portrait",
        "background_color": "#f6f7f8", "theme_color": "#3a3f44",
        "icons": [
            {"src": "/static/icons/calc-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/calc-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/calc-maskable-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": "/static/icons/calc.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.vary.add("Accept-Language")
    return _no_cache(response)


def register(app):
    """Mount the shell, the service worker and the manifest at the site root."""
    app.register_blueprint(bp)
