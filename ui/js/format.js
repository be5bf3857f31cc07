// Dates dd/mm/yyyy, local date-times dd/mm/yyyy HH:mm, numbers 1.234.567 with a decimal comma.

const pad = (n) => String(n).padStart(2, '0');

let nf = null;
function numberFormat() {
  if (nf) return nf;
  try {
    const f = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });
    // Some engines ship without Vietnamese data: check before trusting it.
    if (f.format(1234567.5) === '1.234.567,5') nf = f;
  } catch (_) { /* fall through */ }
  if (!nf) nf = { format: manualNumber };
  return nf;
}

function manualNumber(n) {
  const neg = n < 0;
  const [int, frac] = Math.abs(Math.round(n * 100) / 100).toString().split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return (neg ? '-' : '') + grouped + (frac ? ',' + frac : '');
}

/** 1234567.5 → "1.234.567,5"; null/undefined/'' → "". */
export function fmtNumber(n) {
  if (n === null || n === undefined || n === '') return '';
  const v = typeof n === 'number' ? n : Number(n);
  if (!Number.isFinite(v)) return String(n);
  return numberFormat().format(v);
}

/** A file's size: "2,0 MB", "820 KB" (the backup on the Sync screen, an evidence file). */
export function fmtSize(bytes) {
  const mb = Number(bytes) / 1048576;
  if (mb >= 1024) return `${fmtNumber(Math.round(mb / 102.4) / 10)} GB`;
  return mb >= 1 ? `${fmtNumber(Math.round(mb * 10) / 10)} MB` : `${fmtNumber(Math.ceil(Number(bytes) / 1024))} KB`;
}

/** "2025-07-12" (or the date part of a date-time) → "12/07/2025". */
export function fmtDate(iso) {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso);
}

/** Local date-time "2025-07-12T08:00" → "12/07/2025 08:00"; a bare date → "12/07/2025". */
export function fmtLocal(s) {
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(String(s));
  if (!m) return String(s);
  const d = `${m[3]}/${m[2]}/${m[1]}`;
  return m[4] ? `${d} ${m[4]}:${m[5]}` : d;
}

// One rule for time: what an officer typed (an event's start) is shown as typed; the app's own times
// (saved at, synced at) and its "now" and "today" are Vietnam's — Asia/Ho_Chi_Minh, UTC+7 with no
// summer time since 1975 — whatever zone the computer is set to (many are left on UTC or another).

const VN_OFFSET_MS = 7 * 3600 * 1000;

/**
 * Vietnam's wall clock at the instant `d`, as a Date whose local getters (getHours, getDate…) read it:
 * what every "now" and "today" of the page starts from.
 */
export function vnWallClock(d = new Date()) {
  const v = new Date(d.getTime() + VN_OFFSET_MS);
  return new Date(v.getUTCFullYear(), v.getUTCMonth(), v.getUTCDate(), v.getUTCHours(), v.getUTCMinutes(), v.getUTCSeconds());
}

/** Whether this computer's clock is set to another zone than Vietnam's (then the page says so, once). */
export function computerZoneIsNotVietnam(d = new Date()) {
  return d.getTimezoneOffset() !== -420;
}

/** UTC RFC 3339 metadata time (saved at, synced at) → "dd/mm/yyyy HH:mm" in Vietnam's time. */
export function fmtTimestamp(s) {
  return fmtTimestampVN(s);
}

/**
 * UTC RFC 3339 time → "dd/mm/yyyy HH:mm" in Vietnam's time (Asia/Ho_Chi_Minh: UTC+7, no summer time
 * since 1975), whatever zone this computer is set to. For sync history, which people compare across units.
 */
export function fmtTimestampVN(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  const v = new Date(d.getTime() + 7 * 3600 * 1000);
  return `${pad(v.getUTCDate())}/${pad(v.getUTCMonth() + 1)}/${v.getUTCFullYear()} ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}`;
}

/** A date range "12/07/2025 – 30/07/2025", or just the start. */
export function fmtRange(a, b, f = fmtDate) {
  if (a && b) return `${f(a)} – ${f(b)}`;
  return f(a || b || '');
}

