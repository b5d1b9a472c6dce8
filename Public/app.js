// The page: voice (built-in, clip or saved), text, settings, generation with live progress,
// result, history and code snippets. Talks only to this origin (see api.js).
import { t, setLang, initialLang, lang } from './i18n.js';
import { api, getJSON, followEvents, onAuthNeeded, getKey, setKey, ApiError } from './api.js';
// recorder.js and player.js are loaded when first needed, to keep the first load small.
import { loadHistory, saveHistory } from './history.js';

const $ = (id) => document.getElementById(id);
const PARAMS = ['temperature', 'top_p', 'top_k', 'sampling_strategy', 'seed', 'speed'];
const SAMPLING = ['temperature', 'top_p', 'top_k', 'sampling_strategy', 'seed'];
const MIME = { wav: 'audio/wav', mp3: 'audio/mpeg', opus: 'audio/ogg; codecs=opus', flac: 'audio/flac', aac: 'audio/aac' };

const state = {
  limits: { max_text_characters: 5000, formats: ['wav'] },
  engines: [],
  languageDefaults: {}, // {zh: 'kokoro-jm_kumo', …}: the voice chosen for each language
  defaultModel: '', // the voice for text without letters
  touched: false, // a setting was changed by hand since the last reset (automatic mode keeps it)
  voices: [],
  clip: null, // {blob, name, label()}
  quality: null, // the server's report of the clip, or 'checking'
  job: null, // the generation in progress: {id, abort, player, events, last}
  view: null, // the generation whose progress is shown (running or the last one)
  src: 'default', // the voice source shown
  clipText: '', // reference text typed for the clip, kept while another source is shown
  result: null, // GET /api/tts/{id} of the last finished job
  history: loadHistory(),
};

// ---------------------------------------------------------------- small helpers

/** Creates an element; `props` are attributes except `on*` (listeners) and `text`. */
function h(tag, props = {}, ...kids) {
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
function show(el, fn) {
  if (fn) live.set(el, fn);
  else live.delete(el);
  el.textContent = fn ? fn() : '';
}

/** Shows a run-time message in `el` (re-translated on a language switch); `bad` styles it as an error. */
function say(el, fn, bad = false) {
  show(el, fn);
  el.classList.toggle('bad', bad);
}

/** What to tell the user about a failure: the server's own `detail`, or "unreachable". */
const errText = (e) => (e instanceof ApiError ? e.detail || t('errorNet') : String(e.message || e));

/** The translation of `key` with the element `el` where its `{v}` is (a voice id, kept as the server wrote it). */
function around(key, vars, el) {
  const [before, after] = t(key, { ...vars, v: '\u0000' }).split('\u0000');
  return [before, el, after ?? ''];
}

const num = (x, d = 1) => (x == null || Number.isNaN(x) ? t('unknown') : Number(x).toFixed(d));
const secs = (x, d = 1) => t('sec', { s: num(x, d) });

const urls = new WeakMap();
function setAudio(el, blob) {
  if (urls.has(el)) URL.revokeObjectURL(urls.get(el));
  const url = URL.createObjectURL(blob);
  urls.set(el, url);
  el.src = url;
}

/** A format the browser can play: the requested one when possible, else WAV. */
const playable = (fmt) => (MIME[fmt] && h('audio').canPlayType(MIME[fmt]) ? fmt : 'wav');

async function fetchAudio(id, fmt) {
  return (await api(`/api/tts/${id}/audio?format=${fmt}`)).blob();
}

function saveBlob(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(a);
  a.click();
  setTimeout(() => (URL.revokeObjectURL(a.href), a.remove()), 1000);
}

const source = () => document.querySelector('input[name=src]:checked').value;
const engineById = (id) => state.engines.find((e) => e.id === id);
/** The engine that will speak: the one chosen, or in automatic mode the one the server said it would pick. */
const engine = () => engineById($('model').value || predicted()?.voice) || state.engines[0];
const param = (name) => engine()?.capabilities.parameters.find((p) => p.name === name);
const selectedVoice = () => state.voices.find((v) => v.id === $('voice-select').value);

// ---------------------------------------------------------------- API key dialog

let keyPrompt = null;
/** Asks for an API key (one dialog at a time); resolves true when one was entered. */
function askKey(detail) {
  if (keyPrompt) return keyPrompt;
  const dlg = $('key-dialog');
  const err = $('key-error');
  err.hidden = !detail;
  show(err, detail ? () => (getKey() ? `${t('keyRejected')} ${detail}` : detail) : null);
  $('key-input').value = getKey();
  keyPrompt = new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      keyPrompt = null;
      const key = $('key-input').value.trim();
      if (dlg.returnValue === 'save' && key) return resolve((setKey(key), true));
      if (dlg.returnValue === 'clear') setKey('');
      resolve(false);
    }, { once: true });
  });
  dlg.returnValue = '';
  dlg.showModal();
  return keyPrompt;
}
onAuthNeeded(askKey);

// ---------------------------------------------------------------- engines, limits, voices

async function loadServerInfo() {
  const [limits, engines] = await Promise.all([getJSON('/api/limits'), getJSON('/api/engines')]);
  state.limits = limits;
  state.engines = engines.engines.filter((e) => e.kind === 'synthesizer');
  state.languageDefaults = engines.language_defaults || {};
  state.defaultModel = engines.default_model;
  renderModels(); // automatic: the voice follows the text's language
  const fmts = limits.formats.map((f) => h('option', { value: f, text: f.toUpperCase() }));
  $('format').replaceChildren(...fmts);
  $('dl-format').replaceChildren(...fmts.map((o) => o.cloneNode(true)));
  $('format').value = 'wav';
  renderVoiceLine();
  applyEngine(true);
  renderCount();
}

