// The page's own logic without a window: typed dates, numbers with a decimal comma, formatting.
// Run by scripts/test.sh with node's built-in runner: node --test ui/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseTyped, dateProblem, parseDecimal, reversedRange, fmtNumber, fmtDate, fmtLocal } from '../js/format.js';

const now = new Date(2026, 10, 30, 21, 35); // 30/11/2026 21:35, the computer's local time

test('dates are read as Vietnamese write them', () => {
  assert.equal(parseTyped('30/11/2026', false, { now }), '2026-11-30');
  assert.equal(parseTyped('3/7/2025', false, { now }), '2025-07-03');
  assert.equal(parseTyped('03.07.2025', false, { now }), '2025-07-03');
  assert.equal(parseTyped('2025-07-03', false, { now }), '2025-07-03');
  assert.equal(parseTyped('30/11', false, { now }), '2026-11-30', 'a bare day and month is this year');
  assert.equal(parseTyped('hôm nay', false, { now }), '2026-11-30');
  assert.equal(parseTyped('', false, { now }), '');
  assert.equal(parseTyped('ngày mai', false, { now }), null);
});

test('date-times take forgiving times', () => {
  assert.equal(parseTyped('30/11 8h', true, { now }), '2026-11-30T08:00');
  assert.equal(parseTyped('30/11/2026 8h30', true, { now }), '2026-11-30T08:30');
  assert.equal(parseTyped('30/11/2026 14:05', true, { now }), '2026-11-30T14:05');
  assert.equal(parseTyped('bây giờ', true, { now }), '2026-11-30T21:35');
  assert.equal(parseTyped('30/11/2026', true, { now, time: '07:15' }), '2026-11-30T07:15', 'the field keeps its time');
});

test('a day that does not exist is told apart from a text that is not a date', () => {
  assert.equal(parseTyped('31/02/2025', false, { now }), null);
  assert.equal(dateProblem('31/02/2025', false, { now }), 'no_such_day');
  assert.equal(dateProblem('29/02/2025', false, { now }), 'no_such_day');
  assert.equal(dateProblem('29/02/2024', false, { now }), null, '2024 is a leap year');
  assert.equal(dateProblem('12/13/2025', false, { now }), 'no_such_day');
  assert.equal(dateProblem('30/11/2026 25:00', true, { now }), 'no_such_time');
  assert.equal(dateProblem('tuần sau', false, { now }), 'not_a_date');
  assert.equal(dateProblem('30/11/1800', false, { now }), 'not_a_date');
  assert.equal(dateProblem('', false, { now }), null);
});

test('numbers take the decimal comma as well as the point', () => {
  assert.equal(parseDecimal('2,5'), 2.5);
  assert.equal(parseDecimal('2.5'), 2.5);
  assert.equal(parseDecimal(' 26,6 '), 26.6);
  assert.equal(parseDecimal('1.234,5'), 1234.5, 'with both marks the dot groups thousands');
  assert.equal(parseDecimal('40'), 40);
  assert.equal(parseDecimal(''), '');
  assert.equal(parseDecimal('2,5,1'), null);
  assert.equal(parseDecimal('hai'), null);
  assert.equal(parseDecimal('1e9'), null);
});

test('what the app prints it reads back', () => {
  for (const n of [2.5, 26.6, 1234.5, 0.25]) {
    assert.equal(parseDecimal(fmtNumber(n)), n, `${n} → ${fmtNumber(n)}`);
  }
  assert.equal(fmtNumber(1234567.5), '1.234.567,5');
  assert.equal(fmtDate('2025-07-03'), '03/07/2025');
  assert.equal(fmtLocal('2025-07-03T08:05'), '03/07/2025 08:05');
});

test('a from–to filter the wrong way round is noticed', () => {
  assert.equal(reversedRange('2025-09-30', '2025-07-01'), true);
  assert.equal(reversedRange('2025-07-01', '2025-09-30'), false);
  assert.equal(reversedRange('2025-07-01', ''), false);
});

test('a heading does not say the kind twice', async () => {
  const { headline } = await import('../js/format.js');
  assert.equal(headline('Kế hoạch', 'Kế hoạch tuyên truyền quý IV'), 'Kế hoạch tuyên truyền quý IV');
  assert.equal(headline('Kế hoạch', 'kế hoạch số 12'), 'kế hoạch số 12');
  assert.equal(headline('Kiểm tra', 'Công tác tuyên truyền ở xã A'), 'Kiểm tra: Công tác tuyên truyền ở xã A');
  assert.equal(headline('Hoạt động', ''), 'Hoạt động');
});

test('the dashboard offers every period the report knows, and explicit dates', async () => {
  const { periodChoices, periodName, customCode } = await import('../js/periods.js');
  const codes = periodChoices(new Date(2026, 0, 15)).map((c) => c.code);
  assert.deepEqual(codes, ['2026M01', '2025M12', '2026Q1', '2025Q4', '2026S1', '2026N9', '2026S2', '2026', '2025']);
  assert.equal(customCode('2025-06-15', '2025-09-14'), '2025-06-15..2025-09-14');
  assert.equal(customCode('2025-09-14', '2025-06-15'), null, 'the start after the end');
  assert.equal(customCode('', '2025-06-15'), null);
  assert.equal(periodName('2025-06-15..2025-09-14'), 'Từ 15/06/2025 đến 14/09/2025');
  assert.equal(periodName('2025N9'), '9 tháng đầu năm 2025');
  assert.equal(periodName('2025S2'), '6 tháng cuối năm 2025');
});

test('the app’s own times and its “now” are Vietnam’s, whatever zone the computer is in', async () => {
  const { vnWallClock, fmtTimestamp, nowLocalInput, todayInput } = await import('../js/format.js');
  const instant = new Date('2026-11-30T21:39:00Z'); // 04:39 on 01/12 in Hà Nội
  assert.equal(fmtTimestamp('2026-11-30T21:39:00.000Z'), '01/12/2026 04:39');
  assert.equal(nowLocalInput(vnWallClock(instant)), '2026-12-01T04:39');
  assert.equal(todayInput(vnWallClock(instant)), '2026-12-01');
  assert.equal(parseTyped('hôm nay', false, { now: vnWallClock(instant) }), '2026-12-01');
});
