// The Models panel (admin): the catalogue of published models by language and capability,
// pulls with live progress (GET …/events, followed with fetch: it needs the key), cancelling
// a pull, and removing an installed model. Loaded when the panel is first opened (app.js).
import { t, lang, addStrings } from './i18n.js';
import { api, getJSON, followEvents, ApiError } from './api.js';
import { $, h, show, errText } from './dom.js';
import { state, setServerInfo, setVoiceCheck } from './state.js';
import { primaryLang, langName, langList } from './form.js';
import { renderModels, applyEngine, runVoiceCheck } from './engines.js';

// Each entry is [English, 简体中文, 繁體中文, 日本語], as in i18n.js.
addStrings({
  mIntro: ['Published models this server can download, and the ones it has. Managing them needs an admin key.', '此服务器可以下载的已发布模型，以及已安装的模型。管理模型需要管理员密钥。', '此伺服器可以下載的已發布模型，以及已安裝的模型。管理模型需要管理員金鑰。', 'このサーバーがダウンロードできる公開モデルと、インストール済みのモデルです。管理には管理者キーが必要です。'],
  mLoading: ['Loading the catalogue…', '正在加载模型目录…', '正在載入模型目錄…', 'カタログを読み込んでいます…'],
  mAdmin: ['An admin key is needed to manage models.', '管理模型需要管理员密钥。', '管理模型需要管理員金鑰。', 'モデルの管理には管理者キーが必要です。'],
  mRetry: ['Try again', '重试', '重試', '再試行'],
  mLang: ['Language', '语言', '語言', '言語'],
  mAll: ['All languages', '所有语言', '所有語言', 'すべての言語'],
  mAny: ['any language', '任何语言', '任何語言', '任意の言語'],
  mClone: ['Clones a voice', '可以克隆声音', '可以複製聲音', '声をクローンできる'],
  mSearch: ['Search', '搜索', '搜尋', '検索'],
  mSearchPh: ['Name or description', '名称或描述', '名稱或描述', '名前または説明'],
  mPacks: ['Packs', '模型包', '模型包', 'パック'],
  mIncludes: ['Includes:', '包括：', '包括：', '含まれるもの:'],
  mCatalogue: ['Catalogue', '模型目录', '模型目錄', 'カタログ'],
  mCount: ['{n} of {all} models shown', '显示 {n} / {all} 个模型', '顯示 {n} / {all} 個模型', '{all} 件中 {n} 件を表示'],
  mNone: ['No model matches these filters.', '没有符合筛选条件的模型。', '沒有符合篩選條件的模型。', '条件に合うモデルはありません。'],
  st_installed: ['Installed', '已安装', '已安裝', 'インストール済み'],
  st_available: ['Available', '可下载', '可下載', 'ダウンロード可能'],
  st_unavailable: ['Unavailable', '不可用', '不可用', '利用不可'],
  mLoaded: ['loaded', '已加载', '已載入', '読み込み済み'],
  mLangs: ['Languages', '语言', '語言', '言語'],
  mSize: ['Download', '下载大小', '下載大小', 'ダウンロード'],
  mSizeListed: ['listed when pulled', '拉取时列出', '拉取時列出', '取得時に判明'],
  mDevice: ['Runs on', '运行于', '執行於', '実行環境'],
  mLicence: ['Licence', '许可证', '授權', 'ライセンス'],
  dev_cpu: ['CPU', 'CPU 即可', 'CPU 即可', 'CPU で動作'],
  dev_gpu: ['GPU only', '仅限 GPU', '僅限 GPU', 'GPU のみ'],
  mCanClone: ['clones a voice', '可克隆声音', '可複製聲音', '声をクローン'],
  // Unit symbols are the same in every language (shown with translate="no").
  kB: ['{n} kB', '{n} kB', '{n} kB', '{n} kB'],
  MB: ['{n} MB', '{n} MB', '{n} MB', '{n} MB'],
  GB: ['{n} GB', '{n} GB', '{n} GB', '{n} GB'],
  mPull: ['Pull', '下载', '下載', 'ダウンロード'],
  mPullPack: ['Pull pack', '下载模型包', '下載模型包', 'パックをダウンロード'],
  mRemove: ['Remove', '删除', '刪除', '削除'],
  mPullOf: ['Pull {m}', '下载 {m}', '下載 {m}', '{m} をダウンロード'],
  mRemoveOf: ['Remove {m}', '删除 {m}', '刪除 {m}', '{m} を削除'],
  mConfirm: ['Remove the model “{m}” from this server? Its files are deleted.', '从此服务器删除模型“{m}”？其文件将被删除。', '從此伺服器刪除模型「{m}」？其檔案將被刪除。', 'モデル「{m}」をこのサーバーから削除しますか？ファイルも削除されます。'],
  mBar: ['Pull progress', '下载进度', '下載進度', 'ダウンロードの進捗'],
  mStarting: ['Starting the pull…', '正在开始下载…', '正在開始下載…', 'ダウンロードを開始しています…'],
  mModelOf: ['Model {i} of {n}:', '第 {i} 个模型，共 {n} 个：', '第 {i} 個模型，共 {n} 個：', '{n} 件中 {i} 件目:'],
  ph_waiting: ['Waiting', '等待中', '等待中', '待機中'],
  ph_downloading: ['Downloading', '正在下载', '正在下載', 'ダウンロード中'],
  ph_verifying: ['Verifying', '正在校验', '正在校驗', '検証中'],
  ph_installing: ['Installing', '正在安装', '正在安裝', 'インストール中'],
  ph_installed: ['Installed', '已安装', '已安裝', 'インストール済み'],
  ph_skipped: ['Already installed', '已安装，跳过', '已安裝，略過', 'インストール済みのためスキップ'],
  mBytes: ['{d} of {t}', '{d} / {t}', '{d} / {t}', '{d} / {t}'],
  mSpeed: ['{s}/s', '每秒 {s}', '每秒 {s}', '毎秒 {s}'],
  mEta: ['{s} s left', '还剩 {s} 秒', '還剩 {s} 秒', '残り {s} 秒'],
  mEtaMin: ['{m} min {s} s left', '还剩 {m} 分 {s} 秒', '還剩 {m} 分 {s} 秒', '残り {m} 分 {s} 秒'],
  mCancel: ['Cancel pull', '取消下载', '取消下載', 'ダウンロードを中止'],
  mCancelling: ['Cancelling…', '正在取消…', '正在取消…', '中止しています…'],
  mDone: ['Installed:', '已安装：', '已安裝：', 'インストールしました:'],
  mSkipped: ['Already installed:', '已经安装：', '已經安裝：', 'すでにインストール済み:'],
  mCancelled: ['The pull was cancelled; nothing was installed.', '下载已取消，未安装任何内容。', '下載已取消，未安裝任何內容。', 'ダウンロードを中止しました。何もインストールされていません。'],
  mFailed: ['The pull failed:', '下载失败：', '下載失敗：', 'ダウンロードに失敗しました:'],
  mRemoved: ['Removed:', '已删除：', '已刪除：', '削除しました:'],
  mRemoveFailed: ['Could not remove the model:', '无法删除模型：', '無法刪除模型：', 'モデルを削除できませんでした:'],
});

