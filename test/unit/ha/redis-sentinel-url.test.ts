import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSentinelUrl, sentinelUrl } from '../../../control/src/ha/data/redis-connection.ts';

test('redis-sentinel-url: three Sentinels and the master name, and back', () => {
  const t = parseSentinelUrl('redis-sentinel://198.18.0.10:26379,198.18.0.11:26379,198.18.0.12:26380/cti');
  assert.deepEqual(t, {
    sentinels: [{ host: '198.18.0.10', port: 26379 }, { host: '198.18.0.11', port: 26379 }, { host: '198.18.0.12', port: 26380 }],
    name: 'cti',
  });
  assert.equal(sentinelUrl(t!), 'redis-sentinel://198.18.0.10:26379,198.18.0.11:26379,198.18.0.12:26380/cti');
});

test('redis-sentinel-url: a plain redis:// URL is not a Sentinel target', () => {
  assert.equal(parseSentinelUrl('redis://127.0.0.1:6379'), undefined);
});

test('redis-sentinel-url: malformed ones are refused with what to write', () => {
  for (const bad of ['redis-sentinel://h1:26379', 'redis-sentinel://h1/cti', 'redis-sentinel://h1:0/cti', 'redis-sentinel://h1:99999/cti',
    'redis-sentinel://h1:26379,,h2:26379/cti', 'redis-sentinel:///cti']) {
    assert.throws(() => parseSentinelUrl(bad), /redis-sentinel:\/\/host:port/, bad);
  }
});
