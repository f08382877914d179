/**
 * `npm start`'s entry, in plain JavaScript so that any Node.js can read it. The server needs
 * Node.js 24.11 or newer (`engines`), and many machines still ship Node.js 20 (end of life). On
 * such a Node this installs the version pinned in `.node-version` from the npm registry's
 * `node-<platform>-<arch>` package into the git-ignored `.ci/node/` (as `.ci/use-node.sh` does for
 * CI and contributors; the one copy serves both), says so in one line, and runs `start.ts` on it.
 * On a recent enough Node it runs `start.ts` in this process: no second process, no delay.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const START = join(HERE, 'start.ts');

/** `[major, minor, patch]` of a version such as `v24.11.0`, `24.11.0` or `>=24.11.0`. */
const parse = (version) =>
  version
    .replace(/^[^\d]*/, '')
    .split('.')
    .map(Number);
const atLeast = (actual, floor) => {
  for (let i = 0; i < 3; i += 1) if (actual[i] !== floor[i]) return actual[i] > floor[i];
  return true;
};

const floorText = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
if (atLeast(parse(process.version), parse(floorText))) {
  await import(pathToFileURL(START).href);
} else {
  const pinned = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${platform}-${process.arch}`;
  const prefix = join(ROOT, '.ci', 'node', pinned);
  const binary = join(prefix, 'node_modules', pkg, 'bin', platform === 'win' ? 'node.exe' : 'node');
  if (!existsSync(binary)) {
    process.stdout.write(
      `Node.js ${process.version} is older than the ${floorText.replace('>=', '')} Steadfast needs: ` +
        `installing Node.js ${pinned} from the npm registry (package ${pkg}) into .ci/node/, once…\n`,
    );
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const args = ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit'];
    const installed = spawnSync(npm, [...args, '--no-fund', `${pkg}@${pinned}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (installed.status !== 0 || !existsSync(binary)) {
      process.stderr.write(
        `Could not install ${pkg}@${pinned}. Install Node.js ${pinned} (or any version ` +
          `${floorText}) yourself and run npm start again.\n`,
      );
      process.exit(1);
    }
  }
  process.stdout.write(
    `Running on Node.js ${pinned} from .ci/node/ (this shell has ${process.version}).\n`,
  );
  const child = spawn(binary, [START, ...process.argv.slice(2)], { stdio: 'inherit' });
  // The server drains on SIGTERM/SIGINT: pass them on, and leave with its exit status.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
