/**
 * The dispatcher's one-key transfer row (consoles/dispatcher/transfer.js, docs/transfers.md "The dispatcher page"):
 * 110 / 119 / 122 come from the directory's categories (the first outside entry of each), labelled with the entry's
 * speed key or the number; the other entries with a speed key follow; a seat is never a one-key 110.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickOneKey } from '../../../consoles/dispatcher/transfer.js';

const e = (id: string, kind: string, category: string, speed_key: string | null = null) => ({ id, kind, category, speed_key });

test('110 / 119 / 122 by category, then the other speed keys, each entry once', () => {
  const row = pickOneKey([
    e('desk-110', 'seat', 'police'), // a seat filed under police: not the one-key 110
    e('hospital', 'number', 'hospital', '5'),
    e('traffic', 'number', 'traffic_police'),
    e('police-a', 'number', 'police', '110'),
    e('police-b', 'number', 'police', '1100'),
    e('county', 'centre', 'county_centre', '8'),
  ]);
  assert.deepEqual(row.map((r) => [r.key, r.entry.id]), [
    ['110', 'police-a'], ['122', 'traffic'], ['5', 'hospital'], ['1100', 'police-b'], ['8', 'county'],
  ]);
});

test('an empty directory gives no keys', () => {
  assert.deepEqual(pickOneKey([]), []);
});