// ---------------------------------------------------------------- voices by language

/** A language tag's primary subtag, lower-cased (`en-US` → `en`); `cmn` (Mandarin) is `zh`. */
function primaryLang(tag) {
  const p = String(tag).toLowerCase().split(/[-_]/)[0];
  return p === 'cmn' ? 'zh' : p;
}
/** The page's language as a text language: zh for both Chinese pages. */
const pageLang = () => primaryLang(lang());
const voiceLangs = (e) => [...new Set((e.languages || (e.language ? [e.language] : [])).map(primaryLang))].filter((l) => l !== '*');
// Each language's name in its own words, added to a group label in another page language.
const ENDONYM = { zh: '中文', ja: '日本語', en: 'English', yue: '粵語' };
const ORDER = ['zh', 'ja', 'en'];

/** A language's name in the page's language: ours for the usual ones, else the browser's. */
function langName(code) {
  const key = `lang_${code}`;
  if (t(key) !== key) return t(key);
  try {
    return new Intl.DisplayNames([lang()], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}
const langList = (codes) => codes.map(langName).join(t('listSep'));

function groupLabel(code) {
  const name = langName(code);
  const own = ENDONYM[code];
  return own && !name.includes(own) ? `${name} · ${own}` : name;
}

/** Never preselected voices (default_choice false) say why, from their description. */
const notDefaultMark = (e) => (/hanzi/i.test(e.description || '') ? t('noHanzi') : t('notDefault'));

/**
 * The voice picker: "Automatic" first, then one group per language (the page's language
 * first), each voice under every language it speaks, the language's default voice first.
 * The option values are model ids; the selection is kept across re-renders.
 */
function renderModels() {
  const sel = $('model');
  const keep = sel.value;
  const keepGroup = sel.selectedOptions[0]?.parentElement?.dataset.lang;
  const langs = [];
  for (const e of state.engines) for (const l of voiceLangs(e)) if (!langs.includes(l)) langs.push(l);
  const rank = (l) => (l === pageLang() ? -1 : ORDER.includes(l) ? ORDER.indexOf(l) : ORDER.length);
  langs.sort((a, b) => rank(a) - rank(b));
  const option = (e, l) => {
    const marks = [e.engine];
    if (l && state.languageDefaults[l] === e.id) marks.push(t('langDefault'));
    if (e.default_choice === false) marks.push(notDefaultMark(e));
    return h('option', { value: e.id, title: e.description || null, 'data-default-choice': String(e.default_choice !== false), text: `${e.id} · ${marks.join(' · ')}` });
  };
  const groups = langs.map((l) => {
    const def = state.languageDefaults[l];
    const defEngine = engineById(def)?.engine;
    const voices = state.engines.filter((e) => voiceLangs(e).includes(l));
    // The default, then voices of its engine, then the others; those never chosen by default last.
    const score = (e) => (e.id === def ? 0 : e.default_choice === false ? 3 : e.engine === defEngine ? 1 : 2);
    voices.sort((a, b) => score(a) - score(b));
    return h('optgroup', { label: groupLabel(l), 'data-lang': l }, ...voices.map((e) => option(e, l)));
  });
  const others = state.engines.filter((e) => voiceLangs(e).length === 0);
  if (others.length) groups.push(h('optgroup', { label: t('otherLangs'), 'data-lang': '' }, ...others.map((e) => option(e, null))));
  sel.replaceChildren(h('option', { value: '', text: t('auto') }), ...groups);
  selectModel(keep, keepGroup);
}

/** Selects voice `id` (the option in language group `group` when it is listed more than once); '' is automatic. */
function selectModel(id, group) {
  const opts = [...$('model').options];
  const opt = opts.find((o) => o.value === id && o.parentElement.dataset?.lang === group) || opts.find((o) => o.value === id) || opts[0];
  if (opt) opt.selected = true;
}

/** Enables the controls the chosen engine honours; the others are disabled and say why. */
function applyEngine(reset = false) {
  for (const name of PARAMS) {
    const box = document.querySelector(`[data-param=${name}]`);
    const input = $(name);
    const p = param(name);
    const off = p && !p.honoured;
    input.disabled = off;
    box.classList.toggle('off', off);
    if (p?.minimum != null) input.min = p.minimum;
    if (p?.maximum != null) input.max = p.maximum;
    if (reset) input.value = p?.default ?? (name === 'seed' ? '' : input.defaultValue);
    if (reset) state.touched = false;
    box.title = input.title = off ? t('whyNot', { r: p.reason || '' }) : '';
    box.querySelector('.why').textContent = off ? t('notUsed') : '';
  }
  for (const out of document.querySelectorAll('.rng output')) out.value = $(out.htmlFor).value;
  renderCloneNote();
  renderSnippets();
}

async function loadVoices(selectId) {
  const { voices } = await getJSON('/api/voices');
  state.voices = voices;
  $('voice-select').replaceChildren(...voices.map((v) => h('option', { value: v.id, text: v.name })));
  if (selectId) $('voice-select').value = selectId;
  const none = voices.length === 0;
  $('no-voices').hidden = !none;
  $('play-voice').disabled = $('del-voice').disabled = $('voice-select').disabled = none;
  onVoiceChosen();
}

function onVoiceChosen() {
  $('voice-audio').hidden = true;
  if (source() === 'saved') $('ref-text').value = selectedVoice()?.reference_text || '';
  renderSnippets();
}

// ---------------------------------------------------------------- voice source and clip

function onSourceChange() {
  const src = source();
  // One reference-text box serves the clip and the saved voice: keep what was typed for the clip.
  if (state.src === 'clip') state.clipText = $('ref-text').value;
  if (src === 'clip') $('ref-text').value = state.clipText;
  state.src = src;
  $('clip-pane').hidden = src !== 'clip';
  $('saved-pane').hidden = src !== 'saved';
  $('ref-pane').hidden = src === 'default';
  $('transcribe').hidden = $('skip-whisper').parentElement.hidden = src !== 'clip';
  if (src === 'saved') onVoiceChosen();
  say($('voice-msg'), null);
  renderCloneNote();
  renderVoiceLine();
  renderSnippets();
}

function renderCloneNote() {
  const e = engine();
  const def = $('default-note');
  def.hidden = source() !== 'default';
  show(def, !e || def.hidden ? null : $('model').value ? () => t('defaultNote', { m: e.id }) : () => t('autoNote'));
  const note = $('clone-note');
  note.hidden = !e || e.capabilities.can_clone || source() !== 'clip';
  show(note, note.hidden ? null : () => t('cannotClone', { m: e.id }));
}

/** Takes a new reference clip (file, drop or recording) and asks the server for its quality report. */
async function useClip(blob, name, label) {
  const clip = (state.clip = { blob, name, label: label || (() => name) });
  state.quality = 'checking';
  $('clip-box').hidden = false;
  show($('clip-name'), state.clip.label);
  setAudio($('clip-audio'), blob);
  say($('voice-msg'), null);
  $('ref-text').value = '';
  show($('ref-status'), null);
  renderQuality();
  renderSnippets();
  const form = new FormData();
  form.append('file', blob, name);
  let report = null;
  try {
    report = await getJSON('/api/reference/inspect', { method: 'POST', body: form });
  } catch (e) {
    if (state.clip !== clip) return;
    // The server could not use this file (not audio, too large…): say so and drop it.
    state.clip = null;
    $('clip-box').hidden = true;
    $('clip-audio').removeAttribute('src');
    say($('voice-msg'), () => errText(e), true);
  }
  if (state.clip !== clip && report) return; // a newer clip replaced this one meanwhile
  state.quality = report;
  renderQuality();
}

function renderQuality() {
  const q = state.quality;
  const box = $('quality');
  if (q === 'checking') return box.replaceChildren(h('p', { class: 'hint', text: t('checking') }));
  if (!q) return box.replaceChildren();
  // Levels are numbers with units (dBFS, dB, %), the same in every language.
  const row = (k, v, same) => [h('dt', { text: t(k) }), h('dd', { text: v, translate: same && 'no' })];
  const warn = q.warnings.length
    ? h('div', { class: 'warn' }, h('p', { text: t('qWarn') }),
      h('ul', { translate: 'no' }, ...q.warnings.map((w) => h('li', { 'data-code': w.code, text: w.message }))))
    : h('p', { class: 'ok', text: t('qGood') });
  box.replaceChildren(
    h('h3', { text: t('qualityH') }),
    h('dl', { class: 'facts' },
      ...row('qDuration', secs(q.duration_seconds)),
      ...row('qSpeech', `${secs(q.speech_seconds)} (${num(q.speech_ratio * 100, 0)}%)`),
      ...row('qPeak', `${num(q.peak_dbfs)} dBFS`, true),
      ...row('qRms', `${num(q.rms_dbfs)} dBFS`, true),
      ...row('qClipping', `${num(q.clipping_ratio * 100, 2)}%`, true),
      ...row('qSnr', q.snr_db == null ? t('unknown') : `${num(q.snr_db)} dB`, q.snr_db != null)),
    warn);
}

// ---------------------------------------------------------------- recording

let recorder = null;
let recTimer = 0;
async function toggleRecording() {
  const btn = $('rec');
  if (recorder) {
    clearInterval(recTimer);
    const seconds = recorder.seconds;
    const blob = await recorder.stop();
    recorder = null;
    btn.dataset.i18n = 'record';
    btn.textContent = t('record');
    btn.classList.remove('recording');
    $('rec-box').hidden = true;
    const s = num(seconds);
    return useClip(blob, 'recording.wav', () => t('recName', { s }));
  }
  btn.disabled = true; // until the microphone is open
  try {
    const { Recorder } = await import('./recorder.js');
    recorder = new Recorder();
    await recorder.start((peak) => ($('rec-level').value = peak));
  } catch (e) {
    recorder = null;
    btn.disabled = false;
    const m = e.message === 'insecure' ? null : e.message || e.name;
    say($('voice-msg'), () => (m == null ? t('micInsecure') : t('micError', { m })), true);
    return;
  }
  btn.disabled = false;
  btn.dataset.i18n = 'stopRec';
  btn.textContent = t('stopRec');
  btn.classList.add('recording');
  $('rec-box').hidden = false;
  const tick = () => {
    const s = recorder?.seconds || 0;
    $('rec-time').dataset.seconds = s.toFixed(2);
    show($('rec-time'), () => t('recTime', { s: num(s, 0) }));
    if (s >= 30) toggleRecording(); // longer than any useful reference
  };
  tick();
  recTimer = setInterval(tick, 250);
}

// ---------------------------------------------------------------- transcription and voices

async function transcribe() {
  if (!state.clip) return show($('ref-status'), () => t('needClip'));
  const btn = $('transcribe');
  btn.disabled = true;
  const t0 = performance.now();
  const tick = () => show($('ref-status'), () => t('transcribing', { s: num((performance.now() - t0) / 1000, 0) }));
  tick();
  const timer = setInterval(tick, 500);
  $('ref-pane').setAttribute('aria-busy', 'true');
  try {
    const form = new FormData();
    form.append('file', state.clip.blob, state.clip.name);
    const tr = await getJSON('/api/transcribe', { method: 'POST', body: form });
    $('ref-text').value = tr.text.trim();
    const warn = tr.reliable ? '' : ` ${t('unreliable')} ${tr.warnings.join(' ')}`;
    show($('ref-status'), () => t('transcribed', { m: tr.model }) + warn);
    renderSnippets();
  } catch (e) {
    show($('ref-status'), () => errText(e));
  } finally {
    clearInterval(timer);
    btn.disabled = false;
    $('ref-pane').removeAttribute('aria-busy');
  }
}

async function saveVoice() {
  const name = $('voice-name').value.trim();
  const msg = $('voice-msg');
  if (!name) return say(msg, () => t('needName'), true);
  if (!state.clip) return say(msg, () => t('needClip'), true);
  const form = new FormData();
  form.append('name', name);
  form.append('audio', state.clip.blob, state.clip.name);
  if ($('ref-text').value.trim()) form.append('text', $('ref-text').value.trim());
  if ($('skip-whisper').checked) form.append('skip_whisper', 'true');
  $('save-voice').disabled = true;
  try {
    const voice = await getJSON('/api/voices', { method: 'POST', body: form });
    document.querySelector('input[name=src][value=saved]').checked = true;
    onSourceChange();
    await loadVoices(voice.id);
    say(msg, () => t('savedAs', { n: voice.name }));
  } catch (e) {
    say(msg, () => errText(e), true);
  } finally {
    $('save-voice').disabled = false;
  }
}

async function playVoice() {
  const v = selectedVoice();
  if (!v) return;
  try {
    const el = $('voice-audio');
    setAudio(el, await (await api(v.audio_url)).blob());
    el.hidden = false;
    el.play().catch(() => {});
  } catch (e) {
    say($('voice-msg'), () => errText(e), true);
  }
}

async function deleteVoice() {
  const v = selectedVoice();
  if (!v || !confirm(t('confirmDelVoice', { n: v.name }))) return;
  try {
    await api(`/api/voices/${v.id}`, { method: 'DELETE' });
  } catch (e) {
    if (e.status !== 404) return say($('voice-msg'), () => errText(e), true);
  }
  await loadVoices();
}

// ---------------------------------------------------------------- text

const textLength = () => [...$('text').value].length;
function renderCount() {
  const max = state.limits.max_text_characters;
  const n = textLength();
  $('count').classList.toggle('bad', n > max);
  show($('count'), () => (n > max ? t('tooLong', { max }) + ' ' : '') + t('count', { n, max }));
}

// ---------------------------------------------------------------- the voice that will speak

// What POST /api/tts/voice said about the current text, voice and language: `result`
// ({voice, languages, named}) or `problem` (the detail of a 422: no such voice speaks it).
const check = { seq: 0, timer: 0, key: '', result: null, problem: null };

/** Asks again ~300 ms after the last change (typing, voice or language). */
function scheduleVoiceCheck() {
  clearTimeout(check.timer);
  check.timer = setTimeout(runVoiceCheck, 300);
}

async function runVoiceCheck() {
  clearTimeout(check.timer);
  const text = $('text').value;
  const model = $('model').value;
  const language = $('text-lang').value;
  const seq = ++check.seq;
  // Nothing to ask about (or more than the server takes; the counter says so): the voice
  // for the page's language is shown instead.
  if (!booted || !text.trim() || textLength() > state.limits.max_text_characters) {
    check.key = '';
    check.result = check.problem = null;
    return renderVoiceLine();
  }
  const key = JSON.stringify([text, model, language]);
  if (key === check.key) return;
  const body = { text };
  if (model) body.model = model;
  if (language) body.language = language;
  let result = null;
  let problem = null;
  try {
    result = await getJSON('/api/tts/voice', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  } catch (e) {
    if (seq !== check.seq) return;
    // A text no installed (or chosen) voice speaks: warn now; generating gets the same answer.
    if (String(e.problem?.type || '').endsWith('text.language_unsupported')) problem = e.detail;
    else if (!(e instanceof ApiError) || e.status === 0 || e.status >= 500) return; // try again on the next change
  }
  if (seq !== check.seq) return; // a newer question is on its way
  check.key = key;
  check.result = result;
  check.problem = problem;
  renderVoiceLine();
}

/** The voice that will speak and the text's languages, as far as known; null while unknown. */
function predicted() {
  if (check.result) return { voice: check.result.voice, languages: check.result.languages || [] };
  if (check.problem || $('text').value.trim()) return null;
  // No text yet: the voice for the chosen language, else the page's.
  const model = $('model').value;
  let language = $('text-lang').value || pageLang();
  if (model) {
    const langs = voiceLangs(engineById(model) || {});
    if (!$('text-lang').value && langs.length && !langs.includes(language)) language = langs[0];
    return { voice: model, languages: [language] };
  }
  const voice = state.languageDefaults[language] || state.defaultModel;
  return voice ? { voice, languages: state.languageDefaults[language] ? [language] : [] } : null;
}

let shownEngine = null;
function renderVoiceLine() {
  const line = $('voice-line');
  const warn = $('voice-warn');
  warn.hidden = !check.problem;
  // Our words, then the server's (which names the voices that can speak the text).
  warn.replaceChildren(...(!check.problem ? [] : [h('b', { text: t('langWarn') }), ' ',
    h('span', { class: 'detail', translate: 'no', text: check.problem })]));
  const p = predicted();
  line.dataset.voice = p?.voice || '';
  line.dataset.languages = p?.languages.join(',') || '';
  if (p) {
    const e = engineById(p.voice);
    const ref = source() !== 'default';
    const matching = ref && $('voice-match').checked && !e?.capabilities.can_clone;
    const l = langList(p.languages);
    const cloning = ref && !!e?.capabilities.can_clone;
    const voice = matching ? t('matching') : cloning ? t('cloning', { v: p.voice }) : p.voice;
    line.replaceChildren(...around(l ? 'willSpeak' : 'willSpeakV', { l }, h('b', { translate: matching || cloning ? null : 'no', text: voice })));
  } else {
    line.replaceChildren();
  }
  // In automatic mode the voice's engine decides which settings apply: follow it.
  const now = engine()?.id;
  if (now !== shownEngine) {
    const first = shownEngine === null;
    shownEngine = now;
    if (!first && !$('model').value) applyEngine(!state.touched);
  }
}

// ---------------------------------------------------------------- generation

/** The parameters to send: what the user set on controls the engine honours. */
function chosenParams() {
  const out = {};
  for (const name of PARAMS) {
    const input = $(name);
    if (input.disabled || input.value === '') continue;
    out[name] = name === 'sampling_strategy' ? input.value : Number(input.value);
  }
  return out;
}

// Long texts should start playing before synthesis ends. Only /v1/audio/speech streams audio,
// and it takes a voice name and `speed`, not an uploaded clip nor sampling settings. So the
// page streams when the request needs nothing else (built-in or saved voice, untouched
// sampling controls, saved transcript); otherwise it uses the job API and plays at the end.
function canStream() {
  if (!$('stream').checked || source() === 'clip') return false;
  if ($('text-lang').value || voiceMatch()) return false; // /v1 takes no language and no voice match
  if (source() === 'saved' && (!selectedVoice() || $('ref-text').value !== selectedVoice().reference_text)) return false;
  return SAMPLING.every((name) => {
    const input = $(name);
    const p = param(name);
    return input.disabled || (name === 'seed' ? input.value === '' : String(input.value) === String(p?.default ?? input.defaultValue));
  });
}

/** Voice match is asked for, and there is a reference to match (the server refuses it without one). */
const voiceMatch = () => $('voice-match').checked && source() !== 'default';

function buildForm() {
  const form = new FormData();
  form.append('text', $('text').value);
  if ($('model').value) form.append('model', $('model').value); // none: the server picks by language
  if ($('text-lang').value) form.append('language', $('text-lang').value);
  if (voiceMatch()) form.append('voice_match', 'true');
  form.append('format', $('format').value);
  for (const [k, v] of Object.entries(chosenParams())) form.append(k, String(v));
  const ref = $('ref-text').value.trim();
  if (source() === 'clip') {
    form.append('prompt_audio', state.clip.blob, state.clip.name);
    if (ref) form.append('prompt_text', ref);
    if ($('skip-whisper').checked) form.append('skip_whisper', 'true');
  } else if (source() === 'saved') {
    form.append('voice_id', $('voice-select').value);
    if (ref && ref !== selectedVoice()?.reference_text) form.append('prompt_text', ref);
  }
  return form;
}

function voiceLabel() {
  if (source() === 'saved') return selectedVoice()?.name || '';
  if (source() === 'clip') return state.clip?.label() || '';
  return $('model').value || predicted()?.voice || t('auto');
}

async function generate() {
  if (state.job) return;
  show($('error'), null);
  $('error').hidden = true;
  if (!$('text').value.trim()) return fail(() => t('needText'));
  if (source() === 'clip' && !state.clip) return fail(() => t('needClip'));
  if (source() === 'saved' && !selectedVoice()) return fail(() => t('noVoices'));
  const job = (state.job = state.view = { id: null, abort: new AbortController(), events: [], last: null, stream: canStream(), builtIn: source() === 'default' });
  state.result = null;
  $('result').hidden = true;
  $('idle').hidden = true;
  $('progress-box').hidden = false;
  $('events-box').open = false;
  $('generate').disabled = true;
  $('cancel').hidden = false;
  $('cancel').disabled = false;
  $('bar').removeAttribute('value'); // indeterminate until the first event
  // On one-column screens the progress is below the button: bring it into view.
  if (matchMedia('(max-width: 959px)').matches) $('result-h').scrollIntoView({ block: 'start' });
  fixedStatus = 'sending';
  const streamState = $('stream-state');
  streamState.hidden = !job.stream;
  Object.assign(streamState.dataset, { chunks: '0', responseDone: 'false', playedBeforeEnd: '' });
  show(streamState, null);
  renderEvents();
  job.timer = setInterval(renderStatus, 250);
  const entry = { text: $('text').value.slice(0, 300), at: Date.now(), format: $('format').value, model: $('model').value, voice: voiceLabel(), status: 'queued' };
  try {
    if (job.stream) await runStreamed(job, entry);
    else await runJob(job, entry);
  } catch (e) {
    if (e.name !== 'AbortError') fail(() => errText(e));
    if (!isEnd(job.last)) {
      fixedStatus = e.name === 'AbortError' ? 'cancelled' : 'failed';
    }
  } finally {
    clearInterval(job.timer);
    job.abort.abort(); // closes a progress stream left open by a failure
    job.player?.close();
    state.job = null;
    $('generate').disabled = false;
    $('cancel').hidden = true;
    renderStatus();
  }
}

/** Shows why a generation failed: the server's `detail`, or the page's own reason. */
function fail(fn) {
  $('error').hidden = false;
  show($('error'), fn);
}

function track(job, entry) {
  entry.id = job.id;
  state.history.unshift(entry);
  saveHistory(state.history);
  renderHistory();
}

/** Follows the job's progress stream; resolves with the terminal event. */
function follow(job) {
  return new Promise((resolve, reject) => {
    followEvents(`/api/tts/progress/${job.id}?events=named`, (type, data) => {
      data.type = type;
      data.seen = performance.now();
      job.events.push(data);
      job.last = data;
      renderEvents();
      renderStatus();
      if (isEnd(data)) {
        resolve(data);
        return true;
      }
      return false;
    }, job.abort.signal).catch(reject);
  });
}

/** The job API: upload, 202, then the SSE stream until the end; then the result. */
async function runJob(job, entry) {
  const res = await api('/api/tts', { method: 'POST', body: buildForm(), headers: { Prefer: 'respond-async' }, signal: job.abort.signal });
  job.id = (await res.json()).id;
  track(job, entry);
  const end = await follow(job);
  await finish(job, entry, end, true);
}

/** The streaming path: /v1/audio/speech as raw PCM into Web Audio, and the job's SSE for progress. */
async function runStreamed(job, entry) {
  // Automatic: OpenAI's model and voice names leave the choice to the server, by language.
  const model = $('model').value || 'tts-1';
  const body = {
    model,
    voice: source() === 'saved' ? $('voice-select').value : $('model').value || 'alloy',
    input: $('text').value,
    response_format: 'pcm',
  };
  if (!$('speed').disabled) body.speed = Number($('speed').value);
  const { PcmPlayer } = await import('./player.js');
  const player = (job.player = new PcmPlayer(24000)); // created in the click: autoplay allows it
  // The audio has its own abort: cancelling stops it while the progress stream goes on to `cancelled`.
  job.audioAbort = new AbortController();
  const res = await api('/v1/audio/speech', {
    method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, signal: job.audioAbort.signal,
  });
  job.id = res.headers.get('X-Task-Id');
  track(job, entry);
  const progress = follow(job);
  progress.catch(() => {}); // awaited below; a failure of the audio stream must not leave it unhandled
  const el = $('stream-state');
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      player.push(value);
      el.dataset.chunks = String(player.chunks);
      const s = num(player.received);
      show(el, () => t('streaming', { s }));
    }
  } catch (e) {
    // Cancelled: we aborted the read, or the server cut the stream when the job was cancelled.
    if (!job.cancelling) throw e;
    return finish(job, entry, await progress, false);
  }
  // How much had already been heard when the last byte arrived: > 0 means playback began
  // before synthesis finished (the server ends the response when the job is done).
  el.dataset.playedBeforeEnd = player.played.toFixed(3);
  el.dataset.responseDone = 'true';
  const s = num(player.received);
  show(el, () => t('streamDone', { s }));
  const end = await progress;
  await finish(job, entry, end, false);
  // Let the queued audio play out before the context is closed.
  const p = player;
  job.player = null;
  setTimeout(() => p.close(), (p.remaining + 0.5) * 1000);
}

async function finish(job, entry, end, autoplay) {
  entry.status = end.type;
  if (end.type === 'completed') {
    state.result = await getJSON(`/api/tts/${job.id}`);
    if (job.builtIn && state.result.model) entry.voice = state.result.model; // the voice that spoke
    entry.duration = state.result.result?.duration_seconds;
    entry.rtf = state.result.result?.real_time_factor;
    renderResult();
    $('dl-format').value = entry.format;
    const el = $('out-audio');
    setAudio(el, await fetchAudio(job.id, playable(entry.format)));
    if (autoplay) el.play().catch(() => {});
  } else if (end.type === 'failed') {
    fail(() => end.problem?.detail || t('failed'));
  }
  saveHistory(state.history);
  renderHistory();
}

async function cancel() {
  const job = state.job;
  if (!job) return;
  $('cancel').disabled = true;
  fixedStatus = 'cancelling';
  renderStatus();
  job.cancelling = true;
  job.player?.close();
  if (!job.id) { // nothing queued yet: stop the upload
    job.audioAbort?.abort();
    return job.abort.abort();
  }
  try {
    await api(`/api/tts/${job.id}`, { method: 'DELETE' });
    job.audioAbort?.abort();
  } catch (e) {
    fail(() => errText(e));
    job.audioAbort?.abort();
    job.abort.abort();
  }
}

// ---------------------------------------------------------------- progress rendering

// A status of the page's own (sending, cancelling…) shown until the server's events say more.
let fixedStatus = null;

const stageKey = (s) => (s === 'transcribing' ? 'transcribing_stage' : s);

function eventText(ev) {
  if (ev.type === 'queued') return t('queued', { n: ev.queue_position ?? 0 });
  if (ev.type === 'stage' || ev.type === 'progress') return t(stageKey(ev.stage));
  return t(ev.type);
}

const isEnd = (ev) => ['completed', 'failed', 'cancelled'].includes(ev?.type);

function renderStatus() {
  const ev = state.view?.last;
  const running = !!state.job;
  if (!ev && !fixedStatus) return;
  const main = fixedStatus && !isEnd(ev) && (!ev || fixedStatus !== 'sending') ? t(fixedStatus) : eventText(ev);
  const parts = [];
  if (ev) {
    if (ev.fraction != null) {
      $('bar').value = ev.fraction;
      parts.push(t('percent', { p: Math.round(ev.fraction * 100) }));
    }
    if (ev.sentence && ev.sentence_count) parts.push(t('sentence', { i: ev.sentence, n: ev.sentence_count }));
    // Between events the clock keeps running from the server's last elapsed time.
    const extra = running && !isEnd(ev) ? (performance.now() - ev.seen) / 1000 : 0;
    parts.push(t('elapsed', { s: num(ev.elapsed_seconds + extra) }));
  }
  $('status').textContent = main;
  $('status').dataset.type = ev?.type || '';
  $('status-detail').textContent = parts.join(' · ');
}

function renderEvents() {
  const events = state.view?.events || [];
  $('events').replaceChildren(...events.map((ev) =>
    h('li', { 'data-seq': ev.sequence, 'data-type': ev.type, 'data-stage': ev.stage || '' },
      `${secs(ev.elapsed_seconds, 2)} · ${eventText(ev)}`,
      ev.sentence ? ` · ${t('sentence', { i: ev.sentence, n: ev.sentence_count })}` : '')));
}

function renderResult() {
  const job = state.result;
  if (!job) return;
  const r = job.result;
  $('result').hidden = false;
  $('r-voice').textContent = job.model || t('unknown');
  const langs = r.languages || [];
  $('r-lang-row').hidden = !langs.length;
  $('r-languages').dataset.languages = langs.join(',');
  $('r-languages').textContent = langList(langs);
  const sim = r.speaker_similarity;
  $('r-sim-row').hidden = sim == null;
  $('r-similarity').textContent = sim == null ? '' : num(sim, 2);
  const m = r.voice_match;
  $('r-match-row').hidden = !m;
  $('r-match').dataset.voice = m?.voice || '';
  $('r-match').replaceChildren(...(!m ? []
    : around('voiceMatchRes', { s: num(m.similarity, 2) }, h('span', { translate: 'no', text: m.voice }))));
  $('r-duration').textContent = secs(r.duration_seconds, 2);
  $('r-rtf').textContent = num(r.real_time_factor, 3);
  const ref = job.reference;
  $('r-transcript').replaceChildren(...(!ref ? [t('noReference')] : !ref.transcript ? [t('none')]
    : [h('span', { translate: 'no', text: ref.transcript }), ref.transcribed ? ` ${t('autoTranscribed')}` : '']));
  const rep = job.parameter_report || { applied: [], ignored: [] };
  const list = (items, value) => (items.length
    ? h('ul', {}, ...items.map((p) => h('li', { 'data-name': p.name }, h('b', { text: `${t(p.name)}: ` }), h('span', { translate: 'no', text: value(p) }))))
    : h('p', { class: 'hint', text: t('none') }));
  $('r-params').replaceChildren(
    h('h3', { text: t('applied') }), list(rep.applied, (p) => p.value),
    h('h3', { text: t('ignored') }), list(rep.ignored, (p) => p.reason));
  $('r-notes-h').hidden = !r.notes.length;
  $('r-notes').replaceChildren(...r.notes.map((n) => h('li', { translate: 'no', text: n })));
}

async function download() {
  const job = state.result;
  if (!job) return;
  const fmt = $('dl-format').value;
  try {
    saveBlob(await fetchAudio(job.id, fmt), `speech-${job.id}.${fmt}`);
  } catch (e) {
    fail(() => errText(e));
  }
}

// ---------------------------------------------------------------- history

function renderHistory() {
  $('hist-empty').hidden = state.history.length > 0;
  $('history').replaceChildren(...state.history.filter((e) => e.id).map((e) => {
    const audio = h('audio', { controls: true, hidden: true, 'aria-label': t('outAudio') });
    const msg = h('p', { class: 'hint', role: 'status', text: e.gone ? t('gone') : '' });
    const meta = [new Date(e.at).toLocaleString(lang()), t(isEnd({ type: e.status }) ? e.status : 'running')];
    if (e.duration != null) meta.push(secs(e.duration));
    const goneOr = (err) => {
      if (err.status === 404) {
        e.gone = true;
        saveHistory(state.history);
        msg.textContent = t('gone');
      } else msg.textContent = errText(err);
    };
    return h('li', { 'data-id': e.id },
      h('p', { class: 'htext', translate: 'no', text: e.text }),
      h('p', { class: 'hint' }, meta.join(' · '), ' · ', h('span', { translate: 'no', text: `${e.voice} · ${e.format.toUpperCase()}` })),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn small', text: t('play'), onclick: async () => {
          try {
            setAudio(audio, await fetchAudio(e.id, playable(e.format)));
            audio.hidden = false;
            audio.play().catch(() => {});
          } catch (err) { goneOr(err); }
        } }),
        h('button', { type: 'button', class: 'btn small', text: t('download'), onclick: async () => {
          try { saveBlob(await fetchAudio(e.id, e.format), `speech-${e.id}.${e.format}`); } catch (err) { goneOr(err); }
        } }),
        h('button', { type: 'button', class: 'btn small danger', text: t('del'), onclick: async () => {
          try {
            await api(`/api/tts/${e.id}`, { method: 'DELETE' });
          } catch (err) {
            if (err.status !== 404) return (msg.textContent = errText(err));
          }
          state.history = state.history.filter((x) => x !== e);
          saveHistory(state.history);
          renderHistory();
        } })),
      audio, msg);
  }));
}

