/**
 * Runs test files in one Node process, one after the other: the unit tier's 60 files spend about 0.5 s each
 * starting Node and tsx, ten times the ~5 s their 344 tests take. Only for files of pure logic that leave
 * nothing behind (test/unit): they share the process, so a file must not register root-level hooks
 * (`before`, `afterEach`, ...), which would apply to every other file's tests; this refuses such a file.
 *   node --import tsx --test-reporter=spec scripts/test-one-process.ts FILE...
 * node:test runs the tests as each file registers them and sets a non-zero exit code if any fails.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT_HOOK = /^(before|after|beforeEach|afterEach)\s*\(/m;

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const hooked = files.filter((f) => ROOT_HOOK.test(readFileSync(f, 'utf8')));
if (hooked.length) {
  console.error(`test-one-process: root-level hooks would apply to every file's tests; move them into a describe() or the tests: ${hooked.join(', ')}`);
  process.exit(2);
}
for (const f of files) await import(pathToFileURL(resolve(f)).href);