const view = { loaded: false, loading: false, listing: null, denied: null, msg: null, run: null, last: null };
let built = false;

/** The panel was opened: builds it the first time, and (re)loads the catalogue unless it has it. */
export function openModels() {
  if (!built) build();
  if (!view.loaded || view.denied) load();
}

const el = (id) => $(id);

function build() {
  built = true;
  const root = $('models-root');
  show(root, null);
  const opt = (v, key) => h('option', { value: v, 'data-i18n': key, text: t(key) });
  root.replaceChildren(
    h('p', { class: 'hint', 'data-i18n': 'mIntro', text: t('mIntro') }),
    h('p', { id: 'models-loading', class: 'hint', 'aria-live': 'polite', 'data-i18n': 'mLoading', text: t('mLoading'), hidden: true }),
    h('div', { id: 'models-denied', class: 'note', role: 'alert', hidden: true },
      h('p', { class: 'denied-text', 'data-i18n': 'mAdmin', text: t('mAdmin') }),
      h('p', { id: 'models-denied-detail', class: 'hint', translate: 'no' }),
      h('button', { type: 'button', id: 'models-retry', class: 'btn small', 'data-i18n': 'mRetry', text: t('mRetry'), onclick: load })),
    h('p', { id: 'models-error', class: 'error', role: 'alert', hidden: true }),
    h('div', { id: 'models-body', hidden: true },
      h('div', { class: 'row filters' },
        h('label', {}, h('span', { 'data-i18n': 'mLang', text: t('mLang') }),
          h('select', { id: 'models-lang', onchange: renderList }, opt('all', 'mAll'))),
        h('label', { class: 'inline' }, h('input', { type: 'checkbox', id: 'models-clone', onchange: renderList }),
          ' ', h('span', { 'data-i18n': 'mClone', text: t('mClone') })),
        h('label', { class: 'grow' }, h('span', { 'data-i18n': 'mSearch', text: t('mSearch') }),
          h('input', { type: 'search', id: 'models-search', autocomplete: 'off', spellcheck: 'false', 'data-i18n-attr': 'placeholder:mSearchPh', placeholder: t('mSearchPh'), oninput: renderList }))),
      h('div', { id: 'pull-box', class: 'pull', hidden: true },
        h('p', { id: 'pull-title', class: 'status' }),
        h('progress', { id: 'pull-bar', max: '1', value: '0', 'data-i18n-attr': 'aria-label:mBar', 'aria-label': t('mBar'), 'aria-describedby': 'pull-bytes' }),
        h('p', { id: 'pull-phase', 'aria-live': 'polite' }),
        h('p', { id: 'pull-bytes', class: 'hint' }),
        h('button', { type: 'button', id: 'pull-cancel', class: 'btn danger small', 'data-i18n': 'mCancel', text: t('mCancel'), onclick: cancelPull })),
      h('div', { id: 'models-msg', class: 'msg', role: 'status', 'aria-live': 'polite' }),
      h('h3', { id: 'packs-h', 'data-i18n': 'mPacks', text: t('mPacks'), hidden: true }),
      h('ul', { id: 'packs-list', class: 'mlist', 'aria-labelledby': 'packs-h' }),
      h('h3', { id: 'mlist-h', 'data-i18n': 'mCatalogue', text: t('mCatalogue') }),
      h('p', { id: 'models-count', class: 'hint', 'aria-live': 'polite' }),
      h('ul', { id: 'models-list', class: 'mlist', 'aria-labelledby': 'mlist-h' }),
      h('p', { id: 'models-none', class: 'hint', 'data-i18n': 'mNone', text: t('mNone'), hidden: true })));
  // After app.js's own listener (setLang has run): re-render what is built here.
  $('lang').addEventListener('change', renderAll);
}

