"""The JavaScript core's node tests, run again in Chromium: the shared vectors (and the pure
modules' own tests) must hold with the browser's WebCrypto and JSON, not only Node's.

The test files run unchanged. The page imports them through an import map that points
`node:test`, `node:assert/strict` and `node:fs` at small browser versions (tests/browser/node_shims);
every file comes straight from the repository through a Playwright route on the app's origin
(a secure context, so WebCrypto is there), so this runs the very code the app serves.
"""

import json
import mimetypes
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIMS = "/repo/tests/browser/node_shims/"
SERVED = ("tests/js/", "tests/vectors/", "pwa/static/js/", "pwa/static/vendor/", "tests/browser/node_shims/")
RUNNER = """<!doctype html>
<meta charset="utf-8">
<title>node tests in Chromium</title>
<script type="importmap">%s</script>
<script type="module" src="%srun.mjs"></script>
""" % (json.dumps({"imports": {"node:test": SHIMS + "test.mjs", "node:assert/strict": SHIMS + "assert.mjs",
                                "node:assert": SHIMS + "assert.mjs", "node:fs": SHIMS + "fs.mjs"}}), SHIMS)

# The node test files that need nothing of Node beyond test, assert and reading a file.
IN_CHROMIUM = ["vectors.test.mjs", "canonical.test.mjs", "merge.test.mjs", "envelopes.test.mjs",
               "keys.test.mjs",
               "trust.test.mjs", "trust-vectors.test.mjs", "epoch-vectors.test.mjs", "dense.test.mjs",
               "field-ids.test.mjs", "attachments.test.mjs", "hash.test.mjs", "b64.test.mjs"]


def serve(route):
    path = route.request.url.split("/repo/", 1)[1].split("?")[0]
    if path == "runner.html":
        return route.fulfill(status=200, content_type="text/html", body=RUNNER)
    full = os.path.normpath(os.path.join(ROOT, path))
    if not path.startswith(SERVED) or not full.startswith(ROOT + os.sep) or not os.path.isfile(full):
        return route.fulfill(status=404, body="not served")
    kind = ("text/javascript" if full.endswith((".js", ".mjs"))
            else mimetypes.guess_type(full)[0] or "text/plain")
    with open(full, "rb") as f:
        return route.fulfill(status=200, content_type=kind, body=f.read())


@pytest.mark.parametrize("name", IN_CHROMIUM)
def test_the_node_tests_of_the_core_pass_in_chromium(make_context, server, name):
    ctx = make_context()
    ctx.route(server.url + "/repo/**", serve)
    page = ctx.new_page()
    page.goto("%s/repo/runner.html?module=/repo/tests/js/%s" % (server.url, name))
    page.wait_for_function("Array.isArray(window.__results)", timeout=120000)
    results = page.evaluate("window.__results")
    failed = [(r["name"], r["error"]) for r in results if not r["ok"]]
    assert failed == []
    assert len(results) >= 5, results  # the file's tests were collected and run
    print("%s: %d tests passed in Chromium" % (name, len(results)))
