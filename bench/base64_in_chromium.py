"""base64url in Chromium: the app's b64encode/b64decode (core/b64.js) against its JavaScript alone
and the engine's Uint8Array.toBase64/fromBase64 alone, at the sizes a catch-up meets (a nonce, a
field's ciphertext, a wrap, a long value).

    .venv/bin/python bench/base64_in_chromium.py [--rounds 20]

Headless Debian Chromium with the project's flags; each cell is the mean time of one call over
2,000 random inputs × rounds, the two orders alternated twice. Prints a table; asserts nothing.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from pwa_budget import ARGS, CHROMIUM  # noqa: E402

SIZES = [12, 32, 60, 96, 200, 400, 1200]

MEASURE = """([rounds, sizes]) => {
  const { b64decode, b64encode, decodeJS, encodeJS } = window.__b64;
  const URL = { alphabet: 'base64url' };
  const NOPAD = { alphabet: 'base64url', omitPadding: true };
  const nativeDecode = (t) => Uint8Array.fromBase64(t, URL);
  const nativeEncode = (b) => b.toBase64(NOPAD);
  const time = (fn, inputs) => {
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const x of inputs) fn(x);
    return ((performance.now() - t0) * 1000) / (rounds * inputs.length);
  };
  const rows = [];
  for (const len of sizes) {
    const bytes = Array.from({ length: 2000 }, () => crypto.getRandomValues(new Uint8Array(len)));
    const texts = bytes.map((b) => encodeJS(b));
    const cell = { len, chars: texts[0].length };
    for (let turn = 0; turn < 2; turn++) {
      for (const [name, fn, inputs] of [['decode js', decodeJS, texts], ['decode app', b64decode, texts],
        ['decode native', nativeDecode, texts], ['encode js', encodeJS, bytes],
        ['encode app', b64encode, bytes], ['encode native', nativeEncode, bytes]]) {
        const us = time(fn, inputs);
        cell[name] = turn ? Math.min(cell[name], us) : us;
      }
    }
    rows.push(cell);
  }
  return rows;
}"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    source = open(os.path.join(ROOT, "pwa", "static", "js", "core", "b64.js")).read()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.add_script_tag(content=source.replace("export ", "") + "\nwindow.__b64 = { b64decode, "
                                "b64encode, decodeJS, encodeJS };")
            rows = page.evaluate(MEASURE, [args.rounds, SIZES])
            version = browser.version
        finally:
            browser.close()
    print("base64url in Chromium %s: µs a call (the better of two turns)\n" % version)
    print("| bytes | chars | decode: JS | decode: app | decode: native | encode: JS | encode: app | "
          "encode: native |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print("| %d | %d | %s |" % (r["len"], r["chars"], " | ".join("%.2f" % r[k] for k in (
            "decode js", "decode app", "decode native", "encode js", "encode app", "encode native"))))


if __name__ == "__main__":
    main()