/** GET /api/admin/models/catalog. */
async function load() {
  if (view.loading) return;
  view.loading = true;
  el('models-loading').hidden = view.loaded;
  try {
    view.listing = await getJSON('/api/admin/models/catalog');
    view.loaded = true;
    view.denied = null;
    el('models-error').hidden = true;
  } catch (e) {
    handle(e, null);
  } finally {
    view.loading = false;
    el('models-loading').hidden = true;
    renderAll();
  }
}

/** A refused or failed call: 403 says an admin key is needed; others show the server's detail. */
function handle(e, msgKey) {
  if (e instanceof ApiError && e.status === 403) {
    view.denied = e.detail || '';
  } else if (msgKey) {
    view.msg = { key: msgKey, detail: errText(e), bad: true };
  } else {
    el('models-error').hidden = false;
    show(el('models-error'), () => errText(e));
  }
}

function renderAll() {
  if (!built) return;
  el('models-denied').hidden = view.denied == null;
  el('models-denied-detail').textContent = view.denied || '';
  el('models-body').hidden = !view.listing || view.denied != null;
  renderFilters();
  renderList();
  renderPull();
  renderMsg();
}

const entries = () => view.listing?.models || [];
const langsOf = (e) => [...new Set(e.languages.map(primaryLang))];

function renderFilters() {
  const sel = el('models-lang');
  const keep = sel.value || 'all';
  const codes = [...new Set(entries().flatMap(langsOf))].filter((l) => l !== '*');
  codes.sort((a, b) => langName(a).localeCompare(langName(b), lang()));
  sel.replaceChildren(h('option', { value: 'all', text: t('mAll') }),
    ...codes.map((c) => h('option', { value: c, text: langName(c) === c ? c : `${langName(c)} (${c})` })));
  sel.value = codes.includes(keep) ? keep : 'all';
}

/** `n` bytes in kB, MB or GB (powers of 1000, as download sizes are usually given). */
function size(n) {
  const fmt = (x) => new Intl.NumberFormat(lang(), { maximumFractionDigits: x < 10 ? 1 : 0 }).format(x);
  if (n >= 1e9) return t('GB', { n: fmt(n / 1e9) });
  if (n >= 1e6) return t('MB', { n: fmt(n / 1e6) });
  return t('kB', { n: fmt(Math.max(n, 0) / 1e3) });
}

/** A licence cut to a short line (the whole text in its title). */
const shortLicence = (s) => (s.length > 40 ? `${s.slice(0, 38)}…` : s);

function fact(key, ...value) {
  return h('span', { class: 'fact' }, h('span', { class: 'k', text: t(key) }), ' ', ...value);
}

