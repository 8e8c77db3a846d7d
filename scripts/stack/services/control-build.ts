/**
 * The control plane as one ES module file, built by esbuild from control/src/main.ts once per state of the sources
 * (.run/.control-build/<hash>/main.mjs) and started with plain `node`: loading ~300 TypeScript files through tsx's
 * loader hooks took 1.1-1.4 s of every control-plane start (measured on 2 cores: the imports of main.ts 1.6-2.2 s
 * through tsx, 0.6-0.8 s bundled), and the test suite starts the control plane over a hundred times.
 * The code is the same: esbuild is what tsx transforms each file with. Packages stay outside the bundle (resolved
 * from the repository's node_modules, as before), and each file's `import.meta.url` stays its own source file's URL,
 * so the paths it computes from it (media/, consoles/, the repository root) do not move. A source map maps stack
 * traces back to the .ts files.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';

/** Bump when the way of building changes (a new option): every existing build is then made again. */
const BUILD_FORMAT = 'control-build-v1';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.isFile() ? [path] : [];
  }).sort();
}

/** A hash of every file under control/src (names and contents), the esbuild version and BUILD_FORMAT. */
export function sourceHash(root: string): string {
  const src = join(root, 'control', 'src');
  const h = createHash('sha256').update(`${BUILD_FORMAT}\0${esbuildVersion}\0`);
  for (const file of sourceFiles(src)) h.update(`${relative(src, file)}\0`).update(readFileSync(file)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Keeps `import.meta.url` of every source file its own (the bundle's would be .run/.control-build/...). */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/**
 * The bundle's path, built now unless a build of these exact sources exists. Safe when several processes start
 * stacks at once: each builds into a folder of its own and renames it into place; the first rename wins.
 */
export async function controlBundle(root: string): Promise<string> {
  const base = join(root, '.run', '.control-build');
  const dir = join(base, sourceHash(root));
  const main = join(dir, 'main.mjs');
  if (existsSync(main)) return main;
  mkdirSync(base, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await build({
      entryPoints: [join(root, 'control', 'src', 'main.ts')],
      outfile: join(tmp, 'main.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      plugins: [ownImportMetaUrl],
      logLevel: 'silent',
    });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // another process renamed its build into place first: use it
    if (!existsSync(main)) throw e;
  }
  // builds of earlier sources, once an hour old (a stack started meanwhile may still start from one); another
  // process's build folder may be renamed away meanwhile
  for (const old of readdirSync(base)) {
    const path = join(base, old);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && path !== dir && Date.now() - st.mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  return main;
}
