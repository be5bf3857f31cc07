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

/** UTC RFC 3339 metadata time → "dd/mm/yyyy HH:mm" in this computer's time zone. */
export function fmtTimestamp(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A date range "12/07/2025 – 30/07/2025", or just the start. */
export function fmtRange(a, b, f = fmtDate) {
  if (a && b) return `${f(a)} – ${f(b)}`;
  return f(a || b || '');
}

/** The value for <input type=datetime-local>: "YYYY-MM-DDTHH:mm" for now, local time. */
export function nowLocalInput(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value for <input type=date>: "YYYY-MM-DD" in local time. */
export function todayInput(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Cuts a stored local date-time down to what datetime-local accepts ("YYYY-MM-DDTHH:mm"). */
export function toLocalInput(s) {
  if (!s) return '';
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(String(s));
  if (!m) return '';
  return `${m[1]}T${m[2] || '00:00'}`;
}

/** Cuts a stored date down to what <input type=date> accepts. */
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

/**
 * What a person typed in a date field of an engine without a date picker (it falls back to text):
 * "28/11/2026" or "28/11/2026 08:30" → ISO; ISO passes through; anything else is returned as typed,
 * for Rust to refuse with a field error.
 */
export function parseTypedDate(s, withTime = false) {
  const v = String(s || '').trim();
  if (!v) return '';
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) return withTime ? toLocalInput(v) : toDateInput(v);
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[\sT,]+(\d{1,2})[:h](\d{2}))?$/.exec(v);
  if (!m) return v;
  const date = `${m[3]}-${pad(m[2])}-${pad(m[1])}`;
  if (!withTime) return date;
  return `${date}T${pad(m[4] || 0)}:${m[5] || '00'}`;
}
