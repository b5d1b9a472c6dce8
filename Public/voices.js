// Section 1: the voice source, the reference clip and its quality, transcription, saved voices.
import { t } from './i18n.js';
import { api, getJSON } from './api.js';
import { $, h, show, say, errText, num, secs, setAudio } from './dom.js';
import { state, setSource, setVoices, setClip, setQuality } from './state.js';
import { source, selectedVoice, renderSnippets } from './form.js';
import { renderCloneNote, renderVoiceLine } from './engines.js';
// recorder.js is loaded when first needed, to keep the first load small.

/** Lists the saved voices, selecting `selectId`. */
export async function loadVoices(selectId) {
  const { voices } = await getJSON('/api/voices');
  setVoices(voices);
  $('voice-select').replaceChildren(...voices.map((v) => h('option', { value: v.id, text: v.name })));
  if (selectId) $('voice-select').value = selectId;
  const none = voices.length === 0;
  $('no-voices').hidden = !none;
  $('play-voice').disabled = $('del-voice').disabled = $('voice-select').disabled = none;
  onVoiceChosen();
}

/** A saved voice was chosen. */
export function onVoiceChosen() {
  $('voice-audio').hidden = true;
  if (source() === 'saved') $('ref-text').value = selectedVoice()?.reference_text || '';
  renderSnippets();
}

/** Shows the chosen source's panes. */
export function onSourceChange() {
  const src = source();
  // One reference-text box serves the clip and the saved voice: keep what was typed for the clip.
  setSource(src, $('ref-text').value);
  if (src === 'clip') $('ref-text').value = state.clipText;
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

/** Takes a new reference clip (file, drop or recording) and asks the server for its quality report. */
export async function useClip(blob, name, label) {
  const clip = { blob, name, label: label || (() => name) };
  setClip(clip);
  setQuality('checking');
  $('clip-box').hidden = false;
  show($('clip-name'), clip.label);
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
    setClip(null);
    $('clip-box').hidden = true;
    $('clip-audio').removeAttribute('src');
    say($('voice-msg'), () => errText(e), true);
  }
  if (state.clip !== clip && report) return; // a newer clip replaced this one meanwhile
  setQuality(report);
  renderQuality();
}

/** The clip's quality report. */
export function renderQuality() {
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

const rec = { recorder: null, timer: 0 }; // the recording in progress

/** Starts recording, or stops and uses the recording. */
export async function toggleRecording() {
  const btn = $('rec');
  if (rec.recorder) {
    clearInterval(rec.timer);
    const seconds = rec.recorder.seconds;
    const blob = await rec.recorder.stop();
    rec.recorder = null;
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
    rec.recorder = new Recorder();
    await rec.recorder.start((peak) => ($('rec-level').value = peak));
  } catch (e) {
    rec.recorder = null;
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
    const s = rec.recorder?.seconds || 0;
    $('rec-time').dataset.seconds = s.toFixed(2);
    show($('rec-time'), () => t('recTime', { s: num(s, 0) }));
    if (s >= 30) toggleRecording(); // longer than any useful reference
  };
  tick();
  rec.timer = setInterval(tick, 250);
}

/** Transcribes the clip into the reference text. */
export async function transcribe() {
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

/** Saves the clip as a voice and shows it. */
export async function saveVoice() {
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

/** Plays the saved voice. */
export async function playVoice() {
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

/** Deletes the saved voice, after asking. */
export async function deleteVoice() {
  const v = selectedVoice();
  if (!v || !confirm(t('confirmDelVoice', { n: v.name }))) return;
  try {
    await api(`/api/voices/${v.id}`, { method: 'DELETE' });
  } catch (e) {
    if (e.status !== 404) return say($('voice-msg'), () => errText(e), true);
  }
  await loadVoices();
}
