// This browser's generations, kept in localStorage (metadata only: the audio stays on the
// server and is fetched again by job id; it may have been removed by the retention policy).
const KEY = 'glmtts.history';
const MAX = 50;

export function loadHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(list) ? list.filter((e) => e && typeof e.id === 'string') : [];
  } catch {
    return [];
  }
}

export function saveHistory(list) {
  localStorage.setItem(KEY, JSON.stringify(list.filter((e) => e.id).slice(0, MAX)));
}
