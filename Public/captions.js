// Read-along: the result's words (GET /api/tts/{id}/captions?format=json) highlighted one by
// one while its audio plays; a click on a word plays from there. Loaded when the Read along
// panel is first opened (making captions costs the server a transcription of the result).
import { t, addStrings } from './i18n.js';
import { api, getJSON } from './api.js';
import { $, h, show, fail, errText, saveBlob } from './dom.js';

addStrings({
  captionsLoading: ['Timing the words…', '正在为每个词计时…', '正在為每個詞計時…', '単語のタイミングを計っています…'],
  captionsEstimated: ['Word times are estimated: {m}', '词的时间为估计值：{m}', '詞的時間為估計值：{m}', '単語の時間は推定です: {m}'],
  captionsAs: ['Captions as', '字幕格式', '字幕格式', '字幕の形式'],
  downloadCaptions: ['Download captions', '下载字幕', '下載字幕', '字幕をダウンロード'],
});

let shown = null; // id of the job whose words are on the page
let words = [];   // [{el, start, end}]
let current = -1;
let frame = 0;

// Han, kana and CJK punctuation: written without spaces around them (as the server's cues).
const UNSPACED = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/u;

/** Shows job `id`'s words in the read-along panel (once per job). */
export async function loadCaptions(id) {
  buildPanel();
  if (shown === id) return;
  shown = id;
  const box = $('readalong');
  const note = $('readalong-note');
  box.replaceChildren();
  words = [];
  current = -1;
  show(note, () => t('captionsLoading'));
  let doc;
  try {
    doc = await getJSON(`/api/tts/${id}/captions?format=json`);
  } catch (e) {
    if (shown === id) show(note, () => errText(e));
    return;
  }
  if (shown !== id) return; // another result came meanwhile
  let previous = '';
  const spans = [];
  for (const w of doc.words) {
    if (previous && !(UNSPACED.test(previous.slice(-1)) && UNSPACED.test(w.text[0]))) spans.push(' ');
    const el = h('span', { class: 'w', 'data-start': w.start, 'data-end': w.end, 'data-heard': w.heard, text: w.text });
    el.addEventListener('click', () => seek(w.start));
    spans.push(el);
    words.push({ el, start: w.start, end: w.end });
    previous = w.text;
  }
  box.replaceChildren(...spans);
  box.dataset.words = String(words.length);
  show(note, doc.recognizer ? null : () => t('captionsEstimated', { m: doc.estimated_because || '' }));
  highlight();
}

/** The panel's contents, made when it is first opened (the page's first load stays small). */
function buildPanel() {
  if ($('readalong')) return;
  const format = h('select', { id: 'cap-format', translate: 'no' }, ...['vtt', 'srt', 'json'].map((f) => h('option', { text: f })));
  const button = h('button', { type: 'button', id: 'cap-download', class: 'btn', 'data-i18n': 'downloadCaptions', text: t('downloadCaptions') });
  button.addEventListener('click', () => shown && downloadCaptions(shown));
  $('readalong-box').append(
    h('p', { id: 'readalong-note', class: 'hint', 'aria-live': 'polite' }),
    h('p', { id: 'readalong', class: 'readalong', 'data-words': '0', 'data-current': '-1' }),
    h('div', { class: 'row' },
      h('label', { class: 'inline' }, h('span', { 'data-i18n': 'captionsAs', text: t('captionsAs') }), ' ', format), button));
}

/** Follows the result's audio: the word being said is marked, those before it dimmed. */
export function follow(audio) {
  const tick = () => {
    highlight();
    frame = audio.paused ? 0 : requestAnimationFrame(tick);
  };
  audio.addEventListener('play', () => { if (!frame) frame = requestAnimationFrame(tick); });
  for (const ev of ['pause', 'seeked', 'timeupdate', 'ended']) audio.addEventListener(ev, highlight);
}

function highlight() {
  if (!$('readalong')) return;
  const at = $('out-audio').currentTime;
  let index = -1;
  for (let i = 0; i < words.length && words[i].start <= at; i++) index = i;
  if (index === current) return;
  current = index;
  words.forEach((w, i) => {
    w.el.classList.toggle('now', i === index && at < w.end + 0.25);
    w.el.classList.toggle('said', i < index);
  });
  $('readalong').dataset.current = String(index);
}

function seek(seconds) {
  const audio = $('out-audio');
  audio.currentTime = seconds;
  audio.play().catch(() => {});
}

/** Downloads job `id`'s captions in the format chosen. */
export async function downloadCaptions(id) {
  const fmt = $('cap-format').value;
  try {
    saveBlob(await (await api(`/api/tts/${id}/captions?format=${fmt}`)).blob(), `speech-${id}.${fmt}`);
  } catch (e) {
    fail(() => errText(e));
  }
}
