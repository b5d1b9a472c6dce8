// Same-origin API calls. Every request carries the stored API key (Authorization: Bearer);
// a 401 asks the user for a key (through the hook the page installs) and retries. That is
// why SSE and audio are read with fetch() instead of EventSource or <audio src>: those
// cannot send the header.
const KEY = 'glmtts.apiKey';
let askKey = null;

export const getKey = () => localStorage.getItem(KEY) || '';
export const setKey = (k) => (k ? localStorage.setItem(KEY, k) : localStorage.removeItem(KEY));
/** Installs `fn(detail) → Promise<boolean>`, called on 401; true when a new key was entered. */
export const onAuthNeeded = (fn) => { askKey = fn; };

/** A failed call: `status` 0 when the server could not be reached; `detail` as the server sent it. */
export class ApiError extends Error {
  constructor(status, detail, problem = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.problem = problem;
  }
}

// problem+json (`detail`) under /api, OpenAI's {"error": {"message"}} under /v1.
async function readProblem(res) {
  try {
    const body = await res.json();
    return { ...body, detail: body.detail || body.error?.message || body.title || res.statusText };
  } catch {
    return { detail: res.statusText || `HTTP ${res.status}` };
  }
}

/** fetch() with the key; resolves to the Response when it is 2xx, else throws ApiError. */
export async function api(path, opts = {}) {
  for (;;) {
    const headers = new Headers(opts.headers || {});
    const key = getKey();
    if (key) headers.set('Authorization', `Bearer ${key}`);
    let res;
    try {
      res = await fetch(path, { ...opts, headers });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, null);
    }
    if (res.ok) return res;
    const problem = await readProblem(res);
    if (res.status === 401 && askKey && (await askKey(problem.detail))) continue;
    throw new ApiError(res.status, problem.detail, problem);
  }
}

export const getJSON = async (path, opts) => (await api(path, opts)).json();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a Server-Sent Events stream: calls `onEvent(type, data, id)` per message (data is
 * parsed JSON); stops when onEvent returns true (a terminal event). A dropped connection is
 * resumed with Last-Event-ID so no event is lost or repeated (the server also cuts off a
 * reader that falls far behind; that is resumed the same way).
 */
export async function followEvents(path, onEvent, signal) {
  let last = null;
  for (let tries = 0; tries < 6; tries++) {
    if (tries) await sleep(400 * tries);
    let res;
    try {
      res = await api(path, { headers: last == null ? {} : { 'Last-Event-ID': last }, signal });
    } catch (e) {
      if (e.name === 'AbortError' || e.status) throw e;
      continue;
    }
    if (res.status === 204) return; // the server says we already have every event
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let ev = { data: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const lines = buf.split(/\r\n|\n|\r/);
        buf = lines.pop(); // an unfinished line waits for the next chunk
        for (const line of lines) {
          if (line === '') {
            if (ev.data.length) {
              if (ev.id != null) last = ev.id;
              if (onEvent(ev.event || 'message', JSON.parse(ev.data.join('\n')), ev.id) === true) {
                reader.cancel().catch(() => {});
                return;
              }
            }
            ev = { data: [] };
          } else if (line[0] !== ':') {
            const c = line.indexOf(':');
            const field = c < 0 ? line : line.slice(0, c);
            const v = c < 0 ? '' : line.slice(c + (line[c + 1] === ' ' ? 2 : 1));
            if (field === 'data') ev.data.push(v);
            else if (field === 'event') ev.event = v;
            else if (field === 'id') ev.id = v;
          }
        }
      }
    } catch (e) {
      if (e.name === 'AbortError') throw e;
    }
  }
  throw new ApiError(0, null);
}
