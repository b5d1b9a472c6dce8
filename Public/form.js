// Reads the form (voice source, engine, settings; language names) and shows it as code.
import { t, lang } from './i18n.js';
import { getKey } from './api.js';
import { $ } from './dom.js';
import { state } from './state.js';

/** The settings; SAMPLING are those /v1 does not take. */
export const PARAMS = ['temperature', 'top_p', 'top_k', 'sampling_strategy', 'seed', 'speed'];
export const SAMPLING = ['temperature', 'top_p', 'top_k', 'sampling_strategy', 'seed'];

/** The voice source: 'default', 'clip' or 'saved'. */
export const source = () => document.querySelector('input[name=src]:checked').value;
/** The engine with this model id. */
export const engineById = (id) => state.engines.find((e) => e.id === id);
/** The engine that will speak: the one chosen, or in automatic mode the one the server said it would pick. */
export const engine = () => engineById($('model').value || predicted()?.voice) || state.engines[0];
/** That engine's parameter `name`. */
export const param = (name) => engine()?.capabilities.parameters.find((p) => p.name === name);
/** The saved voice chosen. */
export const selectedVoice = () => state.voices.find((v) => v.id === $('voice-select').value);
/** The text's length in code points. */
export const textLength = () => [...$('text').value].length;
/** Voice match is asked for, and there is a reference to match (the server refuses it without one). */
export const voiceMatch = () => $('voice-match').checked && source() !== 'default';

/** The parameters to send: what the user set on controls the engine honours. */
export function chosenParams() {
  const out = {};
  for (const name of PARAMS) {
    const input = $(name);
    if (input.disabled || input.value === '') continue;
    out[name] = name === 'sampling_strategy' ? input.value : Number(input.value);
  }
  return out;
}

/** The voice that will speak and the text's languages, as far as known; null while unknown. */
export function predicted() {
  const check = state.voiceCheck;
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

/** A language tag's primary subtag, lower-cased (`en-US` → `en`); `cmn` (Mandarin) is `zh`. */
export function primaryLang(tag) {
  const p = String(tag).toLowerCase().split(/[-_]/)[0];
  return p === 'cmn' ? 'zh' : p;
}
/** The page's language as a text language: zh for both Chinese pages. */
export const pageLang = () => primaryLang(lang());
/** Engine `e`'s languages, as primary subtags. */
export const voiceLangs = (e) => [...new Set((e.languages || (e.language ? [e.language] : [])).map(primaryLang))].filter((l) => l !== '*');

/** A language's name in the page's language: ours for the usual ones, else the browser's. */
export function langName(code) {
  const key = `lang_${code}`;
  if (t(key) !== key) return t(key);
  try {
    return new Intl.DisplayNames([lang()], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}
/** Languages' names, as a list. */
export const langList = (codes) => codes.map(langName).join(t('listSep'));

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const pyq = (s) => JSON.stringify(String(s)); // a JSON string is a valid Python literal

/** The curl and Python snippets for the form. */
export function renderSnippets() {
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
