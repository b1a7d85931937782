/** The server's API, as far as the app shell needs it: joining and the device directory. */

/** An answer in the server's error envelope, or no answer at all (status 0, code 'network'). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Call the API on this origin; resolve to the parsed JSON body or reject with ApiError. */
export async function call(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
  } catch {
    throw new ApiError(0, 'network', 'no answer from the server');
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // An error page from a proxy, say: reported by status below.
  }
  if (!response.ok) {
    const err = data?.error ?? {};
    throw new ApiError(response.status, err.code || `http_${response.status}`, err.message);
  }
  return data;
}
