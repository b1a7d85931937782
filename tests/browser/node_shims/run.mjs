// Imports the test module named in the page's address (?module=/repo/tests/js/x.test.mjs), runs
// its tests and leaves the results in window.__results for the Python side.
import { run } from 'node:test';

const module = new URLSearchParams(location.search).get('module');
try {
  await import(module);
  window.__results = await run();
} catch (error) {
  window.__results = [{ name: `import ${module}`, ok: false, error: String(error?.stack || error) }];
}
