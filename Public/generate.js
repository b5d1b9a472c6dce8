// Generating: the request the form describes, its progress while job.js sends it,
// cancelling; and the history.
import { t, lang } from './i18n.js';
import { api, getJSON, ApiError } from './api.js';
import { $, h, show, fail, errText, num, secs, setAudio, playable, fetchAudio, saveBlob } from './dom.js';
import { state, startJob, endJob, setFixedStatus, persistHistory, removeHistory } from './state.js';
import { SAMPLING, source, param, selectedVoice, voiceMatch, chosenParams, predicted } from './form.js';

let run = null; // job.js, loaded by the first generation
/** Re-renders the last result, if any. */
export const renderResult = () => run?.renderResult();
/** Downloads the last result. */
export const download = () => run?.download();

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

function buildForm() {
  const form = new FormData();
  form.append('text', $('text').value);
  if ($('model').value) form.append('model', $('model').value); // none: the server picks by language
  if ($('text-lang').value) form.append('language', $('text-lang').value);
  if (voiceMatch()) form.append('voice_match', 'true');
  if ($('verify').checked) form.append('verify', 'true');
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

// Automatic: OpenAI's model and voice names leave the choice to the server, by language.
function speechBody() {
  const body = {
    model: $('model').value || 'tts-1',
    voice: source() === 'saved' ? $('voice-select').value : $('model').value || 'alloy',
    input: $('text').value,
    response_format: 'pcm',
  };
  if (!$('speed').disabled) body.speed = Number($('speed').value);
  if ($('verify').checked) body.verify = true;
  return body;
}

function voiceLabel() {
  if (source() === 'saved') return selectedVoice()?.name || '';
  if (source() === 'clip') return state.clip?.label() || '';
  return $('model').value || predicted()?.voice || t('auto');
}

/** Generates speech from the form (one at a time). */
export async function generate() {
  if (state.job) return;
  show($('error'), null);
  $('error').hidden = true;
  if (!$('text').value.trim()) return fail(() => t('needText'));
  if (source() === 'clip' && !state.clip) return fail(() => t('needClip'));
  if (source() === 'saved' && !selectedVoice()) return fail(() => t('noVoices'));
  const job = { id: null, abort: new AbortController(), events: [], last: null, stream: canStream(), builtIn: source() === 'default' };
  startJob(job);
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
  setFixedStatus('sending');
  const streamState = $('stream-state');
  streamState.hidden = !job.stream;
  Object.assign(streamState.dataset, { chunks: '0', responseDone: 'false', playedBeforeEnd: '' });
  show(streamState, null);
  renderEvents();
  job.timer = setInterval(renderStatus, 250);
  const entry = { text: $('text').value.slice(0, 300), at: Date.now(), format: $('format').value, model: $('model').value, voice: voiceLabel(), status: 'queued' };
  try {
    const request = job.stream ? speechBody() : buildForm(); // the form at the click
    // job.js is loaded by the first generation, to keep the first load small.
    run = await import('./job.js').catch(() => { throw new ApiError(0, null); });
    await (job.stream ? run.runStreamed : run.runJob)(job, entry, request);
  } catch (e) {
    if (e.name !== 'AbortError') fail(() => errText(e));
    if (!isEnd(job.last)) {
      setFixedStatus(e.name === 'AbortError' ? 'cancelled' : 'failed');
    }
  } finally {
    clearInterval(job.timer);
    job.abort.abort(); // closes a progress stream left open by a failure
    job.player?.close();
    endJob();
    $('generate').disabled = false;
    $('cancel').hidden = true;
    renderStatus();
  }
}

/** Cancels the running generation. */
export async function cancel() {
  const job = state.job;
  if (!job) return;
  $('cancel').disabled = true;
  setFixedStatus('cancelling');
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

const stageKey = (s) => (s === 'transcribing' ? 'transcribing_stage' : s);

function eventText(ev) {
  if (ev.type === 'queued') return t('queued', { n: ev.queue_position ?? 0 });
  if (ev.type === 'stage' || ev.type === 'progress') return t(stageKey(ev.stage));
  return t(ev.type);
}

/** The event ends a job. */
export const isEnd = (ev) => ['completed', 'failed', 'cancelled'].includes(ev?.type);

/** The status line of the generation shown. */
export function renderStatus() {
  const ev = state.view?.last;
  const running = !!state.job;
  const fixed = state.fixedStatus;
  if (!ev && !fixed) return;
  const main = fixed && !isEnd(ev) && (!ev || fixed !== 'sending') ? t(fixed) : eventText(ev);
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

/** Its event log. */
export function renderEvents() {
  const events = state.view?.events || [];
  $('events').replaceChildren(...events.map((ev) =>
    h('li', { 'data-seq': ev.sequence, 'data-type': ev.type, 'data-stage': ev.stage || '' },
      `${secs(ev.elapsed_seconds, 2)} · ${eventText(ev)}`,
      ev.sentence ? ` · ${t('sentence', { i: ev.sentence, n: ev.sentence_count })}` : '')));
}

// ---------------------------------------------------------------- history

/** The history list. */
export function renderHistory() {
  $('hist-empty').hidden = state.history.length > 0;
  $('history').replaceChildren(...state.history.filter((e) => e.id).map((e) => {
    const audio = h('audio', { controls: true, hidden: true, 'aria-label': t('outAudio') });
    const msg = h('p', { class: 'hint', role: 'status', text: e.gone ? t('gone') : '' });
    const meta = [new Date(e.at).toLocaleString(lang()), t(isEnd({ type: e.status }) ? e.status : 'running')];
    if (e.duration != null) meta.push(secs(e.duration));
    const goneOr = (err) => {
      if (err.status === 404) {
        e.gone = true;
        persistHistory();
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
          removeHistory(e);
          renderHistory();
        } })),
      audio, msg);
  }));
}

/** Entries left running by a reload: ask the server how they ended. */
export async function refreshHistory() {
  for (const e of state.history.filter((x) => !isEnd({ type: x.status }))) {
    try {
      const job = await getJSON(`/api/tts/${e.id}`);
      e.status = job.status;
      e.duration = job.result?.duration_seconds;
    } catch (err) {
      if (err.status === 404) e.gone = true;
    }
  }
  persistHistory();
  renderHistory();
}
