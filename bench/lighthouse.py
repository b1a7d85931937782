"""Lighthouse (npm) with Debian's Chromium against the PWA under gunicorn, mobile profile, and the
first-load bytes and offline open time in Playwright. Prints one markdown document; asserts nothing.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--records 100] [--offline-records 1000]
        [--code HEAD|worktree|<commit>] [--out FILE]

Lighthouse installs itself on first use with `npm ci` into bench/.env/lighthouse/ from the pinned
bench/lighthouse/package.json and package-lock.json (reused while the lock is unchanged), and runs
with its defaults: the mobile profile (an emulated Moto G Power, simulated slow 4G and a 4x CPU
slowdown), categories performance, accessibility, best practices and SEO.

The app runs as the README deploys it (tests/servers.py: gunicorn -c gunicorn.conf.py, 2 workers)
on a fresh migrated SQLite database, from `--code` (HEAD by default, exported with git archive:
the work tree is shared, and pwa/ may be half edited). Audited:

- `/` and the invite link `/join#...` on a first visit: the Lighthouse CLI, which starts its own
  Chromium on an empty profile, `--runs` times each; the run with the median performance score is
  shown, with the range.
- a device that has joined (a user flow, bench/lighthouse/flow.mjs): Chromium with a profile of
  its own, in which Playwright joins a workspace and saves `--records` records; then Lighthouse
  (puppeteer-core, connected to the same Chromium) navigates to `/` without resetting storage
  (the lock screen, served by the service worker), times typing the passphrase and Unlock until
  the list is drawn (a timespan), and inspects the unlocked list (a snapshot).

Besides Lighthouse, in Playwright (bench/pwa_budget.py's functions): the bytes a first visit
transfers (everything, the service worker's precache included, and the JavaScript and CSS after
gzip), and the time to open offline (service worker installed, network off, reload to the lock
screen ready for input; then unlock to a list of `--offline-records` records).

Reports: bench/out/lighthouse/<time>/ (JSON and HTML of every run; gitignored).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import pwa_budget  # noqa: E402  (puts the work tree first on sys.path; undone below)

for _p in (ROOT, os.path.join(ROOT, "tests")):
    while _p in sys.path:
        sys.path.remove(_p)
sys.modules.pop("servers", None)
sys.path.insert(0, HERE)

from peerlib import ENV, free_port, installed, mark, run, stop_group, wait_http  # noqa: E402

PREFIX = os.path.join(ENV, "lighthouse")
SOURCE = os.path.join(HERE, "lighthouse")
OUT = os.path.join(HERE, "out", "lighthouse")
CHROMIUM = os.environ.get("ZAPIS_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
PASSPHRASE = pwa_budget.PASSPHRASE
CATEGORIES = ["performance", "accessibility", "best-practices", "seo", "pwa"]
METRICS = [("FCP", "first-contentful-paint"), ("LCP", "largest-contentful-paint"),
           ("TBT", "total-blocking-time"), ("CLS", "cumulative-layout-shift")]


def log(*args):
    print("[%s load %.2f %.2f %.2f]" % ((time.strftime("%H:%M:%S"),) + os.getloadavg()), *args,
          file=sys.stderr, flush=True)


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# -- the install -------------------------------------------------------------------------------

def install():
    """npm ci into bench/.env/lighthouse from the pinned lock; reused while the lock is unchanged."""
    with open(os.path.join(SOURCE, "package-lock.json"), encoding="utf-8") as f:
        spec = f.read()
    with open(os.path.join(SOURCE, "package.json"), encoding="utf-8") as f:
        spec += f.read()
    marker = os.path.join(PREFIX, ".installed")
    if not installed(marker, spec):
        log("installing Lighthouse into %s (npm ci) ..." % PREFIX)
        os.makedirs(PREFIX, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(SOURCE, name), os.path.join(PREFIX, name))
        # No package in the lock has an install script; --ignore-scripts keeps it that way.
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PREFIX)
        mark(marker, spec)
    # The flow script imports lighthouse and puppeteer-core, which resolve from its own folder.
    shutil.copy(os.path.join(SOURCE, "flow.mjs"), os.path.join(PREFIX, "flow.mjs"))


def versions():
    def pkg(name):
        with open(os.path.join(PREFIX, "node_modules", name, "package.json"), encoding="utf-8") as f:
            return json.load(f)["version"]

    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return {"lighthouse": pkg("lighthouse"), "puppeteer-core": pkg("puppeteer-core"),
            "axe-core": pkg("axe-core"), "node": run(["node", "--version"]).strip(), "chromium": chromium}


# -- Lighthouse --------------------------------------------------------------------------------

def env():
    return {**os.environ, "CHROME_PATH": CHROMIUM}


RETRIES = []  # (what, the error's last line): runs that failed and were made again


def attempts(what, fn, tries=3):
    """fn() until it succeeds, at most `tries` times: now and then Chromium's trace of a load comes
    back without its navigationStart (Lighthouse's NO_NAVSTART), and the run has to be made again."""
    for attempt in range(tries):
        try:
            return fn()
        except RuntimeError as e:
            RETRIES.append((what, str(e).strip().splitlines()[-1][:200]))
            log("%s failed (%s)%s" % (what, RETRIES[-1][1], ", again" if attempt + 1 < tries else ""))
            if attempt + 1 == tries:
                raise


def lighthouse_cli(url, out):
    """One Lighthouse run with its defaults (mobile) in a Chromium of its own; returns the LHR."""
    cmd = ["node", os.path.join(PREFIX, "node_modules", "lighthouse", "cli", "index.js"), url,
           "--output=json", "--output=html", "--output-path=" + out,
           "--chrome-flags=" + " ".join(CHROME_FLAGS), "--no-enable-error-reporting", "--quiet"]
    proc = subprocess.run(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RuntimeError("lighthouse failed (%s):\n%s" % (proc.returncode, proc.stdout[-4000:]))
    with open(out + ".report.json", encoding="utf-8") as f:
        lhr = json.load(f)
    if lhr.get("runtimeError") or any(c.get("score") is None for c in lhr["categories"].values()):
        error = (lhr.get("runtimeError") or {}).get("code", "a category without a score")
        raise RuntimeError("lighthouse: %s" % error)
    return lhr


class Chromium:
    """Debian's Chromium with a profile of its own and a DevTools port, for the user flow."""

    def __init__(self, folder):
        self.port = free_port()
        self.profile = os.path.join(folder, "profile")
        self.log = os.path.join(folder, "chromium.log")
        self.proc = None

    def __enter__(self):
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([CHROMIUM, *CHROME_FLAGS, "--remote-debugging-port=%d" % self.port,
                                          "--user-data-dir=" + self.profile, "--no-first-run",
                                          "--disable-default-apps", "about:blank"],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_http("http://127.0.0.1:%d/json/version" % self.port, self.proc, log=self.log)
        return self

    def __exit__(self, *exc):
        stop_group(self.proc)


def joined_device(chromium, link, records):
    """Join with Playwright in the flow's Chromium, wait for the service worker's cache, save
    `records` records (pwa_budget.SEED: the app's own modules), and leave the profile locked."""
    from playwright.sync_api import sync_playwright

    from drive import join, wait_offline_ready

    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp("http://127.0.0.1:%d" % chromium.port)
        page = browser.contexts[0].new_page()
        page.set_default_timeout(120000)
        join(page, link, PASSPHRASE)
        wait_offline_ready(page)
        page.evaluate(pwa_budget.SEED, [records, PASSPHRASE])
        page.close()


def lighthouse_flow(chromium, base, records, out):
    """bench/lighthouse/flow.mjs against the joined device; returns the FlowResult."""
    opts = {"port": chromium.port, "base": base, "records": records, "passphrase": PASSPHRASE, "out": out}
    proc = subprocess.run(["node", os.path.join(PREFIX, "flow.mjs"), json.dumps(opts)], env=env(),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("the Lighthouse flow failed (%s):\n%s" % (proc.returncode, proc.stderr[-4000:]))
    with open(out + ".report.json", encoding="utf-8") as f:
        return json.load(f)


# -- reading reports ---------------------------------------------------------------------------

def score(lhr, category):
    c = lhr["categories"].get(category)
    if c is None or c.get("score") is None:
        return None
    return round(c["score"] * 100)


def metric(lhr, audit):
    a = lhr["audits"].get(audit)
    if not a or a.get("numericValue") is None or a.get("scoreDisplayMode") in ("notApplicable", "error"):
        return None
    return a["numericValue"]


def lost_points(lhr):
    """Audits that cost points: (category, weight, audit id, score, display value, title)."""
    out = []
    for cid, cat in lhr["categories"].items():
        for ref in cat["auditRefs"]:
            a = lhr["audits"][ref["id"]]
            if a.get("score") is None or a["score"] >= 1 or a["scoreDisplayMode"] in ("informative",
                                                                                       "manual"):
                continue
            weight = ref.get("weight", 0)
            if cid != "performance" or weight > 0 or ref.get("group") in ("insights", "diagnostics"):
                out.append((cid, weight, ref["id"], a["score"], a.get("displayValue") or "", a["title"]))
    return out


def median_run(lhrs):
    """The run with the median performance score (Lighthouse's advice: judge the median run)."""
    ranked = sorted(lhrs, key=lambda r: (score(r, "performance") or 0, -(metric(r, "interactive") or 0)))
    return ranked[(len(ranked) - 1) // 2]


def fmt_ms(v):
    return "—" if v is None else ("%.0f ms" % v if v < 1000 else "%.2f s" % (v / 1000))


def fmt_score(lhrs, category):
    values = [score(r, category) for r in lhrs]
    if all(v is None for v in values):
        return None
    mid = score(median_run(lhrs), category)
    known = [v for v in values if v is not None]
    if len(known) > 1 and min(known) != max(known):
        return "%s (%d–%d)" % (mid, min(known), max(known))
    return str(mid)


def row(page, perf_lhrs, other_lhr=None):
    """A table row: scores from `perf_lhrs` (runs of one page; the median shown), other categories
    from `other_lhr` when given (the snapshot of the unlocked list)."""
    best = median_run(perf_lhrs)
    cells = {"page": page}
    for c in CATEGORIES:
        if c == "performance" or other_lhr is None:
            cells[c] = fmt_score(perf_lhrs, c)
        else:
            cells[c] = fmt_score([other_lhr], c)
    for name, audit in METRICS:
        v = metric(best, audit)
        cells[name] = "—" if v is None else ("%.3f" % v if name == "CLS" else fmt_ms(v))
    weight = metric(best, "total-byte-weight")
    cells["transfer"] = "—" if weight is None else "%.1f KB" % (weight / 1024)
    return cells


# -- bytes and the offline open (Playwright) ---------------------------------------------------

def first_visit_bytes(browser, base):
    """Every byte a first visit to `/` transfers until the service worker has cached the shell:
    the page's requests and the worker's (its script and precache), headers included."""
    from drive import wait_offline_ready

    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    seen = []

    def finished(request):
        sizes = request.sizes()
        seen.append((request.url, bool(request.service_worker), sizes["responseHeadersSize"],
                     sizes["responseBodySize"]))

    ctx.on("requestfinished", finished)
    page = ctx.new_page()
    page.goto(base + "/")
    page.get_by_role("heading", name="Welcome").wait_for()
    wait_offline_ready(page)
    page.wait_for_load_state("networkidle")
    ctx.close()
    return seen


def bytes_and_offline(base, offline_link, offline_records, runs):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=pwa_budget.ARGS)
        visit = first_visit_bytes(browser, base)
        js_css = pwa_budget.first_load(browser, base)
        version, cached = pwa_budget.precache(base)
        timings = pwa_budget.offline_open(browser, base, offline_link, offline_records, runs)
        browser.close()
    return visit, js_css, version, cached, timings


# -- the run -----------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3,
                        help="Lighthouse runs of each first-visit page, and of the flow")
    parser.add_argument("--records", type=int, default=100, help="records on the device of the user flow")
    parser.add_argument("--offline-records", type=int, default=1000,
                        help="records on the device of the offline open")
    parser.add_argument("--offline-runs", type=int, default=3)
    parser.add_argument("--code", default="HEAD",
                        help="which commit serves the app (git archive), or 'worktree'")
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args(argv)

    started = datetime.datetime.now(datetime.UTC)
    load_before = uptime()
    install()
    vers = versions()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    outdir = os.path.join(OUT, stamp)
    os.makedirs(outdir, exist_ok=True)

    tmp = tempfile.mkdtemp(prefix="zapis-lighthouse-")
    try:
        from peers import snapshot

        code = snapshot(args.code, tmp)
        root = sys.path[1]
        sys.path.append(os.path.join(root, "tests", "browser"))
        from benchlib import backend_url, new_workspace
        from servers import GunicornServer

        folder = os.path.join(tmp, "run")
        os.makedirs(folder)
        db = backend_url("sqlite", folder)
        with GunicornServer(db, folder) as server:
            base = server.url
            coordinator = new_workspace(db, base)
            invite = lambda: coordinator.create_invite("volunteer", base_url=base)  # noqa: E731
            join_link = invite()

            cold = {}
            for name, url in (("start", base + "/"), ("join", join_link)):
                cold[name] = []
                for i in range(args.runs):
                    log("lighthouse %s, run %d of %d" % (name, i + 1, args.runs))
                    path = os.path.join(outdir, "%s-%d" % (name, i + 1))
                    cold[name].append(attempts("lighthouse %s, run %d" % (name, i + 1),
                                               lambda url=url, path=path: lighthouse_cli(url, path)))

            flows = []
            with Chromium(folder) as chromium:
                log("joining and saving %d records in the flow's Chromium" % args.records)
                joined_device(chromium, invite(), args.records)
                for i in range(args.runs):
                    log("lighthouse flow, run %d of %d" % (i + 1, args.runs))
                    path = os.path.join(outdir, "flow-%d" % (i + 1))
                    flows.append(attempts("lighthouse flow, run %d" % (i + 1),
                                          lambda path=path: lighthouse_flow(chromium, base,
                                                                            args.records, path)))

            log("first-load bytes and offline open (%d records)" % args.offline_records)
            visit, js_css, version, cached, timings = bytes_and_offline(base, invite(), args.offline_records,
                                                                        args.offline_runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finished = datetime.datetime.now(datetime.UTC)
    load_after = uptime()

    # -- the report ----------------------------------------------------------------------------
    steps = [f["steps"] for f in flows]
    navs = [s[0]["lhr"] for s in steps]
    spans = [s[1]["lhr"] for s in steps]
    snaps = [s[2]["lhr"] for s in steps]
    rows = [row("`/` first visit (welcome screen)", cold["start"]),
            row("`/join#…` invite link, first visit (join form)", cold["join"]),
            row("`/` joined device, service worker (lock screen)", navs),
            row("unlock → list of %d records (timespan; snapshot)" % args.records, spans,
                median_run(snaps) if snaps else None)]
    cats = [c for c in CATEGORIES if any(r[c] is not None for r in rows)]
    heads = ["page"] + cats + [m for m, _ in METRICS] + ["transfer"]
    lines = []
    out = lines.append
    cli_env = cold["start"][0]["environment"]
    out("# Lighthouse: the PWA on the mobile profile, %s" % started.strftime("%Y-%m-%d"))
    out("")
    out("`bench/lighthouse.py %s` on %s, %d cores; started %s, finished %s (UTC). App: %s." % (
        " ".join(argv if argv is not None else sys.argv[1:]), platform.node(), os.cpu_count(),
        started.strftime("%H:%M"), finished.strftime("%H:%M"), code))
    out("")
    cfg = cold["start"][0]["configSettings"]
    agent = cli_env["networkUserAgent"]
    device = "emulated Moto G Power" if "moto g power" in agent else agent
    bench_index = statistics.median(r["environment"]["benchmarkIndex"] for rs in cold.values() for r in rs)
    out("Lighthouse %s (npm, Node %s; axe-core %s), %s (`/usr/bin/chromium`); the default mobile "
        "profile: %s, `formFactor` %s, throttling %s (RTT %d ms, %d Kbps down, CPU ×%g); Lighthouse's "
        "benchmark index of this machine %.0f." % (
            vers["lighthouse"], vers["node"], vers["axe-core"], vers["chromium"], device, cfg["formFactor"],
            cfg["throttlingMethod"], cfg["throttling"]["rttMs"], cfg["throttling"]["throughputKbps"],
            cfg["throttling"]["cpuSlowdownMultiplier"], bench_index))
    out("")
    out("Load average: before `%s`; after `%s`." % (load_before, load_after))
    out("")
    out("| " + " | ".join(heads) + " |")
    out("| --- |" + " ---: |" * (len(heads) - 1))
    for r in rows:
        out("| " + " | ".join("—" if r[h] is None else r[h] for h in heads) + " |")
    out("")
    out("Scores are of the run with the median performance score of %d (range in brackets); the "
        "first two rows are the Lighthouse CLI on an empty profile; the last two are one user flow "
        "(bench/lighthouse/flow.mjs) on a device with %d records: a navigation that keeps storage, "
        "then a timespan from typing the passphrase to the drawn list (Lighthouse scores a timespan "
        "on TBT and CLS only, unthrottled: simulation needs a page load) and a snapshot of the "
        "unlocked list for the other categories. Transfer: Lighthouse's total byte weight (bytes "
        "transferred, headers included; what the service worker answers counts its own size)."
        % (args.runs, args.records))
    out("")

    page_bytes = sum(h + b for _u, sw, h, b in visit if not sw)
    sw_bytes = sum(h + b for _u, sw, h, b in visit if sw)
    raw = sum(v[1] for v in js_css.values())
    zipped = sum(v[2] for v in js_css.values())
    sent = sum(v[0] for v in js_css.values())
    pre_js_css = sum(cached.get(e, (0, 0, 0))[2] for e in (".js", ".css"))
    shell = statistics.median(t[0] for t in timings)
    unlock = statistics.median(t[1] for t in timings)
    out("First load and offline open (Playwright, the same Chromium, 360×740, no throttling):")
    out("")
    out("- first visit to `/`, everything transferred until the service worker holds the shell: "
        "%.1f KB (%d requests by the page, %.1f KB; %d by the service worker, %.1f KB), headers included"
        % ((page_bytes + sw_bytes) / 1024, sum(1 for v in visit if not v[1]), page_bytes / 1024,
           sum(1 for v in visit if v[1]), sw_bytes / 1024))
    out("- first load JavaScript and CSS: %d files, %.1f KB raw, %.1f KB after gzip (budget 150 KB), "
        "%.1f KB as sent by the server" % (len(js_css), raw / 1024, zipped / 1024, sent / 1024))
    out("- the service worker's precache (%s), JS+CSS after gzip: %.1f KB; all: %s" % (
        version, pre_js_css / 1024, ", ".join("%s %d files %.1f KB gzip" % (e, n, z / 1024)
                                              for e, (n, _r, z) in sorted(cached.items()))))
    out("- offline open, median of %d: reload → lock screen ready for input **%.0f ms**; unlock → "
        "list of %d records %.0f ms; together %.0f ms (budget 1.5 s); runs (shell, unlock): %s" % (
            len(timings), shell, args.offline_records, unlock, shell + unlock,
            ", ".join("(%.0f, %.0f)" % t for t in timings)))
    out("")
    out("Audits that cost points (median runs):")
    out("")
    medians = (("`/` first visit", median_run(cold["start"])), ("`/join#…`", median_run(cold["join"])),
               ("`/` joined device", median_run(navs)), ("unlock (timespan)", median_run(spans)),
               ("unlocked list (snapshot)", median_run(snaps)))
    for label, lhr in medians:
        lost = lost_points(lhr)
        if not lost:
            out("- %s: none" % label)
            continue
        out("- %s: %s" % (label, "; ".join("%s `%s` %.2f%s" % (c, aid, sc, " (%s)" % d if d else "")
                                           for c, _w, aid, sc, d, _t in lost)))
    out("")
    if RETRIES:
        out("Runs made again: %s." % "; ".join("%s (%s)" % r for r in RETRIES))
        out("")
    out("Reports (JSON and HTML of every run): `%s/`." % os.path.relpath(outdir, ROOT))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
