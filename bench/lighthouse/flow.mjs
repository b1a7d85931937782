// A Lighthouse user flow on a device that has already joined (bench/lighthouse.py).
//
// bench/lighthouse.py starts Debian's Chromium with a profile of its own and a DevTools port,
// joins a workspace in it with Playwright and saves records; this script then connects to that
// same Chromium (puppeteer-core) and runs three Lighthouse steps with the default (mobile)
// configuration, keeping the profile's IndexedDB, caches and service worker:
//
//   1. navigation of `/`: what a returning person sees first, the lock screen, served by the
//      service worker (disableStorageReset, or Lighthouse would erase the device first);
//   2. timespan: typing the passphrase and pressing Unlock until `records` rows are in the list;
//   3. snapshot: the unlocked record list (accessibility, best practices).
//
// Lighthouse and puppeteer-core resolve from the install prefix, bench/.env/lighthouse/, into
// which bench/lighthouse.py copies this file before running it:
//
//   node bench/.env/lighthouse/flow.mjs '{"port": 9222, "base": "http://127.0.0.1:8000",
//     "records": 100, "passphrase": "...", "out": "bench/out/lighthouse/x/flow"}'
//
// It writes <out>.report.json (the FlowResult) and <out>.report.html, and prints nothing else
// on stdout than one line of JSON: {"json": ..., "html": ...}.

import fs from 'node:fs';

import { startFlow } from 'lighthouse';
import puppeteer from 'puppeteer-core';

const opts = JSON.parse(process.argv[2]);
const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${opts.port}`, defaultViewport: null });
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(120000);
  const flow = await startFlow(page, { name: 'Zapis: a device that has joined' });

  await flow.navigate(`${opts.base}/`, { name: 'Returning device: / (lock screen)', disableStorageReset: true });
  await page.waitForSelector('input[autocomplete="current-password"]');

  await flow.startTimespan({ name: `Unlock to a list of ${opts.records} records` });
  await page.type('input[autocomplete="current-password"]', opts.passphrase);
  await page.click('.lock-screen button[type="submit"]');
  await page.waitForFunction((n) => document.querySelectorAll('.record-item').length >= n, { polling: 100 },
    opts.records);
  // Let the unlock's sync (push of the outbox, pull) and the list's version check settle.
  await new Promise((r) => setTimeout(r, 3000));
  await flow.endTimespan();

  await flow.snapshot({ name: `Unlocked record list (${opts.records} records)` });

  const result = await flow.createFlowResult();
  fs.writeFileSync(`${opts.out}.report.json`, JSON.stringify(result));
  fs.writeFileSync(`${opts.out}.report.html`, await flow.generateReport());
  await page.close();
  console.log(JSON.stringify({ json: `${opts.out}.report.json`, html: `${opts.out}.report.html` }));
} finally {
  browser.disconnect();
}
