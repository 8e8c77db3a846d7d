import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { placeholders, renderTemplate, TemplateError } from '../../../scripts/stack/template.ts';
import { REPO_ROOT } from '../../../scripts/stack/migrate.ts';

test('renderTemplate replaces every placeholder', () => {
  assert.equal(renderTemplate('listen=udp:{{SIP_IP}}:{{SIP_PORT}} {{ SIP_IP }}', { SIP_IP: '127.0.0.1', SIP_PORT: '5060' }),
    'listen=udp:127.0.0.1:5060 127.0.0.1');
});

test('renderTemplate fails on a placeholder not in the map, naming it', () => {
  assert.throws(() => renderTemplate('a {{KNOWN}} b {{TYPO}} {{TYPO}}', { KNOWN: 'x' }, 'k.cfg'),
    (e: unknown) => e instanceof TemplateError && e.missing.length === 1 && /k\.cfg.*\{\{TYPO\}\}/.test(e.message));
});

test('values are inserted literally, not re-expanded', () => {
  assert.equal(renderTemplate('{{A}}', { A: '{{B}} $1 $&' }), '{{B}} $1 $&');
});

test('the rtpengine template uses only the placeholders its service fills', () => {
  const text = readFileSync(join(REPO_ROOT, 'engine/rtpengine/rtpengine.conf.tpl'), 'utf8');
  assert.deepEqual(placeholders(text).sort(),
    ['DELETE_DELAY', 'IP', 'LOG_LEVEL', 'MEDIA_IP', 'NG_PORT', 'PIDFILE', 'PORT_MAX', 'PORT_MIN', 'SPOOL_DIR']);
});
