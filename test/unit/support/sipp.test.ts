import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSippArgs, injectionCsv, parseStatCsv, scenarioPath } from '../../support/sipp.ts';

test('parseStatCsv returns the last row by column name', () => {
  const csv = 'StartTime;SuccessfulCall(C);FailedCall(C);\n1;0;0;\n2;3;1;\n';
  assert.deepEqual(parseStatCsv(csv), { StartTime: '2', 'SuccessfulCall(C)': '3', 'FailedCall(C)': '1' });
  assert.deepEqual(parseStatCsv(''), {});
});

test('injectionCsv writes SEQUENTIAL rows in key order and keeps UTF-8', () => {
  assert.equal(injectionCsv([{ caller: '13800138000', display: '张三' }, { caller: '120', display: 'x' }]),
    'SEQUENTIAL\n13800138000;张三\n120;x\n');
});

test('injectionCsv refuses separators and line breaks with a coded error', () => {
  assert.throws(() => injectionCsv([{ a: 'x;y' }]), { code: 'CTI_BAD_REQUEST' });
  assert.throws(() => injectionCsv([{ a: 'x\ny' }]), { code: 'CTI_BAD_REQUEST' });
  assert.throws(() => injectionCsv([]), { code: 'CTI_BAD_REQUEST' });
});

test('scenarioPath finds test/sipp files and refuses unknown ones', () => {
  assert.match(scenarioPath('uas-seat-no-answer.xml'), /test\/sipp\/uas-seat-no-answer\.xml$/);
  assert.throws(() => scenarioPath('nope.xml'), { code: 'CTI_BAD_REQUEST' });
});

test('buildSippArgs: a uac-120 run dials 120 once, injects a default caller, traces into the run dir', () => {
  const { args, files, injectionRows } = buildSippArgs(
    { scenario: 'uac-120-expect-answer-audio.xml', remote: '127.0.0.1:5060', vars: { talk_ms: '10' } },
    '/tmp/x',
    { localPort: 5070, mediaPort: 6000 },
  );
  assert.equal(args[0], '127.0.0.1:5060');
  const after = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
  assert.equal(after('-s'), '120');
  assert.equal(after('-m'), '1');
  assert.equal(after('-p'), '5070');
  assert.equal(after('-mp'), '6000');
  assert.equal(after('-timeout'), '60s');
  assert.equal(after('-inf'), '/tmp/x/injection.csv');
  assert.equal(after('-stf'), files.stat);
  assert.ok(args.includes('-nostdin') && args.includes('-timeout_error'));
  assert.deepEqual(args.slice(args.indexOf('-set'), args.indexOf('-set') + 3), ['-set', 'talk_ms', '10']);
  assert.equal(injectionRows?.length, 1);
});

test('buildSippArgs: a UAS has no remote and no call limit; auth sets -s, -au and -ap', () => {
  const uas = buildSippArgs({ scenario: 'uas-seat-no-answer.xml' }, '/tmp/y', { localPort: 1, mediaPort: 2 });
  assert.ok(!uas.args.includes('-m') && uas.args[0] === '-sf' && uas.injectionRows === undefined);
  const reg = buildSippArgs(
    { scenario: 'uac-register-expect-200.xml', remote: 'r:1', auth: { username: 'seat01', password: 'pw' } },
    '/tmp/z',
    { localPort: 1, mediaPort: 2 },
  );
  const after = (flag: string): string | undefined => reg.args[reg.args.indexOf(flag) + 1];
  assert.equal(after('-s'), 'seat01');
  assert.equal(after('-au'), 'seat01');
  assert.equal(after('-ap'), 'pw');
});

test('buildSippArgs: a control port binds SIPp\'s control socket there (-ci/-cp) instead of the first free one from 8888', () => {
  const withCp = buildSippArgs({ scenario: 'uas-seat-no-answer.xml', localIp: '127.0.0.5' }, '/tmp/c', { localPort: 1, mediaPort: 2, controlPort: 12345 });
  const after = (flag: string): string | undefined => withCp.args[withCp.args.indexOf(flag) + 1];
  assert.equal(after('-ci'), '127.0.0.5');
  assert.equal(after('-cp'), '12345');
  const without = buildSippArgs({ scenario: 'uas-seat-no-answer.xml' }, '/tmp/c', { localPort: 1, mediaPort: 2 });
  assert.ok(!without.args.includes('-cp') && !without.args.includes('-ci'));
});
