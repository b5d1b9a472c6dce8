// A generation's requests and result, loaded by the first one: the job API, or
// /v1/audio/speech streamed into Web Audio.
import { t, addStrings } from './i18n.js';
import { api, getJSON, followEvents } from './api.js';
import { $, h, show, fail, around, errText, num, secs, setAudio, playable, fetchAudio, saveBlob } from './dom.js';
import { state, setResult, addHistory, persistHistory } from './state.js';
import { langList } from './form.js';
import { isEnd, renderStatus, renderEvents, renderHistory } from './generate.js';
// player.js is loaded when first needed, to keep the first load small.

addStrings({
  verifyH: ['Verification', '校验', '校驗', '検証'],
  verifyPassed: ['All {n} sentences passed.', '全部 {n} 句通过。', '全部 {n} 句通過。', '{n} 文すべて合格しました。'],
  verifyFailed: ['{f} of {n} sentences still fail; the best take of each is kept.', '{n} 句中有 {f} 句仍未通过；每句保留最好的一次。', '{n} 句中有 {f} 句仍未通過；每句保留最好的一次。', '{n} 文のうち {f} 文が不合格のままです。各文の最良のテイクを使っています。'],
  verifyLine: ['take {a}: error rate {e}', '第 {a} 次：错误率 {e}', '第 {a} 次：錯誤率 {e}', '{a} 回目: 誤り率 {e}'],
  verifyNotChecked: ['take {a}: words not checked', '第 {a} 次：未检查文字', '第 {a} 次：未檢查文字', '{a} 回目: 単語は未確認'],
  verifyFails: ['fails: {w}', '未通过：{w}', '未通過：{w}', '不合格: {w}'],
});

function track(job, entry) {
  entry.id = job.id;
  addHistory(entry);
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

/** The job API: upload `form`, 202, then the SSE stream until the end; then the result. */
export async function runJob(job, entry, form) {
  const res = await api('/api/tts', { method: 'POST', body: form, headers: { Prefer: 'respond-async' }, signal: job.abort.signal });
  job.id = (await res.json()).id;
  track(job, entry);
  const end = await follow(job);
  await finish(job, entry, end, true);
}

/** The streaming path: `body` to /v1/audio/speech, raw PCM into Web Audio, and the job's SSE for progress. */
export async function runStreamed(job, entry, body) {
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
    const result = await getJSON(`/api/tts/${job.id}`);
    setResult(result);
    if (job.builtIn && result.model) entry.voice = result.model; // the voice that spoke
    entry.duration = result.result?.duration_seconds;
    entry.rtf = result.result?.real_time_factor;
    renderResult();
    $('dl-format').value = entry.format;
    const el = $('out-audio');
    setAudio(el, await fetchAudio(job.id, playable(entry.format)));
    document.dispatchEvent(new CustomEvent('glmtts:result'));
    if (autoplay) el.play().catch(() => {});
  } else if (end.type === 'failed') {
    fail(() => end.problem?.detail || t('failed'));
  }
  persistHistory();
  renderHistory();
}

/** The facts of the last finished job: voice, languages, match, timing, transcript, parameters, notes. */
export function renderResult() {
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
  renderVerification(r.verification);
  $('r-notes-h').hidden = !r.notes.length;
  $('r-notes').replaceChildren(...r.notes.map((n) => h('li', { translate: 'no', text: n })));
}

/** The result's verification: a summary and each sentence's take, errors and failures. */
function renderVerification(v) {
  const box = $('r-verify');
  box.hidden = !v;
  if (!v) return;
  const n = v.sentences.length;
  const bad = v.failed_sentences;
  box.replaceChildren(
    h('h3', { text: t('verifyH') }),
    h('p', { id: 'r-verify-sum', class: bad ? 'bad' : 'ok', text: bad ? t('verifyFailed', { f: bad, n }) : t('verifyPassed', { n }) }),
    h('ol', { id: 'r-verify-list', class: 'verify-list' }, ...v.sentences.map((s) => {
    const score = s.error_rate == null ? t('verifyNotChecked', { a: s.attempts }) : t('verifyLine', { a: s.attempts, e: num(s.error_rate, 2) });
    return h('li', { 'data-passed': s.passed, 'data-attempts': s.attempts, class: s.passed ? '' : 'bad' },
      h('span', { translate: 'no', text: s.text }), ' — ', score,
      s.failures.length ? ` (${t('verifyFails', { w: s.failures.join(', ') })})` : '');
  })));
}

/** Downloads the last result in the format chosen. */
export async function download() {
  const job = state.result;
  if (!job) return;
  const fmt = $('dl-format').value;
  try {
    saveBlob(await fetchAudio(job.id, fmt), `speech-${job.id}.${fmt}`);
  } catch (e) {
    fail(() => errText(e));
  }
}
