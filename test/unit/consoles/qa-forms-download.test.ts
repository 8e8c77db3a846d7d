/** The QA console's pure helpers: band text of the form editor (consoles/qa/forms-editor.js) and download file names (download.js). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBands, parseBands } from '../../../consoles/qa/forms-editor.js';
import { dispositionName } from '../../../consoles/qa/download.js';

test('parseBands reads "seconds:value" lists (ASCII or full-width separators) and refuses anything else', () => {
  assert.deepEqual(parseBands('10:10, 20:5'), [{ up_to_s: 10, value: 10 }, { up_to_s: 20, value: 5 }]);
  assert.deepEqual(parseBands('3：10，6.5：-1；'), [{ up_to_s: 3, value: 10 }, { up_to_s: 6.5, value: -1 }]);
  assert.deepEqual(parseBands(''), []);
  assert.equal(parseBands('10-10'), null);
  assert.equal(parseBands('10:ten'), null);
  assert.equal(parseBands('-1:5'), null, 'seconds are not negative');
});

test('formatBands is the inverse of parseBands', () => {
  const bands = [{ up_to_s: 10, value: 10 }, { up_to_s: 20, value: 5 }, { up_to_s: 30.5, value: 0 }];
  assert.equal(formatBands(bands), '10:10, 20:5, 30.5:0');
  assert.deepEqual(parseBands(formatBands(bands)), bands);
  assert.equal(formatBands(undefined), '');
});

test('dispositionName prefers the UTF-8 filename*, then filename, then the fallback', () => {
  assert.equal(dispositionName(`attachment; filename*=UTF-8''${encodeURIComponent('qa-调度评分-2026-03-01.xlsx')}`, 'x'), 'qa-调度评分-2026-03-01.xlsx');
  assert.equal(dispositionName('attachment; filename="recording-abc.tar"', 'x'), 'recording-abc.tar');
  assert.equal(dispositionName(null, 'fallback.bin'), 'fallback.bin');
});
