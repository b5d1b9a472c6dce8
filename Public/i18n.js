// Translations and the helpers that apply them. Every string the page shows goes through t();
// each entry is [English, 简体中文, 繁體中文, 日本語]. Server data (error details, model ids,
// transcripts) is shown as the server sent it.
export const LANGS = ['en', 'zh-Hans', 'zh-Hant', 'ja'];

const S = {
  tagline: ['Voice cloning text-to-speech', '声音克隆语音合成', '聲音複製語音合成', 'ボイスクローン音声合成'],
  language: ['Language', '语言', '語言', '言語'],
  apiDocs: ['API docs', 'API 文档', 'API 文件', 'API ドキュメント'],
  apiKey: ['API key', 'API 密钥', 'API 金鑰', 'API キー'],
  voiceH: ['1. Voice', '1. 声音', '1. 聲音', '1. 声'],
  voiceSource: ['Voice source', '声音来源', '聲音來源', '声のソース'],
  srcDefault: ['Built-in voice', '内置声音', '內建聲音', '内蔵の声'],
  srcClip: ['Upload or record', '上传或录音', '上傳或錄音', 'アップロード・録音'],
  srcSaved: ['Saved voice', '已保存的声音', '已儲存的聲音', '保存した声'],
  defaultNote: ['The model “{m}” speaks in its own voice; choose another under Advanced settings.', '模型“{m}”用自己的声音朗读；可在高级设置中更换模型。', '模型「{m}」用自己的聲音朗讀；可在進階設定中更換模型。', 'モデル「{m}」が自分の声で話します。詳細設定で変更できます。'],
  drop: ['Drop an audio file here, or', '将音频文件拖到这里，或', '將音訊檔拖到這裡，或', '音声ファイルをここにドロップ、または'],
  chooseFile: ['Choose a file', '选择文件', '選擇檔案', 'ファイルを選択'],
  record: ['Record', '录音', '錄音', '録音'],
  stopRec: ['Stop recording', '停止录音', '停止錄音', '録音を停止'],
  dropHint: ['3–15 s of clear speech works best.', '3–15 秒清晰的语音效果最好。', '3–15 秒清晰的語音效果最好。', '3〜15 秒のはっきりした音声が最適です。'],
  micLevel: ['Microphone level', '麦克风音量', '麥克風音量', 'マイク入力レベル'],
  recTime: ['Recording… {s} s', '录音中… {s} 秒', '錄音中… {s} 秒', '録音中… {s} 秒'],
  recName: ['Recording ({s} s)', '录音（{s} 秒）', '錄音（{s} 秒）', '録音（{s} 秒）'],
  micError: ['The microphone is not available: {m}', '无法使用麦克风：{m}', '無法使用麥克風：{m}', 'マイクを使用できません: {m}'],
  micInsecure: ['Recording needs HTTPS or localhost.', '录音需要 HTTPS 或 localhost。', '錄音需要 HTTPS 或 localhost。', '録音には HTTPS または localhost が必要です。'],
  clipAudio: ['Reference clip', '参考音频', '參考音訊', '参照音声'],
  voiceAudio: ['Saved voice sample', '已保存声音的样本', '已儲存聲音的樣本', '保存した声のサンプル'],
  checking: ['Checking the clip…', '正在检查音频…', '正在檢查音訊…', '音声を確認しています…'],
  qualityH: ['Clip quality', '音频质量', '音訊品質', '音声の品質'],
  qDuration: ['Length', '时长', '長度', '長さ'],
  qSpeech: ['Speech', '语音', '語音', '発話'],
  qPeak: ['Peak', '峰值', '峰值', 'ピーク'],
  qRms: ['Level (RMS)', '电平 (RMS)', '電平 (RMS)', 'レベル (RMS)'],
  qClipping: ['Clipping', '削波', '削波', 'クリッピング'],
  qSnr: ['Signal-to-noise', '信噪比', '訊噪比', 'S/N 比'],
  qGood: ['No problems found.', '未发现问题。', '未發現問題。', '問題は見つかりませんでした。'],
  qWarn: ['Worth knowing before you generate:', '生成前请注意：', '生成前請注意：', '生成前の注意点:'],
  sec: ['{s} s', '{s} 秒', '{s} 秒', '{s} 秒'],
  unknown: ['unknown', '未知', '未知', '不明'],
  voiceName: ['Save as voice, named', '保存为声音，名称', '儲存為聲音，名稱', '声として保存（名前）'],
  voiceNamePh: ['e.g. My voice', '例如：我的声音', '例如：我的聲音', '例: わたしの声'],
  save: ['Save', '保存', '儲存', '保存'],
  savedAs: ['Saved as “{n}”.', '已保存为“{n}”。', '已儲存為「{n}」。', '「{n}」として保存しました。'],
  needName: ['Give the voice a name first.', '请先为声音命名。', '請先為聲音命名。', '先に声の名前を入力してください。'],
  savedVoice: ['Saved voice', '已保存的声音', '已儲存的聲音', '保存した声'],
  playVoice: ['Play sample', '播放样本', '播放樣本', 'サンプルを再生'],
  deleteVoice: ['Delete voice', '删除声音', '刪除聲音', '声を削除'],
  confirmDelVoice: ['Delete the voice “{n}”?', '删除声音“{n}”？', '刪除聲音「{n}」？', '声「{n}」を削除しますか？'],
  noVoices: ['No saved voices yet.', '还没有保存的声音。', '還沒有儲存的聲音。', '保存した声はまだありません。'],
  cannotClone: ['The model “{m}” cannot clone: it checks and transcribes the clip but speaks in its own voice.', '模型“{m}”不能克隆声音：它会检查并转写音频，但用自己的声音说话。', '模型「{m}」不能複製聲音：它會檢查並轉寫音訊，但用自己的聲音說話。', 'モデル「{m}」はクローンできません。音声の確認と書き起こしは行いますが、自分の声で話します。'],
  refText: ['Reference text (what the clip says)', '参考文本（音频里说的话）', '參考文字（音訊裡說的話）', '参照テキスト（音声の内容）'],
  refTextPh: ['Leave empty to transcribe automatically', '留空则自动转写', '留空則自動轉寫', '空欄なら自動で書き起こします'],
  transcribe: ['Transcribe', '转写', '轉寫', '書き起こす'],
  transcribing: ['Transcribing… {s} s', '转写中… {s} 秒', '轉寫中… {s} 秒', '書き起こし中… {s} 秒'],
  transcribed: ['Transcribed by {m}; check it and edit if needed.', '由 {m} 转写；请检查，必要时修改。', '由 {m} 轉寫；請檢查，必要時修改。', '{m} で書き起こしました。確認して必要なら修正してください。'],
  unreliable: ['The transcript may be wrong:', '转写结果可能有误：', '轉寫結果可能有誤：', '書き起こしが不正確かもしれません:'],
  skipWhisper: ['Skip automatic transcription', '跳过自动转写', '略過自動轉寫', '自動書き起こしをしない'],
  needClip: ['Upload or record a clip first.', '请先上传或录制音频。', '請先上傳或錄製音訊。', '先に音声をアップロードまたは録音してください。'],
  textH: ['2. Text', '2. 文本', '2. 文字', '2. テキスト'],
  text: ['Text to speak', '要朗读的文本', '要朗讀的文字', '読み上げるテキスト'],
  textPh: ['Type what the voice should say…', '输入要说的话…', '輸入要說的話…', '話させたい内容を入力…'],
  count: ['{n} / {max} characters', '{n} / {max} 字符', '{n} / {max} 字元', '{n} / {max} 文字'],
  tooLong: ['Too long: at most {max} characters.', '太长：最多 {max} 个字符。', '太長：最多 {max} 個字元。', '長すぎます: 最大 {max} 文字です。'],
  needText: ['Type some text first.', '请先输入文本。', '請先輸入文字。', '先にテキストを入力してください。'],
  advanced: ['Advanced settings', '高级设置', '進階設定', '詳細設定'],
  model: ['Voice (model)', '声音（模型）', '聲音（模型）', '声（モデル）'],
  auto: ['Automatic (by language)', '自动（按语言选择）', '自動（依語言選擇）', '自動（言語で選択）'],
  autoNote: ['A built-in voice is chosen for the language of the text (shown below the text); you can pick one under Advanced settings.', '会按文本的语言自动选择内置声音（显示在文本框下方）；也可以在高级设置中指定。', '會依文字的語言自動選擇內建聲音（顯示在文字框下方）；也可以在進階設定中指定。', 'テキストの言語に合わせて内蔵の声を自動で選びます（テキスト欄の下に表示）。詳細設定で指定することもできます。'],
  langDefault: ['default', '默认', '預設', '既定'],
  noHanzi: ['cannot read Hanzi', '不能读汉字', '不能讀漢字', '漢字は読めません'],
  notDefault: ['only when chosen', '仅在手动选择时使用', '僅在手動選擇時使用', '選んだときのみ使用'],
  otherLangs: ['Other voices', '其他声音', '其他聲音', 'その他の声'],
  lang_zh: ['Mandarin Chinese', '中文（普通话）', '中文（普通話）', '中国語（標準語）'],
  lang_ja: ['Japanese', '日语', '日語', '日本語'],
  lang_en: ['English', '英语', '英語', '英語'],
  lang_yue: ['Cantonese', '粤语', '粵語', '広東語'],
  listSep: [', ', '、', '、', '、'],
  willSpeak: ['Will speak: {v} · {l}', '朗读声音：{v} · {l}', '朗讀聲音：{v} · {l}', '読み上げる声：{v} · {l}'],
  willSpeakV: ['Will speak: {v}', '朗读声音：{v}', '朗讀聲音：{v}', '読み上げる声：{v}'],
  cloning: ['{v}, cloning your clip', '{v}，克隆参考音频的声音', '{v}，複製參考音訊的聲音', '{v}（参照音声の声をクローン）'],
  matching: ['the built-in voice closest to your clip (chosen when generating)', '与参考音频最接近的内置声音（生成时选出）', '與參考音訊最接近的內建聲音（生成時選出）', '参照音声に最も近い内蔵の声（生成時に選択）'],
  langWarn: ['Check the voice before generating:', '生成前请检查声音：', '生成前請檢查聲音：', '生成前に声を確認してください：'],
  textLang: ['Language of the text', '文本语言', '文字語言', 'テキストの言語'],
  langAuto: ['Automatic (detect)', '自动检测', '自動偵測', '自動判定'],
  voiceMatch: ['Closest built-in voice (voice match)', '最接近的内置声音（声音匹配）', '最接近的內建聲音（聲音比對）', '最も近い内蔵の声（ボイスマッチ）'],
  voiceMatchHint: ['Only with a reference clip or a saved voice, and a voice that cannot clone: the built-in voice that sounds most like the clip speaks instead. It is not a clone.', '仅在使用参考音频或已保存的声音、且所选声音不能克隆时有效：改由听起来最像参考音频的内置声音朗读。这不是克隆。', '僅在使用參考音訊或已儲存的聲音、且所選聲音不能複製時有效：改由聽起來最像參考音訊的內建聲音朗讀。這不是複製。', '参照音声または保存した声を使い、選んだ声がクローンできない場合のみ有効です。参照音声に最も近い内蔵の声が代わりに話します。クローンではありません。'],
  temperature: ['Temperature', '温度', '溫度', '温度'],
  top_p: ['Top-p', 'Top-p 采样', 'Top-p 取樣', 'Top-p サンプリング'],
  top_k: ['Top-k', 'Top-k 采样', 'Top-k 取樣', 'Top-k サンプリング'],
  strategy: ['Sampling strategy', '采样策略', '取樣策略', 'サンプリング戦略'],
  sampling_strategy: ['Sampling strategy', '采样策略', '取樣策略', 'サンプリング戦略'],
  fast: ['Fast', '快速', '快速', '高速'],
  balanced: ['Balanced', '均衡', '均衡', 'バランス'],
  quality: ['Quality', '高质量', '高品質', '高品質'],
  seed: ['Seed', '随机种子', '隨機種子', 'シード'],
  seedPh: ['random', '随机', '隨機', 'ランダム'],
  speed: ['Speed', '语速', '語速', '話速'],
  format: ['Output format', '输出格式', '輸出格式', '出力形式'],
  notUsed: ['not used by this model', '此模型不使用', '此模型不使用', 'このモデルでは無効'],
  whyNot: ['Not used by this model: {r}', '此模型不使用：{r}', '此模型不使用：{r}', 'このモデルでは使われません: {r}'],
  verify: ['Check every sentence (verified speech)', '逐句检查（校验语音）', '逐句檢查（校驗語音）', '全文を確認する（検証付き音声）'],
  verifyHint: ['Each sentence is heard and scored; a bad one is made again (up to 3 times). Slower.', '每句都会被听写评分，不合格的重新生成（最多 3 次）。较慢。', '每句都會被聽寫評分，不合格的重新生成（最多 3 次）。較慢。', '各文を聞き取って採点し、不合格なら作り直します（最大 3 回）。遅くなります。'],
  stream: ['Play while generating (streaming)', '边生成边播放（流式）', '邊生成邊播放（串流）', '生成しながら再生（ストリーミング）'],
  streamHint: ['Streaming works with the built-in or a saved voice and applies speed only; uploaded clips and other settings use the regular queue.', '流式播放适用于内置或已保存的声音，只应用语速；上传的音频和其他设置走常规队列。', '串流播放適用於內建或已儲存的聲音，只套用語速；上傳的音訊和其他設定走一般佇列。', 'ストリーミングは内蔵または保存した声で使え、話速のみ反映されます。アップロード音声やその他の設定は通常のキューで処理します。'],
  reset: ['Reset to defaults', '恢复默认值', '恢復預設值', '既定値に戻す'],
  generate: ['Generate speech', '生成语音', '生成語音', '音声を生成'],
  cancel: ['Cancel', '取消', '取消', 'キャンセル'],
  resultH: ['3. Result', '3. 结果', '3. 結果', '3. 結果'],
  idle: ['Nothing generated yet.', '还没有生成内容。', '還沒有生成內容。', 'まだ何も生成していません。'],
  progress: ['Progress', '进度', '進度', '進捗'],
  sending: ['Sending…', '正在发送…', '正在傳送…', '送信中…'],
  queued: ['In the queue, position {n}', '排队中，第 {n} 位', '排隊中，第 {n} 位', 'キュー待ち: {n} 番目'],
  started: ['Started', '已开始', '已開始', '開始しました'],
  retrying: ['Retrying', '正在重试', '正在重試', '再試行中'],
  preparing_text: ['Preparing the text', '正在准备文本', '正在準備文字', 'テキストを準備中'],
  loading_model: ['Loading the model', '正在加载模型', '正在載入模型', 'モデルを読み込み中'],
  preparing_reference: ['Preparing the reference', '正在处理参考音频', '正在處理參考音訊', '参照音声を準備中'],
  transcribing_stage: ['Transcribing the reference', '正在转写参考音频', '正在轉寫參考音訊', '参照音声を書き起こし中'],
  synthesizing: ['Synthesising', '正在合成', '正在合成', '合成中'],
  encoding: ['Encoding', '正在编码', '正在編碼', 'エンコード中'],
  done: ['Done', '完成', '完成', '完了'],
  completed: ['Completed', '已完成', '已完成', '完了しました'],
  failed: ['Failed', '失败', '失敗', '失敗しました'],
  cancelled: ['Cancelled', '已取消', '已取消', 'キャンセルしました'],
  cancelling: ['Cancelling…', '正在取消…', '正在取消…', 'キャンセル中…'],
  running: ['Running', '进行中', '進行中', '実行中'],
  sentence: ['Sentence {i} of {n}', '第 {i} 句，共 {n} 句', '第 {i} 句，共 {n} 句', '{n} 文中 {i} 文目'],
  elapsed: ['{s} s elapsed', '已用 {s} 秒', '已用 {s} 秒', '経過 {s} 秒'],
  percent: ['{p}%', '{p}%', '{p}%', '{p}%'],
  events: ['Event log', '事件日志', '事件日誌', 'イベントログ'],
  streaming: ['Playing while generating: {s} s of audio received', '边生成边播放：已收到 {s} 秒音频', '邊生成邊播放：已收到 {s} 秒音訊', '生成しながら再生中: 受信した音声 {s} 秒'],
  streamDone: ['Streamed {s} s of audio while generating', '边生成边播放了 {s} 秒音频', '邊生成邊播放了 {s} 秒音訊', '生成しながら {s} 秒の音声を再生しました'],
  outAudio: ['Generated speech', '生成的语音', '生成的語音', '生成した音声'],
  duration: ['Duration', '时长', '長度', '長さ'],
  rtf: ['Real-time factor', '实时率', '即時率', 'リアルタイム係数'],
  voiceUsed: ['Voice that spoke', '朗读的声音', '朗讀的聲音', '話した声'],
  voiceMatchH: ['Voice match', '声音匹配', '聲音比對', 'ボイスマッチ'],
  voiceMatchRes: ['{v} (similarity {s}): the built-in voice closest to your clip, not a clone', '{v}（相似度 {s}）：与参考音频最接近的内置声音，不是克隆', '{v}（相似度 {s}）：與參考音訊最接近的內建聲音，不是複製', '{v}（類似度 {s}）：参照音声に最も近い内蔵の声で、クローンではありません'],
  similarity: ['Speaker similarity', '说话人相似度', '說話者相似度', '話者の類似度'],
  notes: ['Notes', '说明', '說明', '備考'],
  transcriptUsed: ['Reference transcript used', '使用的参考文本', '使用的參考文字', '使用した参照テキスト'],
  autoTranscribed: ['(transcribed automatically)', '（自动转写）', '（自動轉寫）', '（自動書き起こし）'],
  noReference: ['none (no reference clip)', '无（没有参考音频）', '無（沒有參考音訊）', 'なし（参照音声なし）'],
  downloadAs: ['Download as', '下载格式', '下載格式', '保存形式'],
  download: ['Download', '下载', '下載', 'ダウンロード'],
  readAlong: ['Read along', '跟读', '跟讀', '読み上げ表示'],
  applied: ['Applied parameters', '已应用的参数', '已套用的參數', '適用されたパラメータ'],
  ignored: ['Ignored parameters', '被忽略的参数', '被忽略的參數', '無視されたパラメータ'],
  none: ['none', '无', '無', 'なし'],
  errorNet: ['Could not reach the server.', '无法连接服务器。', '無法連線伺服器。', 'サーバーに接続できません。'],
  historyH: ['History', '历史记录', '歷史紀錄', '履歴'],
  historyEmpty: ['Your generations in this browser appear here.', '在此浏览器中生成的内容会显示在这里。', '在此瀏覽器中生成的內容會顯示在這裡。', 'このブラウザで生成した音声がここに表示されます。'],
  play: ['Play', '播放', '播放', '再生'],
  del: ['Delete', '删除', '刪除', '削除'],
  gone: ['This audio is no longer on the server (it may have expired).', '服务器上已没有这段音频（可能已过期）。', '伺服器上已沒有這段音訊（可能已過期）。', 'この音声はサーバーにもうありません（期限切れの可能性があります）。'],
  codeH: ['Use it from code', '在代码中使用', '在程式中使用', 'コードから使う'],
  codeIntro: ['The same request with the current settings.', '与当前设置相同的请求。', '與目前設定相同的請求。', '現在の設定と同じリクエストです。'],
  docsLink: ['Full API reference', '完整 API 参考', '完整 API 參考', 'API リファレンス'],
  curlH: ['curl (job API)', 'curl（任务 API）', 'curl（任務 API）', 'curl（ジョブ API）'],
  pyH: ['Python (OpenAI client)', 'Python（OpenAI 客户端）', 'Python（OpenAI 用戶端）', 'Python（OpenAI クライアント）'],
  copy: ['Copy', '复制', '複製', 'コピー'],
  copied: ['Copied', '已复制', '已複製', 'コピーしました'],
  keyTitle: ['API key', 'API 密钥', 'API 金鑰', 'API キー'],
  keyText: ['The key is sent with every request and kept in this browser only.', '密钥随每个请求发送，只保存在此浏览器中。', '金鑰隨每個請求傳送，只儲存在此瀏覽器中。', 'キーはすべてのリクエストに付けて送信され、このブラウザにのみ保存されます。'],
  keyRejected: ['The server did not accept the key:', '服务器不接受此密钥：', '伺服器不接受此金鑰：', 'サーバーがキーを受け付けませんでした:'],
  keyClear: ['Forget key', '清除密钥', '清除金鑰', 'キーを削除'],
  modelsH: ['Models', '模型', '模型', 'モデル'],
};