/** Entries left running by a reload: ask the server how they ended. */
async function refreshHistory() {
  for (const e of state.history.filter((x) => !isEnd({ type: x.status }))) {
    try {
      const job = await getJSON(`/api/tts/${e.id}`);
      e.status = job.status;
      e.duration = job.result?.duration_seconds;
    } catch (err) {
      if (err.status === 404) e.gone = true;
    }
  }
  saveHistory(state.history);
  renderHistory();
}

// ---------------------------------------------------------------- code snippets

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const pyq = (s) => JSON.stringify(String(s)); // a JSON string is a valid Python literal

function renderSnippets() {
  const origin = location.origin;
  const fmt = $('format').value || 'wav';
  const lines = [`curl -X POST ${origin}/api/tts \\`];
  if (getKey()) lines.push(`  -H "Authorization: Bearer $GLMTTS_API_KEY" \\`);
  lines.push(`  -F text=${shq($('text').value || 'Hello!')} \\`);
  const src = source();
  if (src === 'clip') lines.push(`  -F prompt_audio=@${shq(state.clip?.name || 'reference.wav')} \\`);
  if (src === 'saved' && $('voice-select').value) lines.push(`  -F voice_id=${$('voice-select').value} \\`);
  if (src !== 'default' && $('ref-text').value.trim()) lines.push(`  -F prompt_text=${shq($('ref-text').value.trim())} \\`);
  if (src === 'clip' && $('skip-whisper').checked) lines.push('  -F skip_whisper=true \\');
  if ($('model').value) lines.push(`  -F model=${$('model').value} \\`);
  if ($('text-lang').value) lines.push(`  -F language=${$('text-lang').value} \\`);
  if (voiceMatch()) lines.push('  -F voice_match=true \\');
  for (const [k, v] of Object.entries(chosenParams())) lines.push(`  -F ${k}=${v} \\`);
  lines.push(`  -F format=${fmt} -o speech.${fmt}`);
  $('code-curl').textContent = lines.join('\n');

  const model = $('model').value || 'tts-1'; // OpenAI's names: the server picks the voice by language
  const voice = src === 'saved' ? $('voice-select').value || $('model').value || 'alloy' : $('model').value || 'alloy';
  const speed = $('speed').disabled ? '' : `, speed=${Number($('speed').value)}`;
  $('code-py').textContent = [
    ...(getKey() ? ['import os'] : []),
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${pyq(origin + '/v1')}, api_key=${getKey() ? 'os.environ["GLMTTS_API_KEY"]' : '"unused"'})`,
    ...(src === 'clip' ? ['# /v1 takes a voice name: save the clip as a voice (POST /api/voices) and use its id.'] : []),
    ...(!$('model').value ? ['# "tts-1" and an OpenAI voice name: the server picks the voice for the text\'s language.'] : []),
    'with client.audio.speech.with_streaming_response.create(',
    `    model=${pyq(model)}, voice=${pyq(voice)},`,
    `    input=${pyq($('text').value || 'Hello!')},`,
    `    response_format=${pyq(fmt)}${speed},`,
    ') as response:',
    `    response.stream_to_file("speech.${fmt}")`,
  ].join('\n');
}

// ---------------------------------------------------------------- wiring

function relabelAll() {
  setLang($('lang').value);
  for (const [el, fn] of live) el.textContent = fn();
  renderModels(); // group names are translated, and the page's language comes first
  renderVoiceLine(); // with no text, the voice for the page's language
  applyEngine();
  renderCount();
  renderQuality();
  renderStatus();
  renderEvents();
  renderResult();
  renderHistory();
}

function wire() {
  $('lang').addEventListener('change', relabelAll);
  for (const r of document.querySelectorAll('input[name=src]')) r.addEventListener('change', onSourceChange);
  $('file').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) useClip(f, f.name);
    e.target.value = '';
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f) useClip(f, f.name);
  });
  $('rec').addEventListener('click', toggleRecording);
  $('transcribe').addEventListener('click', transcribe);
  $('save-voice').addEventListener('click', saveVoice);
  $('voice-select').addEventListener('change', onVoiceChosen);
  $('play-voice').addEventListener('click', playVoice);
  $('del-voice').addEventListener('click', deleteVoice);
  $('text').addEventListener('input', () => (renderCount(), scheduleVoiceCheck()));
  $('model').addEventListener('change', () => (applyEngine(true), runVoiceCheck()));
  $('text-lang').addEventListener('change', runVoiceCheck);
  $('voice-match').addEventListener('change', renderVoiceLine);
  for (const name of PARAMS) $(name).addEventListener('input', () => (state.touched = true));
  $('reset').addEventListener('click', () => applyEngine(true));
  for (const input of document.querySelectorAll('.rng input')) {
    input.addEventListener('input', () => (input.nextElementSibling.value = input.value));
  }
  $('generate').addEventListener('click', generate);
  $('cancel').addEventListener('click', cancel);
  $('download').addEventListener('click', download);
  // A new key matters to the snippets, and to a page that could not load without one.
  $('key-btn').addEventListener('click', () => askKey(null).then(() => (booted ? renderSnippets() : boot())));
  document.addEventListener('input', renderSnippets);
  document.addEventListener('change', renderSnippets);
  for (const b of document.querySelectorAll('.copy')) {
    b.addEventListener('click', async () => {
      await navigator.clipboard?.writeText($(b.dataset.for).textContent).catch(() => {});
      b.textContent = t('copied');
      setTimeout(() => (b.textContent = t('copy')), 1500);
    });
  }
}

/** Loads what the page needs from the server; shows the reason when it cannot. */
let booted = false;
async function boot() {
  try {
    await loadServerInfo();
    await loadVoices();
    await refreshHistory();
    booted = true;
    runVoiceCheck(); // text typed (or kept by the browser) before the page was ready
    $('error').hidden = true;
  } catch (e) {
    $('idle').hidden = true;
    fail(() => errText(e));
  }
}

setLang(initialLang());
$('lang').value = lang();
wire();
onSourceChange();
renderHistory();
renderCount();
boot();
