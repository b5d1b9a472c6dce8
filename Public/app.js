// The page's entry: the API-key dialog, server info, wiring, language switch. State is in
// state.js. Talks only to this origin (see api.js).
import { t, setLang, initialLang, lang } from './i18n.js';
import { getJSON, onAuthNeeded, getKey, setKey } from './api.js';
import { $, h, show, relabelLive, fail, errText } from './dom.js';
import { state, setServerInfo, setBooted, setTouched } from './state.js';
import { PARAMS, renderSnippets } from './form.js';
import { renderModels, applyEngine, renderCount, scheduleVoiceCheck, runVoiceCheck, renderVoiceLine } from './engines.js';
import { loadVoices, onVoiceChosen, onSourceChange, useClip, renderQuality, toggleRecording, transcribe, saveVoice, playVoice, deleteVoice } from './voices.js';
import { generate, cancel, renderStatus, renderEvents, renderResult, download, renderHistory, refreshHistory } from './generate.js';

let keyPrompt = null; // while the dialog is open
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

async function loadServerInfo() {
  const [limits, engines] = await Promise.all([getJSON('/api/limits'), getJSON('/api/engines')]);
  setServerInfo(limits, engines);
  renderModels(); // automatic: the voice follows the text's language
  const fmts = limits.formats.map((f) => h('option', { value: f, text: f.toUpperCase() }));
  $('format').replaceChildren(...fmts);
  $('dl-format').replaceChildren(...fmts.map((o) => o.cloneNode(true)));
  $('format').value = 'wav';
  renderVoiceLine();
  applyEngine(true);
  renderCount();
}

function relabelAll() {
  setLang($('lang').value);
  relabelLive();
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
  for (const r of document.querySelectorAll('input[name=src]')) r.addEventListener('change', () => (onSourceChange(), runVoiceCheck()));
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
  $('voice-match').addEventListener('change', () => (renderVoiceLine(), runVoiceCheck()));
  for (const name of PARAMS) $(name).addEventListener('input', () => setTouched(true));
  $('reset').addEventListener('click', () => applyEngine(true));
  for (const input of document.querySelectorAll('.rng input')) {
    input.addEventListener('input', () => (input.nextElementSibling.value = input.value));
  }
  $('generate').addEventListener('click', generate);
  $('cancel').addEventListener('click', cancel);
  $('download').addEventListener('click', download);
  // Read along: captions.js is loaded, and the words fetched, when the panel is opened; an
  // opened panel stays open for the next results (remembered in this browser).
  const readAlong = $('readalong-box');
  readAlong.open = localStorage.getItem('glmtts.readAlong') === 'open';
  readAlong.addEventListener('toggle', () => {
    localStorage.setItem('glmtts.readAlong', readAlong.open ? 'open' : 'closed');
    if (readAlong.open) showReadAlong();
  });
  document.addEventListener('glmtts:result', showReadAlong); // job.js, when a result is shown

  // The Models panel (admin): models.js is loaded when the panel is first opened.
  $('models-panel').addEventListener('toggle', (e) => e.target.open && import('./models.js').then((m) => m.openModels()).catch(() => show($('models-root'), () => t('errorNet'))));
  // A new key matters to the snippets, and to a page that could not load without one.
  $('key-btn').addEventListener('click', () => askKey(null).then(() => (state.booted ? renderSnippets() : boot())));
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

/** The last result's words in the read-along panel, when it is open. */
function showReadAlong() {
  if (!state.result || !$('readalong-box').open) return;
  import('./captions.js').then((m) => {
    if (!followed) m.follow($('out-audio'));
    followed = true;
    return m.loadCaptions(state.result.id);
  }).catch(() => show($('readalong-note'), () => t('errorNet')));
}
let followed = false;

/** Loads what the page needs from the server; shows the reason when it cannot. */
async function boot() {
  try {
    await loadServerInfo();
    await loadVoices();
    await refreshHistory();
    setBooted();
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
