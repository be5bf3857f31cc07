// The lock's own logic without a window: a new passphrase typed twice, a recovery code as typed, the idle time.
// Run by scripts/test.sh with node's built-in runner: node --test ui/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { newPassphraseProblems, readRecoveryCode, idleMillis, parseIdleMinutes, charCount } from '../js/vault.js';

test('a new passphrase is 6 characters at least, typed the same twice', () => {
  assert.deepEqual(newPassphraseProblems('', ''), [{ field: 'passphrase', key: 'vault.err_required' }]);
  assert.deepEqual(newPassphraseProblems('12345', '12345'), [{ field: 'passphrase', key: 'vault.err_short' }]);
  assert.deepEqual(newPassphraseProblems('123456', '123456'), [], 'a PIN of six digits will do');
  assert.deepEqual(newPassphraseProblems('123456', ''), [{ field: 'repeat', key: 'vault.err_repeat_missing' }]);
  assert.deepEqual(newPassphraseProblems('123456', '123465'), [{ field: 'repeat', key: 'vault.err_repeat' }]);
  assert.deepEqual(newPassphraseProblems('mật khẩu thử nghiệm', 'mật khẩu thử nghiệm'), []);
});

test('accents count as letters, whichever way the keyboard composed them', () => {
  const nfc = 'Đoàn Hưng';
  const nfd = nfc.normalize('NFD');
  assert.notEqual(nfc, nfd);
  assert.equal(charCount(nfd), charCount(nfc));
  assert.equal(charCount('ơớợ'.normalize('NFD')), 3, 'three letters, not six code points');
  assert.deepEqual(newPassphraseProblems('ơớợ123'.normalize('NFD'), 'ơớợ123'), [], 'NFD and NFC are the same passphrase, as Rust reads it');
  assert.deepEqual(newPassphraseProblems('ơớợ12'.normalize('NFD'), 'ơớợ12'), [{ field: 'passphrase', key: 'vault.err_short' }]);
});

test('a recovery code is read forgivingly, as Rust reads it', () => {
  const code = 'ABCDE-FGH1J-KMNPQ-RSTVW-XYZ01';
  assert.equal(readRecoveryCode(code), code);
  assert.equal(readRecoveryCode('abcde fgh1j kmnpq rstvw xyz01'), code);
  assert.equal(readRecoveryCode('ABCDEFGHIJKMNPQRSTVWXYZ0L'), 'ABCDE-FGH1J-KMNPQ-RSTVW-XYZ01', 'I and L read as 1');
  assert.equal(readRecoveryCode('ABCDE-FGH1J-KMNPQ-RSTVW-XYZOl'), code, 'O reads as 0');
  assert.equal(readRecoveryCode('ABCDE-FGH1J-KMNPQ-RSTVW-XYZ0'), null, 'one character short');
  assert.equal(readRecoveryCode('ABCDE-FGH1J-KMNPQ-RSTVW-XYZ01U'), null, 'U is not in the alphabet');
  assert.equal(readRecoveryCode('mật khẩu'), null);
  assert.equal(readRecoveryCode(''), null);
});

test('the idle lock waits the officer\'s minutes, or the tests\' seconds', () => {
  assert.equal(idleMillis({ idle_minutes: 10 }), 600000);
  assert.equal(idleMillis({ idle_minutes: 1 }), 60000);
  assert.equal(idleMillis({ idle_minutes: 10, idle_seconds_override: 3 }), 3000);
  assert.equal(idleMillis({ idle_minutes: 10, idle_seconds_override: null }), 600000);
  assert.equal(idleMillis({ idle_minutes: 0 }), 600000, 'out of range: the default');
  assert.equal(idleMillis({ idle_minutes: 500 }), 600000);
  assert.equal(idleMillis(null), 600000);
});

test('idle minutes typed in the settings: whole minutes from 1 to 240', () => {
  assert.equal(parseIdleMinutes('15'), 15);
  assert.equal(parseIdleMinutes(' 240 '), 240);
  assert.equal(parseIdleMinutes('0'), null);
  assert.equal(parseIdleMinutes('241'), null);
  assert.equal(parseIdleMinutes('1,5'), null);
  assert.equal(parseIdleMinutes(''), null);
});