/** Now as an ISO local date-time "YYYY-MM-DDTHH:mm" (the value a date-time field sends), in Vietnam. */
export function nowLocalInput(d = vnWallClock()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Today as an ISO date "YYYY-MM-DD", in Vietnam. */
export function todayInput(d = vnWallClock()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Cuts a stored local date-time down to "YYYY-MM-DDTHH:mm" ('' when it is not one). */
export function toLocalInput(s) {
  if (!s) return '';
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(String(s));
  if (!m) return '';
  return `${m[1]}T${m[2] || '00:00'}`;
}

/** Cuts a stored date down to "YYYY-MM-DD" ('' when it is not one). */
export function toDateInput(s) {
  if (!s) return '';
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(String(s));
  return m ? m[1] : '';
}

/** Percentage 0..100 (not capped) of actual over target, or null without a target. */
export function percent(actual, target) {
  const a = Number(actual) || 0;
  const t = Number(target) || 0;
  if (t <= 0) return null;
  return (a / t) * 100;
}

// ---------- typed dates ----------

const TODAY_WORDS = ['hôm nay', 'hom nay', 'today', 'nay'];
const NOW_WORDS = ['bây giờ', 'bay gio', 'bây h', 'now'];

const DATE_RE = '(\\d{4})-(\\d{1,2})-(\\d{1,2})|(\\d{1,2})\\s*[/.-]\\s*(\\d{1,2})(?:\\s*[/.-]\\s*(\\d{4}))?|([^\\d\\s,][^\\d,]*?)';
const TIME_RE = '(\\d{1,2})(?:(?::|h|\\.)(\\d{2})?(?::\\d{2}(?:\\.\\d+)?)?)?';
const TYPED = new RegExp(`^(?:${DATE_RE})(?:(?:\\s*[T,]\\s*|\\s+)${TIME_RE})?$`, 'i');

function daysIn(y, m) {
  return new Date(y, m, 0).getDate();
}

/**
 * What a person typed in a date (or date-time) field, as ISO: "2025-07-12" (or "2025-07-12T08:00").
 * Takes dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, a bare dd/mm (this year), "hôm nay"/"today",
 * "bây giờ"/"now", ISO, and for date-times a time after a space: 8:00, 08:30, 8h30, 8h.
 * Returns '' for an empty field and null for something that is not a date.
 * `time` ("HH:mm") is the time a date-time takes when none was typed: the field's previous time, else
 * the time now for "hôm nay", else 00:00. `now` is for tests.
 */
export function parseTyped(s, withTime = false, { time = null, now = vnWallClock() } = {}) {
  return readTyped(s, withTime, { time, now }).value;
}

/**
 * Why a typed text is not a date: 'no_such_day' when it is written as one but the day does not exist
 * (31/02/2025, 2025-13-01), 'not_a_date' otherwise; null when it is a date (or empty).
 */
export function dateProblem(s, withTime = false, { now = vnWallClock() } = {}) {
  const r = readTyped(s, withTime, { now });
  return r.value === null ? r.why : null;
}

function readTyped(s, withTime, { time = null, now = vnWallClock() } = {}) {
  const fail = (why) => ({ value: null, why });
  const v = String(s ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
  if (!v) return { value: '' };
  const m = TYPED.exec(v);
  if (!m) return fail('not_a_date');
  const typedTime = m[8] !== undefined;
  let y;
  let mo;
  let d;
  let clock = null; // [hours, minutes] when the text fixes them
  if (m[1]) { y = +m[1]; mo = +m[2]; d = +m[3]; }
  else if (m[4]) { d = +m[4]; mo = +m[5]; y = m[6] ? +m[6] : now.getFullYear(); }
  else {
    const word = m[7].trim();
    const isNow = NOW_WORDS.includes(word);
    if (!isNow && !TODAY_WORDS.includes(word)) return fail('not_a_date');
    if (isNow && typedTime) return fail('not_a_date'); // "now 08:00" means nothing
    y = now.getFullYear(); mo = now.getMonth() + 1; d = now.getDate();
    // "bây giờ" is the time now; "hôm nay" keeps the field's time, else the time now.
    if (isNow || !time) clock = [now.getHours(), now.getMinutes()];
  }
  if (y < 1900 || y > 2199) return fail('not_a_date');
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return fail('no_such_day');
  const date = `${y}-${pad(mo)}-${pad(d)}`;
  if (typedTime) {
    clock = [+m[8], m[9] !== undefined ? +m[9] : 0];
    if (clock[0] > 23 || clock[1] > 59) return fail('no_such_time');
  }
  if (!withTime) return { value: date };
  if (clock) return { value: `${date}T${pad(clock[0])}:${pad(clock[1])}` };
  const tm = /^(\d{2}):(\d{2})$/.exec(time || '');
  return { value: `${date}T${tm ? `${tm[1]}:${tm[2]}` : '00:00'}` };
}

/**
 * A number as a Vietnamese writes it: "2,5" and "2.5" are two and a half; with both marks the dot groups
 * thousands and the comma is the decimal mark ("1.234,5"). Returns null for what is not a number, and
 * '' for an empty text.
 */
export function parseDecimal(s) {
  const v = String(s ?? '').trim().replace(/\s+/g, '');
  if (!v) return '';
  let normal = v;
  if (v.includes(',')) {
    if (v.indexOf(',') !== v.lastIndexOf(',')) return null;
    normal = v.replace(/\./g, '').replace(',', '.');
  }
  if (!/^-?\d+(\.\d+)?$/.test(normal)) return null;
  return Number(normal);
}

/** Whether a from–to date filter is the wrong way round (both set, the start after the end). */
export function reversedRange(from, to) {
  return !!(from && to && from > to);
}

/** "Kiểm tra: Công tác tuyên truyền…", but "Kế hoạch tuyên truyền…" alone: a title that opens with the
 *  kind's own word does not say it twice. */
export function headline(kindWord, title) {
  if (!title) return kindWord;
  return title.toLocaleLowerCase('vi').startsWith(kindWord.toLocaleLowerCase('vi')) ? title : `${kindWord}: ${title}`;
}
