/**
 * `npm start`: runs the compiled server (dist/), compiling first only when a source changed since
 * the last compile, so every start after the first takes about a second instead of a full `tsc`.
 * Runs on Node's built-in TypeScript type stripping (no imports of our own, erasable syntax only):
 * it has to work before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, enableCompileCache } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const API_DIR = join(import.meta.dirname, '..', '..');
const DIST = join(API_DIR, 'dist');
/** Written after a successful compile: the fingerprint of the sources it was compiled from. */
const STAMP = join(DIST, '.sources');
/** Inputs of the compile besides src/: a changed compiler option also means a rebuild. */
const INPUTS = ['tsconfig.build.json', '../../tsconfig.base.json', 'package.json'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Path, size and modification time of every input: cheap, and catches added and deleted files. */
function fingerprint(): string {
  const hash = createHash('sha256');
  const files = [...filesUnder(join(API_DIR, 'src')), ...INPUTS.map((p) => join(API_DIR, p))];
  for (const file of files.sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(API_DIR, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const current = fingerprint();
const built = existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : undefined;
if (built === current && existsSync(join(DIST, 'main.js'))) {
  process.stdout.write('Sources unchanged since the last compile: starting dist/ as built.\n');
} else {
  process.stdout.write(
    built === undefined
      ? 'Compiling the TypeScript (first start; later starts skip this while src/ is unchanged)…\n'
      : 'Sources changed since the last compile: compiling the TypeScript…\n',
  );
  const started = performance.now();
  // A clean output directory: a deleted source must not leave its compiled module behind.
  rmSync(DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: API_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    process.stderr.write('Compilation failed (above); nothing started.\n');
    process.exit(result.status ?? 1);
  }
  writeFileSync(STAMP, current);
  process.stdout.write(`Compiled in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
}
// Paths in the configuration (the SQLite file) are relative to packages/api, as under `npm run`.
process.chdir(API_DIR);
// V8's code cache for every module loaded below (ours and node_modules): about half the import
// time of a start after the first.
enableCompileCache();
await import(pathToFileURL(join(DIST, 'main.js')).href);