function shown(e) {
  const l = el('models-lang').value;
  const q = el('models-search').value.trim().toLowerCase();
  if (l !== 'all' && !langsOf(e).some((x) => x === l || x === '*')) return false;
  if (el('models-clone').checked && !e.can_clone) return false;
  return !q || [e.id, e.description, e.engine].some((s) => String(s).toLowerCase().includes(q));
}

function renderList() {
  if (!view.listing) return;
  const busy = !!view.run;
  const all = entries();
  const list = all.filter(shown);
  el('models-list').replaceChildren(...list.map((e) => {
    const langs = langsOf(e);
    const langText = langs.includes('*') ? t('mAny') : langList(langs);
    let action;
    if (e.state === 'available') {
      action = h('button', { type: 'button', class: 'btn small', disabled: busy, 'data-action': 'pull', 'aria-label': t('mPullOf', { m: e.id }), text: t('mPull'), onclick: () => pull([e.id]) });
    } else if (e.state === 'installed') {
      action = h('button', { type: 'button', class: 'btn small danger', disabled: busy, 'data-action': 'remove', 'aria-label': t('mRemoveOf', { m: e.id }), text: t('mRemove'), onclick: () => remove(e.id) });
    } else {
      action = h('p', { class: 'hint reason', translate: 'no', text: e.unavailable_reason || '' });
    }
    return h('li', { class: 'model', 'data-id': e.id, 'data-state': e.state },
      h('div', { class: 'mhead' },
        h('b', { translate: 'no', text: e.id }), ' ',
        h('span', { class: `badge ${e.state}`, text: t(`st_${e.state}`) + (e.loaded ? ` · ${t('mLoaded')}` : '') })),
      h('p', { class: 'mdesc', translate: 'no', text: e.description }),
      h('p', { class: 'mfacts' },
        fact('mLangs', langText),
        fact('mSize', e.download_bytes > 0 ? h('span', { translate: 'no', text: size(e.download_bytes) }) : t('mSizeListed')),
        fact('mDevice', t(`dev_${e.device}`)),
        fact('mLicence', h('span', { translate: 'no', title: e.licence, text: shortLicence(e.licence) })),
        e.can_clone ? h('span', { class: 'fact', text: t('mCanClone') }) : null),
      h('div', { class: 'maction' }, action));
  }));
  el('models-none').hidden = list.length > 0;
  show(el('models-count'), () => t('mCount', { n: list.length, all: all.length }));
  const packs = view.listing.packs || [];
  el('packs-h').hidden = packs.length === 0;
  el('packs-list').replaceChildren(...packs.map((p) => h('li', { class: 'model', 'data-id': p.id },
    h('div', { class: 'mhead' }, h('b', { translate: 'no', text: p.id })),
    h('p', { class: 'mdesc', translate: 'no', text: p.description }),
    h('p', { class: 'mfacts' }, h('span', { text: t('mIncludes') }), h('span', { translate: 'no', text: p.members.join(', ') })),
    h('div', { class: 'maction' }, h('button', { type: 'button', class: 'btn small', disabled: busy, 'data-action': 'pull', 'aria-label': t('mPullOf', { m: p.id }), text: t('mPullPack'), onclick: () => pull([p.id]) })))));
}

// ---------------------------------------------------------------- pulls

function eta(s) {
  const n = Math.max(0, Math.round(s));
  return n < 60 ? t('mEta', { s: n }) : t('mEtaMin', { m: Math.floor(n / 60), s: n % 60 });
}