const idx = { en: 0, 'zh-Hans': 1, 'zh-Hant': 2, ja: 3 };
let current = 'en';

/** The language to start in: the remembered choice, else the browser's languages. */
export function initialLang() {
  const saved = localStorage.getItem('glmtts.lang');
  if (LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const s = l.toLowerCase();
    if (s.startsWith('ja')) return 'ja';
    if (/^zh-(tw|hk|mo|hant)/.test(s)) return 'zh-Hant';
    if (s.startsWith('zh')) return 'zh-Hans';
    if (s.startsWith('en')) return 'en';
  }
  return 'en';
}

export const lang = () => current;

/** Adds the strings of a module loaded later (same form as S: key → [en, zh-Hans, zh-Hant, ja]), keeping the first load small. */
export function addStrings(table) {
  for (const [k, row] of Object.entries(table)) if (!(k in S)) S[k] = row;
}

/** Translates `key`, filling `{name}` placeholders from `vars`. */
export function t(key, vars = {}) {
  const row = S[key];
  const s = row ? row[idx[current]] ?? row[0] : key;
  return s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
}

/** Switches the page to `l`: static text (data-i18n) and attributes (data-i18n-attr="attr:key;…"). */
export function setLang(l) {
  current = LANGS.includes(l) ? l : 'en';
  localStorage.setItem('glmtts.lang', current);
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}
