// The evidence gallery's logic without a window (ui/js/evidence.js): which records carry files, what an
// item shows, what a drop and an attach hand over. Run by scripts/test.sh: node --test ui/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  EVIDENCE_KINDS, FILE_ROLES, hasEvidence, defaultRole, attachmentCount, isPdf, thumbSrc, itemTitle, dropPaths, attachOutcome,
} from '../js/evidence.js';
import * as vi from '../js/lang/vi.js';
import * as en from '../js/lang/en.js';

test('the five kinds with evidence, and the case screenshot preselected', () => {
  assert.deepEqual(EVIDENCE_KINDS, ['event', 'practice', 'inspection', 'supervision', 'case']);
  assert.ok(hasEvidence('event') && hasEvidence('case'));
  assert.ok(!hasEvidence('plan') && !hasEvidence('opinion') && !hasEvidence('unit'));
  assert.equal(defaultRole('case'), 'article');
  assert.equal(defaultRole('event'), 'photo');
  assert.equal(defaultRole('inspection'), 'photo');
});

test('a list row counts its attachments, and a row without any counts none', () => {
  assert.equal(attachmentCount({ attachments: [{ sha256: 'a' }, { sha256: 'b' }] }), 2);
  assert.equal(attachmentCount({ title: 'Không có tệp' }), 0);
  assert.equal(attachmentCount({ attachments: null }), 0);
  assert.equal(attachmentCount(null), 0);
});

test('a thumbnail is shown only as a JPEG data URL', () => {
  assert.equal(thumbSrc({ thumb: 'data:image/jpeg;base64,/9j/4AAQ' }), 'data:image/jpeg;base64,/9j/4AAQ');
  assert.equal(thumbSrc({ thumb: 'https://example.com/x.jpg' }), null);
  assert.equal(thumbSrc({ thumb: 'file:///etc/passwd' }), null);
  assert.equal(thumbSrc({ thumb: 'data:image/svg+xml;base64,PHN2Zz4=' }), null);
  assert.equal(thumbSrc({}), null);
  assert.ok(isPdf({ media_type: 'application/pdf' }));
  assert.ok(!isPdf({ media_type: 'image/jpeg' }));
});

test('an item says its caption, else its file name', () => {
  assert.equal(itemTitle({ caption: '  Toàn cảnh hội nghị ', name: 'IMG_0001.jpg' }), 'Toàn cảnh hội nghị');
  assert.equal(itemTitle({ caption: '   ', name: 'IMG_0001.jpg' }), 'IMG_0001.jpg');
  assert.equal(itemTitle({ name: 'bien-ban.pdf' }), 'bien-ban.pdf');
});

test('the paths of a drop, whatever shape the event has', () => {
  assert.deepEqual(dropPaths({ paths: ['/home/a/ảnh 1.jpg', 'C:\\Users\\b\\bb.pdf'], position: { x: 1, y: 2 } }),
    ['/home/a/ảnh 1.jpg', 'C:\\Users\\b\\bb.pdf']);
  assert.deepEqual(dropPaths(['/x.png']), ['/x.png']);
  assert.deepEqual(dropPaths({ paths: ['', 3, null, '/y.pdf'] }), ['/y.pdf']);
  assert.deepEqual(dropPaths(null), []);
  assert.deepEqual(dropPaths({ position: {} }), []);
});

test("an attach's answer: how many went in and each refusal's message", () => {
  const res = {
    record: { id: 'r1' },
    attached: [{ sha256: 'a' }],
    refused: [{ file: 'bien-ban.jpg', message: 'Không nhận tệp bien-ban.jpg: không phải ảnh JPEG' }, { file: 'x' }],
  };
  assert.deepEqual(attachOutcome(res), {
    attached: 1, record: { id: 'r1' },
    refused: [{ file: 'bien-ban.jpg', message: 'Không nhận tệp bien-ban.jpg: không phải ảnh JPEG' }],
  });
  assert.deepEqual(attachOutcome(null), { attached: 0, refused: [], record: null });
});

test('every role and every gallery text is said in both languages', () => {
  for (const lang of [vi, en]) {
    assert.deepEqual(Object.keys(lang.enums.file_role), FILE_ROLES);
    for (const key of Object.keys(vi.strings).filter((k) => k.startsWith('ev.'))) {
      assert.ok(typeof lang.strings[key] === 'string' && lang.strings[key].length > 0, key);
    }
  }
  assert.equal(vi.enums.file_role.article, 'Bài viết, ảnh chụp màn hình');
  assert.match(vi.strings['ev.privacy'], /1\.600 điểm ảnh.*vị trí, máy chụp/);
  assert.equal(vi.strings['sync.files_waiting'], '{n} tệp minh chứng chờ gửi');
});
