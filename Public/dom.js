// Helpers shared by the page's modules: elements, live texts, numbers, audio, downloads.
import { t } from './i18n.js';
import { api, ApiError } from './api.js';

const MIME = { wav: 'audio/wav', mp3: 'audio/mpeg', opus: 'audio/ogg; codecs=opus', flac: 'audio/flac', aac: 'audio/aac' };

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Creates an element; `props` are attributes except `on*` (listeners) and `text`. */
export function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids.filter((k) => k != null));
  return el;
}

// Texts set at run time are kept as functions so a language switch can re-render them.
const live = new Map();
/** Sets `el`'s text to `fn()`, also after a language switch (relabelLive); null empties it. */
export function show(el, fn) {
  if (fn) live.set(el, fn);
  else live.delete(el);
  el.textContent = fn ? fn() : '';
}

/** Re-renders every text set with show(). */
export function relabelLive() {
  for (const [el, fn] of live) el.textContent = fn();
}

/** Shows a run-time message in `el` (re-translated on a language switch); `bad` styles it as an error. */
export function say(el, fn, bad = false) {
  show(el, fn);
  el.classList.toggle('bad', bad);
}

/** Shows why a generation failed: the server's `detail`, or the page's own reason. */
export function fail(fn) {
  $('error').hidden = false;
  show($('error'), fn);
}

/** What to tell the user about a failure: the server's own `detail`, or "unreachable". */
export const errText = (e) => (e instanceof ApiError ? e.detail || t('errorNet') : String(e.message || e));

/** The translation of `key` with the element `el` where its `{v}` is (a voice id, kept as the server wrote it). */
export function around(key, vars, el) {
  const [before, after] = t(key, { ...vars, v: '\u0000' }).split('\u0000');
  return [before, el, after ?? ''];
}

/** `x` with `d` decimals, or "unknown". */
export const num = (x, d = 1) => (x == null || Number.isNaN(x) ? t('unknown') : Number(x).toFixed(d));
/** `x` seconds, in words. */
export const secs = (x, d = 1) => t('sec', { s: num(x, d) });

const urls = new WeakMap();
/** Puts `blob` in the <audio> `el`. */
export function setAudio(el, blob) {
  if (urls.has(el)) URL.revokeObjectURL(urls.get(el));
  const url = URL.createObjectURL(blob);
  urls.set(el, url);
  el.src = url;
}

/** A format the browser can play: the requested one when possible, else WAV. */
export const playable = (fmt) => (MIME[fmt] && h('audio').canPlayType(MIME[fmt]) ? fmt : 'wav');

/** Job `id`'s audio as a Blob. */
export async function fetchAudio(id, fmt) {
  return (await api(`/api/tts/${id}/audio?format=${fmt}`)).blob();
}

/** Downloads `blob` as `name`. */
export function saveBlob(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(a);
  a.click();
  setTimeout(() => (URL.revokeObjectURL(a.href), a.remove()), 1000);
}
