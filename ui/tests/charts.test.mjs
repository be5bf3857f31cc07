// Node's built-in runner: `node --test ui/tests/` (scripts/test.sh runs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelLines } from '../js/charts.js';

test('a short unit name stays on one line', () => {
  assert.deepEqual(labelLines('Đoàn xã Tiền Hải', 34), ['Đoàn xã Tiền Hải']);
});

test('a long unit name takes two lines, broken between words, and keeps its end', () => {
  const lines = labelLines('Tỉnh đoàn Hưng Yên (trực tiếp tổ chức)', 34);
  assert.deepEqual(lines, ['Tỉnh đoàn Hưng Yên (trực tiếp tổ', 'chức)']);
  assert.equal(lines.join(' '), 'Tỉnh đoàn Hưng Yên (trực tiếp tổ chức)');
  for (const l of lines) assert.ok(l.length <= 34, l);
});

test('only a name longer than two lines loses its end, with an ellipsis', () => {
  const name = 'Đoàn Thanh niên Cộng sản Hồ Chí Minh trường Trung học phổ thông chuyên Hưng Yên';
  const lines = labelLines(name, 34);
  assert.equal(lines.length, 2);
  assert.ok(lines[1].endsWith('…'));
  assert.ok(lines.every((l) => l.length <= 34));
});