/** The running (or last finished) pull: bar, phase, bytes, speed, time left, Cancel. */
function renderPull() {
  const p = view.run?.pull || view.last;
  const box = el('pull-box');
  box.hidden = !view.run && !view.last;
  if (box.hidden) return;
  const running = !!view.run;
  box.dataset.state = running ? 'running' : p.state;
  const pr = p?.progress;
  const title = el('pull-title');
  if (!pr) title.replaceChildren(t('mStarting'));
  else title.replaceChildren(t('mModelOf', { i: pr.index, n: pr.count }), ' ', h('span', { translate: 'no', text: pr.model }));
  const bar = el('pull-bar');
  const done = p?.state === 'succeeded' || pr?.phase === 'installed' || pr?.phase === 'skipped';
  if (done) bar.value = 1;
  else if (pr?.bytes_total > 0) bar.value = Math.min(1, pr.bytes_done / pr.bytes_total);
  else if (!pr) bar.value = 0;
  const phase = el('pull-phase');
  if (view.run?.cancelling) phase.replaceChildren(t('mCancelling'));
  else if (!running && p.state === 'succeeded') phase.replaceChildren(t(p.installed.length || !p.skipped.length ? 'ph_installed' : 'ph_skipped'));
  else if (!running) phase.replaceChildren(t(p.state === 'cancelled' ? 'cancelled' : 'failed'));
  else if (pr) phase.replaceChildren(t(`ph_${pr.phase}`), ...(pr.file && pr.phase === 'downloading' ? [' ', h('span', { translate: 'no', text: pr.file })] : []));
  else phase.replaceChildren();
  const bytes = [];
  if (pr?.bytes_total > 0) bytes.push(t('mBytes', { d: size(pr.bytes_done), t: size(pr.bytes_total) }));
  if (running && pr?.phase === 'downloading') {
    if (pr.bytes_per_second > 0) bytes.push(t('mSpeed', { s: size(pr.bytes_per_second) }));
    if (pr.eta_seconds != null) bytes.push(eta(pr.eta_seconds));
  }
  el('pull-bytes').textContent = bytes.join(' · ');
  const cancel = el('pull-cancel');
  cancel.hidden = !running;
  cancel.disabled = !view.run?.pull || view.run.cancelling;
}

/** Starts a pull of `ids` (entries or packs) and follows it to its end. */
async function pull(ids) {
  if (view.run) return;
  const run = { ids, pull: null, cancelling: false, abort: new AbortController() };
  view.run = run;
  view.last = null;
  view.msg = null;
  renderAll();
  let last = null;
  try {
    last = await getJSON('/api/admin/models/pull', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ models: ids }),
    });
    run.pull = last;
    renderPull();
    if (last.state === 'running') {
      await followEvents(last.events_url, (type, data) => {
        last = run.pull = data;
        renderPull();
        return type === 'done' || data.state !== 'running';
      }, run.abort.signal);
      if (last.state === 'running') last = await getJSON(last.status_url); // the stream ended first
    }
    view.last = last;
    view.msg = finished(last);
  } catch (e) {
    handle(e, 'mFailed');
    view.last = last && last.state !== 'running' ? last : null;
  } finally {
    view.run = null;
  }
  renderAll();
  await load();
  if (last?.installed?.length) await modelsChanged();
}

/** What a finished pull says: installed (and skipped) models, cancelled, or the problem. */
function finished(p) {
  if (p.state === 'succeeded') return { key: 'mDone', ids: p.installed, more: p.skipped.length ? { key: 'mSkipped', ids: p.skipped } : null };
  if (p.state === 'cancelled') return { key: 'mCancelled' };
  return { key: 'mFailed', detail: p.error?.detail || p.error?.title || '', bad: true };
}

async function cancelPull() {
  const run = view.run;
  if (!run?.pull || run.cancelling) return;
  run.cancelling = true;
  renderPull();
  try {
    await api(`/api/admin/models/pulls/${encodeURIComponent(run.pull.id)}`, { method: 'DELETE' });
  } catch (e) {
    run.cancelling = false;
    handle(e, 'mFailed');
    renderAll();
  }
}

/** DELETE /api/admin/models/{id}, after asking. */
async function remove(id) {
  if (view.run || !confirm(t('mConfirm', { m: id }))) return;
  view.msg = null;
  view.last = null;
  try {
    await api(`/api/admin/models/${encodeURIComponent(id)}`, { method: 'DELETE' });
    view.msg = { key: 'mRemoved', ids: [id] };
  } catch (e) {
    handle(e, 'mRemoveFailed');
  }
  renderAll();
  await load();
  await modelsChanged();
}

function renderMsg() {
  const box = el('models-msg');
  const line = (m) => h('p', { class: m.bad ? 'bad' : m.key === 'mCancelled' ? '' : 'ok' }, t(m.key),
    ...(m.ids?.length ? [' ', h('b', { translate: 'no', text: m.ids.join(', ') })] : []),
    ...(m.detail ? [' ', h('span', { translate: 'no', text: m.detail })] : []));
  const m = view.msg;
  box.replaceChildren(...(m ? [line(m), m.more ? line(m.more) : null].filter(Boolean) : []));
}

/** The installed models changed: the voice picker and the voice line follow (settings are kept). */
async function modelsChanged() {
  try {
    setServerInfo(state.limits, await getJSON('/api/engines'));
  } catch {
    return; // the picker keeps what it had; the next page load reads it again
  }
  renderModels();
  applyEngine();
  setVoiceCheck('', null, null);
  runVoiceCheck();
  document.dispatchEvent(new CustomEvent('glmtts:models-changed'));
}
