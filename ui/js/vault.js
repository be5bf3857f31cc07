// The lock's own logic without a window (no DOM here: node's unit tests import it): a new passphrase
// typed twice, a recovery code as typed, and how long the window waits before it locks itself.

/** The shortest passphrase Rust takes (core/src/vault: MIN_PASSPHRASE_CHARS); a PIN of 6 digits is one. */
export const MIN_PASSPHRASE = 6;

/** Minutes of the idle lock when Rust says nothing, and its bounds (vault_settings refuses others). */
export const DEFAULT_IDLE_MINUTES = 10;
export const IDLE_MIN = 1;
export const IDLE_MAX = 240;

/** Characters as a person counts them, whichever keyboard composed the accents (NFC, as Rust reads it). */
export function charCount(s) {
  return [...String(s ?? '').normalize('NFC')].length;
}

/**
 * What is wrong with a new passphrase typed twice, as [{ field: 'passphrase' | 'repeat', key }] with
 * `key` an i18n key ('vault.err_required', 'vault.err_short', 'vault.err_repeat'); [] when it will do.
 * The two are compared as Rust compares them (NFC), so an input method's other accents are no mismatch.
 */
export function newPassphraseProblems(passphrase, repeat) {
  const p = String(passphrase ?? '');
  const r = String(repeat ?? '');
  if (!p) return [{ field: 'passphrase', key: 'vault.err_required' }];
  if (charCount(p) < MIN_PASSPHRASE) return [{ field: 'passphrase', key: 'vault.err_short' }];
  if (!r) return [{ field: 'repeat', key: 'vault.err_repeat_missing' }];
  if (p.normalize('NFC') !== r.normalize('NFC')) return [{ field: 'repeat', key: 'vault.err_repeat' }];
  return [];
}

const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LEN = 25;

/**
 * A recovery code as typed, read as Rust reads it (core/src/vault/recovery.rs): case, spaces and dashes
 * do not matter, O reads as 0 and I, L as 1. Returns the 25 characters in groups of five
 * ("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"), or null when it cannot be a code (a wrong try is not spent on it).
 */
export function readRecoveryCode(typed) {
  let out = '';
  for (const ch of String(typed ?? '').toUpperCase()) {
    if (' -\t\n\r'.includes(ch)) continue;
    const c = ch === 'O' ? '0' : ch === 'I' || ch === 'L' ? '1' : ch;
    if (!CODE_ALPHABET.includes(c)) return null;
    out += c;
  }
  if (out.length !== CODE_LEN) return null;
  return out.match(/.{5}/g).join('-');
}

/**
 * Milliseconds without a key, a click or a move before the window locks itself: the tests' override in
 * seconds when vault_status gives one, else the officer's minutes (the default when missing or odd).
 */
export function idleMillis(status) {
  const s = status || {};
  const override = Number(s.idle_seconds_override);
  if (Number.isFinite(override) && override > 0) return override * 1000;
  let m = Number(s.idle_minutes);
  if (!Number.isFinite(m) || m < IDLE_MIN || m > IDLE_MAX) m = DEFAULT_IDLE_MINUTES;
  return Math.round(m) * 60 * 1000;
}

/** The idle minutes typed in the settings: an integer in 1–240, or null. */
export function parseIdleMinutes(text) {
  const t = String(text ?? '').trim();
  if (!/^\d{1,3}$/.test(t)) return null;
  const m = Number(t);
  return m >= IDLE_MIN && m <= IDLE_MAX ? m : null;
}
