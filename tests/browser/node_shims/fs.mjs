// node:fs for the browser: readFileSync of a URL on the test page's origin (a synchronous
// request, which is what a test helper reading a vector file at import time needs).
export function readFileSync(url) {
  const request = new XMLHttpRequest();
  request.open('GET', String(url), false);
  request.send();
  if (request.status !== 200) throw new Error(`${url}: ${request.status}`);
  return request.responseText;
}
