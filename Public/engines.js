// The voice picker, the settings the engine honours, the character count, and the line
// saying which voice will speak (POST /api/tts/voice while typing).
import { t } from './i18n.js';
import { getJSON, ApiError } from './api.js';
import { $, h, show, around } from './dom.js';
import { state, setTouched, setVoiceCheck, setShownEngine } from './state.js';
import { PARAMS, source, engine, engineById, param, predicted, pageLang, voiceLangs, langName, langList, textLength, renderSnippets } from './form.js';

// Each language's name in its own words, added to a group label in another page language.
const ENDONYM = { zh: '中文', ja: '日本語', en: 'English', yue: '粵語' };
const ORDER = ['zh', 'ja', 'en'];

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
export function renderModels() {
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
export function applyEngine(reset = false) {
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
    if (reset) setTouched(false);
    box.title = input.title = off ? t('whyNot', { r: p.reason || '' }) : '';
    box.querySelector('.why').textContent = off ? t('notUsed') : '';
  }
  for (const out of document.querySelectorAll('.rng output')) out.value = $(out.htmlFor).value;
  renderCloneNote();
  renderSnippets();
}

/** The built-in voice's note, or that the engine cannot clone. */
export function renderCloneNote() {
  const e = engine();
  const def = $('default-note');
  def.hidden = source() !== 'default';
  show(def, !e || def.hidden ? null : $('model').value ? () => t('defaultNote', { m: e.id }) : () => t('autoNote'));
  const note = $('clone-note');
  note.hidden = !e || e.capabilities.can_clone || source() !== 'clip';
  show(note, note.hidden ? null : () => t('cannotClone', { m: e.id }));
}

/** The character count. */
export function renderCount() {
  const max = state.limits.max_text_characters;
  const n = textLength();
  $('count').classList.toggle('bad', n > max);
  show($('count'), () => (n > max ? t('tooLong', { max }) + ' ' : '') + t('count', { n, max }));
}

// ---------------------------------------------------------------- the voice that will speak

const pending = { seq: 0, timer: 0 }; // the newest question, and the debounce

/** Asks again ~300 ms after the last change (typing, voice or language). */
export function scheduleVoiceCheck() {
  clearTimeout(pending.timer);
  pending.timer = setTimeout(runVoiceCheck, 300);
}

/** Asks now, unless the server already answered this question. */
export async function runVoiceCheck() {
  clearTimeout(pending.timer);
  const text = $('text').value;
  const model = $('model').value;
  const language = $('text-lang').value;
  const seq = ++pending.seq;
  // Nothing to ask about (or more than the server takes; the counter says so): the voice
  // for the page's language is shown instead.
  if (!state.booted || !text.trim() || textLength() > state.limits.max_text_characters) {
    setVoiceCheck('', null, null);
    return renderVoiceLine();
  }
  // With a clip or a saved voice (and no voice match), a voice that clones is preferred.
  const withReference = source() !== 'default' && !$('voice-match').checked;
  const key = JSON.stringify([text, model, language, withReference]);
  if (key === state.voiceCheck.key) return;
  const body = { text };
  if (model) body.model = model;
  if (language) body.language = language;
  if (withReference) body.with_reference = true;
  let result = null;
  let problem = null;
  try {
    result = await getJSON('/api/tts/voice', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  } catch (e) {
    if (seq !== pending.seq) return;
    // A text no installed (or chosen) voice speaks: warn now; generating gets the same answer.
    if (String(e.problem?.type || '').endsWith('text.language_unsupported')) problem = e.detail;
    else if (!(e instanceof ApiError) || e.status === 0 || e.status >= 500) return; // try again on the next change
  }
  if (seq !== pending.seq) return; // a newer question is on its way
  setVoiceCheck(key, result, problem);
  renderVoiceLine();
}

/** The voice line and the language warning. */
export function renderVoiceLine() {
  const { problem } = state.voiceCheck;
  const line = $('voice-line');
  const warn = $('voice-warn');
  warn.hidden = !problem;
  // Our words, then the server's (which names the voices that can speak the text).
  warn.replaceChildren(...(!problem ? [] : [h('b', { text: t('langWarn') }), ' ',
    h('span', { class: 'detail', translate: 'no', text: problem })]));
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
  if (now !== state.shownEngine) {
    const first = state.shownEngine === null;
    setShownEngine(now);
    if (!first && !$('model').value) applyEngine(!state.touched);
  }
}
