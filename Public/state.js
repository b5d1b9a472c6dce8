// The page's state. Modules read `state` and change it only through the functions below
// (assigning to a field throws). What the controls hold is read from the page (form.js).
import { loadHistory, saveHistory } from './history.js';

const s = {
  limits: { max_text_characters: 5000, formats: ['wav'] }, // GET /api/limits
  engines: [], // the synthesizers of GET /api/engines
  languageDefaults: {}, // {zh: 'kokoro-jm_kumo', …}: the voice chosen for each language
  defaultModel: '', // the voice for text without letters
  booted: false, // server info, voices and history are loaded
  touched: false, // a setting was changed by hand since the last reset (automatic mode keeps it)
  voices: [], // GET /api/voices
  src: 'default', // the voice source shown
  clipText: '', // reference text typed for the clip, kept while another source is shown
  clip: null, // {blob, name, label()}
  quality: null, // the server's report of the clip, or 'checking'
  // What POST /api/tts/voice said about the text, voice and language of `key`: `result`
  // ({voice, languages, named}) or `problem` (the detail of a 422: no such voice speaks it).
  voiceCheck: { key: '', result: null, problem: null },
  shownEngine: null, // the engine whose settings the controls show
  job: null, // the generation in progress: {id, abort, player, events, last, …}
  view: null, // the generation whose progress is shown (running or the last one)
  fixedStatus: null, // a status of the page's own (sending, cancelling…) until events say more
  result: null, // GET /api/tts/{id} of the last finished job
  history: loadHistory(), // this browser's generations, newest first
};

/** The state, read-only. */
export const state = new Proxy(s, { set: () => false });

/** Takes GET /api/limits and GET /api/engines. */
export function setServerInfo(limits, engines) {
  s.limits = limits;
  s.engines = engines.engines.filter((e) => e.kind === 'synthesizer');
  s.languageDefaults = engines.language_defaults || {};
  s.defaultModel = engines.default_model;
}

// Setters of single fields (documented above).
export const setBooted = () => { s.booted = true; };
export const setTouched = (on) => { s.touched = on; };
export const setVoices = (voices) => { s.voices = voices; };

/** Voice source `src` is shown; `refText` is kept when leaving the clip. */
export function setSource(src, refText) {
  if (s.src === 'clip') s.clipText = refText;
  s.src = src;
}

export const setClip = (clip) => { s.clip = clip; };
export const setQuality = (report) => { s.quality = report; };
export const setVoiceCheck = (key, result, problem) => { s.voiceCheck = { key, result, problem }; };
export const setShownEngine = (id) => { s.shownEngine = id; };

/** A generation starts: running and shown; no result. */
export function startJob(job) {
  s.job = s.view = job;
  s.result = null;
}

export const endJob = () => { s.job = null; };
export const setFixedStatus = (status) => { s.fixedStatus = status; };
export const setResult = (result) => { s.result = result; };

// History entries are updated in place (status, duration, gone) and then saved.
/** Saves the history to localStorage. */
export const persistHistory = () => saveHistory(s.history);

/** Adds a generation to the history. */
export function addHistory(entry) {
  s.history.unshift(entry);
  persistHistory();
}

/** Removes a history entry. */
export function removeHistory(entry) {
  s.history = s.history.filter((x) => x !== entry);
  persistHistory();
}
